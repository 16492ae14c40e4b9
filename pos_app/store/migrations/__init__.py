"""Alembic migrations of the local store. HEAD_REVISION must name the newest revision
(a test checks it against Alembic's own view), so start-up can skip Alembic when up to date."""
HEAD_REVISION = "0024_stock_costs"
