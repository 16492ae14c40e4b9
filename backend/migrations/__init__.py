"""Alembic migrations of the center's database. HEAD_REVISION must name the newest revision
(a test checks it against Alembic's own view)."""
HEAD_REVISION = "0018_coupon_release"
