"""Schemathesis extension for the center's fuzz run (SCHEMATHESIS_HOOKS=tests.backend.fuzz_hooks):
the check `nothing_stored_on_refusal` fails a 4xx answer after which the center's database is
not what it was before the request (row counts of every table, the change-log counter).

Runs inside the schemathesis process, one request at a time (--workers 1), so "before" is the
state right before this request. The device table is left out: authenticating a device notes
when it was last seen, which is not something the request stored.
"""
from __future__ import annotations

import os
from typing import Any

import schemathesis
from sqlalchemy import create_engine, func, select

from backend.models import Base

_engine = create_engine(os.environ["POS_FUZZ_DATABASE_URL"])
_tables = [t for t in Base.metadata.sorted_tables if t.name != "devices"]
_before: tuple[int, ...] | None = None


def fingerprint() -> tuple[int, ...]:
    with _engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in _tables) + tuple(
            conn.exec_driver_sql("SELECT value FROM change_counter").scalars().all())


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    global _before
    _before = fingerprint()


@schemathesis.check
def nothing_stored_on_refusal(ctx: Any, response: Any, case: Any) -> bool | None:
    if 400 <= response.status_code < 500 and _before is not None:
        after = fingerprint()
        if after != _before:
            changed = [t.name for t, a, b in zip(_tables, _before, after) if a != b]
            raise AssertionError(f"HTTP {response.status_code} but the center changed: {changed or 'change log'}")
    return None
