"""Prices: the promotion engine shared by the tills and the center (docs/prices.md).

Pure, Qt-free, no I/O: imported by the till and by the backend. The parts live in their own
modules (promotions, engine, allocation, refunds); this file stays minimal on purpose.
"""
