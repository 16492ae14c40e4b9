"""The app factory that `pos-backend serve --workers N` hands to uvicorn: each worker process
imports this module and builds its own app (engine, connection pool) from the environment that
`serve` set before starting them. Nothing else is shared between workers but the database.

Runs once per worker process, on its main thread, before it accepts connections.
"""
from __future__ import annotations

import os

from fastapi import FastAPI

ENV_URL = "POS_SERVE_DATABASE_URL"
ENV_TOKEN = "POS_SERVE_ADMIN_TOKEN"


def app_from_environment() -> FastAPI:
    from backend.api import create_app

    url, token = os.environ.get(ENV_URL, ""), os.environ.get(ENV_TOKEN, "")
    if not url or not token:
        raise RuntimeError(f"{ENV_URL} and {ENV_TOKEN} must be set (pos-backend serve --workers sets them)")
    return create_app(url, token)
