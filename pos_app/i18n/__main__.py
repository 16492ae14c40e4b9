"""`python -m pos_app.i18n check` / `update`: see pos_app.i18n.check."""
from __future__ import annotations

import sys

from pos_app.i18n.check import main

sys.exit(main(sys.argv[1:]))
