"""The spec says exactly what the center answers: rules applied to FastAPI's generated OpenAPI
document, in one place rather than on each of forty endpoints.

- 422 may carry FastAPI's validation array (HTTPValidationError: the body or a parameter does
  not match the spec, or is not JSON at all) or a Problem (a rule the spec cannot express: an
  unknown product, totals that do not add up, a value no database holds): both are documented.
- 413 (any body over the limit, backend.http_limits.BodySizeLimit), 414 and 431 (an oversized
  request line or head, answered before routing) can meet every operation.
- Text that no database can hold (NUL, lone surrogates) is refused everywhere
  (pos_app.limits.text_fault): every string a client sends says so with a `pattern`, and so do
  the keys of free-form objects (`propertyNames`), so that a client (or a fuzzer) reading the
  spec knows such text is invalid rather than "valid but refused".

Called once per process (FastAPI caches the document); pure dict work, any thread.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from backend.schemas import Problem

STORABLE_TEXT = "^[^\\u0000]*$"  # NUL (lone surrogates are refused too, but no JSON generator makes them)
PROBLEM_REF = "#/components/schemas/Problem"
VALIDATION_REF = "#/components/schemas/HTTPValidationError"
ANY_REQUEST = {
    "414": "Request line over backend.http_limits.MAX_REQUEST_LINE bytes",
    "431": "Request head over backend.http_limits.MAX_HEAD bytes",
}


def install(app: FastAPI) -> None:
    """Serve (and commit, backend.api.openapi_text) the generated document with these rules."""
    generated = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            apply(generated())  # FastAPI keeps the generated document in app.openapi_schema
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def apply(spec: dict[str, Any]) -> dict[str, Any]:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", Problem.model_json_schema())
    request_refs: set[str] = set()
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            _responses(operation)
            for parameter in operation.get("parameters", []):
                _storable_strings(parameter.get("schema", {}), schemas, request_refs)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _storable_strings(media.get("schema", {}), schemas, request_refs)
    return spec


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": PROBLEM_REF}}}}


def _responses(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if "422" in responses or operation.get("parameters") or "requestBody" in operation:
        described = responses.get("422", {}).get("description", "")
        responses["422"] = {
            "description": described if described and described != "Validation Error" else
            "The request does not match the spec (validation array), or breaks a rule the spec cannot "
            "express (Problem); nothing stored",
            "content": {"application/json": {"schema": {"anyOf": [{"$ref": VALIDATION_REF}, {"$ref": PROBLEM_REF}]}}}}
    if "requestBody" in operation:
        responses.setdefault("413", _problem("Body over the center's limit; nothing stored"))
    for status, description in ANY_REQUEST.items():
        responses.setdefault(status, _problem(description))


def _storable_strings(schema: dict[str, Any], schemas: dict[str, Any], seen: set[str]) -> None:
    """Add the text rule to every string of a request schema, following $refs once each."""
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[-1]
        if name not in seen and name in schemas:
            seen.add(name)
            _storable_strings(schemas[name], schemas, seen)
        return
    if schema.get("type") == "string" and not ({"format", "enum", "const", "pattern"} & set(schema)):
        schema["pattern"] = STORABLE_TEXT
    if schema.get("type") == "object" and schema.get("additionalProperties", True) is not False:
        names = schema.setdefault("propertyNames", {})  # keys are strings: the same rule
        if isinstance(names, dict) and "pattern" not in names:
            names["pattern"] = STORABLE_TEXT
    for key in ("properties", "patternProperties", "$defs"):
        for child in (schema.get(key) or {}).values():
            _storable_strings(child, schemas, seen)
    for key in ("items", "additionalProperties", "not", "propertyNames"):
        child = schema.get(key)
        if isinstance(child, dict):
            _storable_strings(child, schemas, seen)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for child in schema.get(key) or []:
            _storable_strings(child, schemas, seen)
