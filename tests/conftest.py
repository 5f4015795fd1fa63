"""Import this checkout's packages, not another installed copy of the project (e.g. an editable install)."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if sys.path[0] != ROOT:
    sys.path.insert(0, ROOT)
