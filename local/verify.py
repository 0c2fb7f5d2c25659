"""``python -m local.verify reveal.json [--root <hex>]`` from the repository's root.

``python -m casino.hub.verify`` needs the shared layer on the path (as in Lambda, or with
``PYTHONPATH=layers/shared``); importing ``local`` puts it there, so this is the same command.
"""

import sys

import local  # noqa: F401 - puts the shared layer on sys.path
from casino.hub.verify import main

if __name__ == "__main__":
    sys.exit(main())
