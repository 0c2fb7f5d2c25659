"""``make bench``: the wallet benchmarks land with the ledger; until then this says so."""

import sys

print("no benchmarks yet: the wallet movement benchmarks come with the ledger (see docs/benchmarks.md)")
sys.exit(0)
