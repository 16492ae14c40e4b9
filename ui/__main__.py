"""`python -m ui`: the store app, as the `omnipos` command."""
from __future__ import annotations

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main())
