"""The Docker-free local stack (``make run``): template.yaml served on one machine with moto.

As Lambda puts a layer's ``python/`` on the path, the local stack puts the shared layer's
source there, so that the handlers import ``casino`` exactly as they do in AWS.
"""

import sys
from pathlib import Path

_LAYER = str(Path(__file__).resolve().parent.parent / "layers" / "shared")
if _LAYER not in sys.path:
    sys.path.insert(0, _LAYER)
