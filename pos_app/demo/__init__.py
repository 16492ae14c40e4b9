"""Demo data for "Wohnen & Mode": stores, tills, staff with PINs, a hand-named home-and-fashion
catalog (optionally padded to a million products) and German customers. Deterministic per seed.

The app calls ensure_demo_database() on first run; omnipos-demo (pos_app.demo.cli) writes big
files for benchmarks. See pos_app/demo/generator.py; the database-free rows are in
pos_app/demo/rows.py (shared with the central backend's seed).

The generator's names are re-exported lazily (module __getattr__): importing
pos_app.demo.rows must not pull in pos_app.store and SQLAlchemy, which the backend may not import.
"""
from __future__ import annotations

from typing import Any

from pos_app.demo.catalog import BLUE_SOFA, GREEN_SOFA

_FROM_GENERATOR = frozenset({"DEMO_PINS", "DemoDataExists", "DemoStaff", "GenerateResult", "demo_staff",
                             "ensure_demo_database", "generate", "has_data"})

__all__ = ["BLUE_SOFA", "DEMO_PINS", "GREEN_SOFA", "DemoDataExists", "DemoStaff", "GenerateResult",
           "demo_staff", "ensure_demo_database", "generate", "has_data"]


def __getattr__(name: str) -> Any:
    if name in _FROM_GENERATOR:
        from pos_app.demo import generator

        return getattr(generator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
