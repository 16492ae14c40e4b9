"""The central backend: the single source of truth for products, prices, stock per store,
customers and sales across every channel. An HTTP API (FastAPI) over PostgreSQL, or SQLite as
the embedded default so that one command runs everything on a laptop.

Modules: config (where the database and the admin token come from), db (engines and
transactions), models + migrations (the schema), changelog (the change feed and its commit-order
rule), events (applying what devices push), auth (device and admin tokens), api / admin (the
HTTP routes), seed and simulate (demo data at the center), cli (`pos-backend`).

The backend keeps no state in its processes: any number of them can serve one PostgreSQL.
It imports only sync.protocol and pure parts of pos_app (see the contracts in pyproject.toml).
"""
