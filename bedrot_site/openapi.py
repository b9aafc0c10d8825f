"""OpenAPI post-processing: document what every API view really answers (SPEC 7 R3).

drf-spectacular only describes the success body. Every Bedrot endpoint also answers 400 with
field errors, 401 without credentials, 403 for non-staff and 404 for an unknown id or format,
and DRF reads a blank query parameter as "not given"; the schema says so, so that a client
(and Schemathesis) can tell a valid request from an invalid one.
"""

from __future__ import annotations

from typing import Any

FIELD_ERRORS = {
    "type": "object",
    "description": "Field name -> list of messages; `non_field_errors` for the whole request.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
ERROR_RESPONSES = {
    "400": ("Invalid parameters: field errors", "FieldErrors"),
    "401": ("No credentials, or invalid ones", "ErrorDetail"),
    "403": ("Authenticated but not staff", "ErrorDetail"),
    "404": ("No such object, or an unknown `format`", None),
}
BLANK = {"type": "string", "enum": [""], "description": "Blank: not filtered"}
# DRF's CharField refuses NUL (a 400 with field errors); the schema says so.
NO_NUL = "^[^\\u0000]*$"


def _forbid_nul(schema: dict[str, Any]) -> None:
    if schema.get("type") == "string" and not {"format", "enum", "pattern"} & set(schema):
        schema["pattern"] = NO_NUL


def _json(description: str, component: str | None) -> dict[str, Any]:
    if component is None:
        # A 404 can come from URL routing (an id that is not a number) as Django's HTML page.
        return {"description": description}
    ref = {"$ref": f"#/components/schemas/{component}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _allow_blank(parameter: dict[str, Any]) -> None:
    """DRF reads `?name=` on an optional field as absent, so blank is a valid value."""
    if parameter.get("in") != "query" or parameter.get("required"):
        return
    schema = parameter.get("schema")
    if schema is not None:
        _forbid_nul(schema)
        parameter["schema"] = {"anyOf": [schema, BLANK]}


def document_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """SPECTACULAR_SETTINGS postprocessing hook: error bodies and blank query values."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    schemas.setdefault("ErrorDetail", DETAIL)
    for name, component in schemas.items():
        # Request bodies (COMPONENT_SPLIT_REQUEST names them `...Request`) go through CharField.
        if name.endswith("Request"):
            for prop in component.get("properties", {}).values():
                _forbid_nul(prop)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, (description, component) in ERROR_RESPONSES.items():
                responses.setdefault(code, _json(description, component))
            for parameter in operation.get("parameters", []):
                _allow_blank(parameter)
    return result
