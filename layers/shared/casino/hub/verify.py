"""Check an instant-win reveal against its series' commitment: ``python -m casino.hub.verify``.

    python -m casino.hub.verify reveal.json                # against the reveal's own root
    python -m casino.hub.verify reveal.json --root <hex>   # against the root published on the game
    ... | python -m casino.hub.verify -                    # the reveal on stdin

The input is a reveal as ``casino.hub.prizes.Reveal.to_json`` writes it, or an object carrying
one under ``"reveal"`` (an API answer). Prints a one-line verdict; exits 0 if the reveal is the
prize committed at its position, 1 if not (or if the input is not a reveal), 2 on bad usage.
From the repository's root, where the layer is not on the path: ``python -m local.verify``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from casino.errors import ValidationFailed
from casino.hub.prizes import Reveal, why_invalid

VALID, INVALID = 0, 1


def check(text: str, root: str | None = None) -> tuple[int, str]:
    """The exit status and the one-line verdict for the reveal JSON ``text``."""
    try:
        raw = json.loads(text)
    except ValueError as error:
        return INVALID, f"INVALID: not JSON ({error})"
    if isinstance(raw, dict) and isinstance(raw.get("reveal"), dict):
        raw = raw["reveal"]
    try:
        reveal = Reveal.from_json(raw)
    except ValidationFailed as refused:
        return INVALID, f"INVALID: not a reveal: {refused.message}"
    commitment = reveal.root if root is None else root.strip().lower()
    problem = why_invalid(reveal, commitment)
    if problem is not None:
        return INVALID, f"INVALID: series {reveal.series_id} position {reveal.position}: {problem}"
    return VALID, (
        f"VALID: series {reveal.series_id} position {reveal.position} of {reveal.tickets} pays "
        f"{reveal.amount_minor} minor units, committed by root {commitment}"
    )


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m casino.hub.verify", description="Check an instant-win reveal against its commitment."
    )
    parser.add_argument("reveal", nargs="?", default="-", help="a reveal JSON file, or - for stdin (the default)")
    parser.add_argument("--root", help="the commitment published on the game (default: the reveal's own root)")
    args = parser.parse_args(argv)
    out = stdout if stdout is not None else sys.stdout
    if args.reveal == "-":
        text = (stdin if stdin is not None else sys.stdin).read()
    else:
        try:
            with open(args.reveal, encoding="utf-8") as source:
                text = source.read()
        except OSError as error:
            print(f"INVALID: cannot read {args.reveal}: {error.strerror}", file=out)
            return INVALID
    status, verdict = check(text, args.root)
    print(verdict, file=out)
    return status


if __name__ == "__main__":
    sys.exit(main())
