"""Prices: the rules every channel applies the same way (pure, Qt-free, any thread)."""
