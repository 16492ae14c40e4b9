"""`python -m backend`: the center's command line, as `pos-backend` (backend.cli)."""
from __future__ import annotations

import sys

from backend.cli import main

if __name__ == "__main__":
    sys.exit(main())
