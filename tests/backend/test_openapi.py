"""backend/openapi.json is the committed contract: it must be what the app generates now."""
from __future__ import annotations

import json
from pathlib import Path

from backend.api import openapi_text
from backend.cli import OPENAPI_PATH, main

REGENERATE = "python -m backend.cli openapi"


def test_committed_openapi_spec_is_fresh() -> None:
    assert OPENAPI_PATH.exists(), f"backend/openapi.json is missing: run `{REGENERATE}`"
    assert OPENAPI_PATH.read_text(encoding="utf-8") == openapi_text(), (
        f"backend/openapi.json is stale: run `{REGENERATE}` and commit the result")


def test_spec_documents_the_device_and_admin_endpoints() -> None:
    spec = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    paths = spec["paths"]
    assert {"/v1/health", "/v1/device", "/v1/events", "/v1/changes", "/v1/stock/{product_id}", "/v1/admin/devices",
            "/v1/admin/sales", "/v1/admin/stock", "/v1/admin/events"} <= set(paths)
    push = paths["/v1/events"]["post"]
    assert push["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/PushRequest")
    assert {"200", "401", "403", "413", "422"} <= set(push["responses"])
    assert paths["/v1/changes"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] \
        .endswith("/ChangePage")
    assert {"DeviceToken", "AdminToken"} <= set(spec["components"]["securitySchemes"])


def test_openapi_command_writes_the_same_text(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    assert main(["openapi", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == openapi_text()
    assert openapi_text() == openapi_text()  # stable ordering
