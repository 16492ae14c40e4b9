"""Devices: the keyboard-wedge scanner's timing logic, camera scanning, receipt printers (their
profiles and status), the cash drawer.
No Qt here; the Qt glue lives in ui/.

python-escpos parses its printer database (YAML) on import and caches it as a pickle in a NEW
temporary folder each time unless told where; we give it one stable cache folder, so the cache
works across starts (faster cold start) and no temp folders pile up.
"""
import os
import tempfile

if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
    _cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "omnipos", "escpos")
    try:
        os.makedirs(_cache, exist_ok=True)
    except OSError:
        _cache = tempfile.gettempdir()
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = _cache
