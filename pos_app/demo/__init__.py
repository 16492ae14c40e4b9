"""Demo data for "Wohnen & Mode": stores, tills, staff with PINs, a hand-named home-and-fashion
catalog (optionally padded to a million products) and German customers. Deterministic per seed.

The app calls ensure_demo_database() on first run; omnipos-demo (pos_app.demo.cli) writes big
files for benchmarks. See pos_app/demo/generator.py.
"""
from __future__ import annotations

from pos_app.demo.catalog import BLUE_SOFA, GREEN_SOFA
from pos_app.demo.generator import (DEMO_PINS, DemoDataExists, DemoStaff, GenerateResult, demo_staff,
                                    ensure_demo_database, generate, has_data)

__all__ = ["BLUE_SOFA", "DEMO_PINS", "GREEN_SOFA", "DemoDataExists", "DemoStaff", "GenerateResult",
           "demo_staff", "ensure_demo_database", "generate", "has_data"]
