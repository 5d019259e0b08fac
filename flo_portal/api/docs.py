"""Turning the OpenAPI document into the server-rendered reference page (no script)."""

from __future__ import annotations

from typing import Any


def _resolve(schema: dict, spec: dict) -> dict:
    seen = 0
    while "$ref" in schema and seen < 10:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"].get(name, {})
        seen += 1
    return schema


def type_label(schema: dict, spec: dict) -> str:
    """A short human label for a schema: `string`, `integer`, `list of Agency`, `a | b`."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        target = _resolve(schema, spec)
        if "enum" in target:
            return "one of " + ", ".join(str(v) for v in target["enum"])
        return name
    if "anyOf" in schema:
        return " or ".join(type_label(s, spec) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if schema.get("type") == "array":
        return "list of " + type_label(schema.get("items", {}), spec)
    if schema.get("type") == "object" and "additionalProperties" in schema:
        return "map of " + type_label(schema["additionalProperties"], spec)
    label = schema.get("type", "any")
    if schema.get("format"):
        label += f" ({schema['format']})"
    return label


def fields_of(schema: dict, spec: dict) -> list[dict[str, Any]]:
    """Rows (name, type, required, description) for an object schema."""
    target = _resolve(schema, spec)
    required = set(target.get("required", []))
    rows = []
    for name, prop in target.get("properties", {}).items():
        limits = [
            f"{k} {prop[k]}" for k in ("minimum", "maximum", "minLength", "maxLength") if k in prop
        ]
        rows.append(
            {
                "name": name,
                "type": type_label(prop, spec),
                "required": name in required,
                "description": prop.get("description", ""),
                "limits": ", ".join(limits),
            }
        )
    return rows


def reference_sections(spec: dict) -> list[dict[str, Any]]:
    """Operations grouped by their first tag, in document order."""
    sections: dict[str, list[dict]] = {}
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            responses = []
            for code, resp in op["responses"].items():
                schema = resp.get("content", {}).get("application/json", {}).get("schema")
                responses.append(
                    {
                        "code": code,
                        "description": resp["description"],
                        "type": type_label(schema, spec) if schema else "",
                    }
                )
            sections.setdefault(op["tags"][0], []).append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": op["summary"],
                    "description": op.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": type_label(p["schema"], spec),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": fields_of(body["schema"], spec) if body else [],
                    "body_name": type_label(body["schema"], spec) if body else "",
                    "responses": responses,
                    "permissions": op.get("x-permissions", []),
                    "public": op.get("security") == [],
                    "success": fields_of(
                        op["responses"][min(op["responses"])]
                        .get("content", {})
                        .get("application/json", {})
                        .get("schema", {}),
                        spec,
                    ),
                }
            )
    return [{"tag": tag, "operations": ops} for tag, ops in sections.items()]
