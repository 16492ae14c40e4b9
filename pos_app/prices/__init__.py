"""Prices: the rules every channel applies the same way, shared by the tills and the center
(docs/prices.md): the promotion engine (promotions, engine, allocation, refunds), the lowest
30-day price, the Grundpreis and shelf labels.

Pure, Qt-free, no I/O: imported by the till and by the backend. The parts live in their own
modules; this file stays minimal on purpose.
"""
