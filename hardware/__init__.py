"""Devices: the keyboard-wedge scanner's timing logic, camera scanning, receipt printers (their
profiles and status), the cash drawer.
No Qt here; the Qt glue lives in ui/.

python-escpos parses its printer database (YAML) on import and caches it as a pickle in a NEW
temporary folder each time unless told where; we give it one stable cache folder, so the cache
works across starts (faster cold start) and no temp folders pile up. It writes that pickle in
place, so a second process starting at the same moment (a till and a CLI, two test workers)
could read half a file and fail ("Ran out of input"): the first process with a cold cache builds
it in a private folder and moves it into place in one step, and each escpos install has its own
cache folder (escpos rewrites a pickle older than its database, in place).
"""
import os
import platform
import shutil
import tempfile


def _escpos_install_key() -> str:
    """Which python-escpos install the cache is for: its printer database's path and time. A new
    install (a fresh virtualenv) gets a cache of its own, built fresh, instead of one escpos finds
    older than its database and rewrites in place."""
    import hashlib
    import importlib.util

    try:
        spec = importlib.util.find_spec("escpos")
        folders = list(spec.submodule_search_locations or []) if spec is not None else []
        database = os.path.join(folders[0], "capabilities.json") if folders else ""
        stamp = f"{database}:{os.path.getmtime(database)}" if database else "none"
    except (ImportError, OSError, ValueError):
        stamp = "none"
    return hashlib.sha1(stamp.encode()).hexdigest()[:12]


def _escpos_cache_folder() -> str:
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "omnipos", "escpos",
                         _escpos_install_key())
    try:
        os.makedirs(cache, exist_ok=True)
    except OSError:
        return tempfile.gettempdir()
    return cache


def _build_escpos_cache(cache: str) -> None:
    """Build python-escpos's capability pickle in a private folder and rename it into `cache`
    (atomic on one file system), unless it is there already."""
    name = f"{platform.python_version()}.capabilities.pickle"
    if os.path.exists(os.path.join(cache, name)):
        return
    try:
        private = tempfile.mkdtemp(dir=cache)
    except OSError:
        return
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = private
    try:
        import escpos.capabilities  # noqa: F401  (writes the pickle into `private`)
        os.replace(os.path.join(private, name), os.path.join(cache, name))
    except (ImportError, OSError):
        pass  # no escpos here (the center's extra), or no pickle written: escpos parses as before
    finally:
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = cache
        shutil.rmtree(private, ignore_errors=True)


if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
    _folder = _escpos_cache_folder()
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = _folder
    _build_escpos_cache(_folder)
