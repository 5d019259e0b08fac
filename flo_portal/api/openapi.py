"""Declaring API operations next to their views, and the OpenAPI 3.1 document built from them.

``@operation(...)`` sits under ``@bp.route`` and the access decorator. It records the
query, body and response models (pydantic v2, whose JSON Schema 2020-12 output is what
OpenAPI 3.1 uses), parses and validates the request into those models (422 with
per-field messages), and serialises what the view returns through the response model.
``build_spec(app)`` walks ``app.url_map`` and turns every declared operation into the
document, so the document cannot drift from the code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Annotated, Any

from flask import Flask, Response, jsonify, request
from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from werkzeug.routing import IntegerConverter

from flo_portal.api.errors import ApiError
from flo_portal.core.formtools import control_character_problem
from flo_portal.core.ids import MAX_ID
from flo_portal.security.access import declared_access

REF_TEMPLATE = "#/components/schemas/{model}"


# Query strings carry text; these parse it strictly so the document's types are the truth.
def _strict_int(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not text or not (text.isascii() and text.lstrip("-").isdigit()) or text != value:
            raise ValueError("must be a whole number")
        return int(text)
    return value


def _strict_bool(value: Any) -> Any:
    if isinstance(value, str):
        if value not in ("true", "false"):
            raise ValueError("must be true or false")
        return value == "true"
    return value


QueryInt = Annotated[int, BeforeValidator(_strict_int)]
QueryBool = Annotated[bool, BeforeValidator(_strict_bool)]


@dataclass
class Operation:
    summary: str
    tags: tuple[str, ...]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    also: tuple[int, ...] = ()  # other success codes with the same response body
    etag: bool = False  # the response's ``version`` is its ETag; writes honour If-Match
    description: str = ""
    extra: dict = field(default_factory=dict)


def _pydantic_fields(exc: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err["loc"]) or prefix or "body"
        msg = err["msg"].removeprefix("Value error, ")
        fields.setdefault(loc, []).append(msg)
    return fields


def parse_query(model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    fields: dict[str, list[str]] = {}
    for name in request.args:
        if name not in model.model_fields:
            fields[name] = ["Unknown parameter."]
    for name, values in request.args.lists():
        for value in values:
            if problem := control_character_problem(value):
                fields.setdefault(name, []).append(problem)
    for name in model.model_fields:
        values = request.args.getlist(name)
        if len(values) > 1:
            fields[name] = ["Give this parameter once."]
        elif values:
            data[name] = values[0]
    if fields:
        raise ApiError(422, "Some query parameters are not valid.", fields=fields)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(
            422, "Some query parameters are not valid.", fields=_pydantic_fields(exc)
        ) from None


def parse_body(model: type[BaseModel]) -> BaseModel:
    raw = request.get_data(cache=True)
    try:
        return model.model_validate_json(raw or b"", strict=True)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise ApiError(400, "The request body is not valid JSON.") from None
        raise ApiError(422, "Some fields are not valid.", fields=_pydantic_fields(exc)) from None


def _render(result: Any, op: Operation) -> Response:
    if isinstance(result, Response):
        return result
    status = op.status
    if isinstance(result, tuple):
        result, status = result
    if result is None:
        return Response(status=204)
    if isinstance(result, BaseModel):
        payload = result.model_dump(mode="json")
    elif op.response is not None:
        payload = op.response.model_validate(result).model_dump(mode="json")
    else:
        payload = result
    response = jsonify(payload)
    response.status_code = status
    if op.etag and isinstance(payload, dict) and "version" in payload:
        response.set_etag(str(payload["version"]), weak=True)
    return response


def operations(*tags: str) -> Callable[..., Callable[[Callable], Callable]]:
    """The ``operation`` decorator of one API module, its tags given once:
    ``op = operations("rfis")``, then ``@op("List RFIs", query=RfiQuery, response=...)``
    (``tags=`` still overrides it for one operation)."""

    def op(summary: str, **options: Any) -> Callable[[Callable], Callable]:
        options.setdefault("tags", tags)
        return operation(summary=summary, **options)

    return op


def operation(
    *,
    summary: str,
    tags: tuple[str, ...] | list[str],
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    also: tuple[int, ...] = (),
    etag: bool = False,
) -> Callable[[Callable], Callable]:
    """Declare an API operation; the view receives ``query=`` / ``body=`` models."""

    def decorator(view: Callable) -> Callable:
        op = Operation(
            summary=summary,
            tags=tuple(tags),
            query=query,
            body=body,
            response=response,
            status=status,
            errors=tuple(errors),
            also=tuple(also),
            etag=etag,
            description=(view.__doc__ or "").strip(),
        )

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if query is not None:
                kwargs["query"] = parse_query(query)
            elif request.args:  # a typo'd filter must not silently widen a result
                raise ApiError(
                    422,
                    "This operation takes no query parameters.",
                    fields={name: ["Unknown parameter."] for name in request.args},
                )
            if body is not None:
                kwargs["body"] = parse_body(body)
            return _render(view(*args, **kwargs), op)

        wrapper._api_op = op  # type: ignore[attr-defined]  # read by build_spec through functools.wraps' __dict__ copy
        return wrapper

    return decorator


# --- the document -----------------------------------------------------------------------

ERROR_DESCRIPTIONS = {
    400: "The request is malformed (body not JSON, or a browser session without its CSRF token).",
    401: "No valid token or session.",
    403: "The role, or the token's scope, does not allow this.",
    404: "No such object, or the caller may not see it.",
    409: "The object's current state does not allow this, or it changed since you read it "
    "(`If-Match` or `version` is stale): read it again.",
    428: "Send `If-Match` with the ETag you read (or `version` in the body).",
    413: "The body is larger than the portal accepts.",
    422: "Validation failed; `fields` holds a message per field.",
    429: "Too many requests for this token; retry later.",
}


def _path_and_params(rule) -> tuple[str, list[dict]]:
    path = rule.rule
    params = []
    for name in rule.arguments:
        converter = rule._converters.get(name)  # werkzeug has no public accessor
        schema: dict[str, Any] = {"type": "string"}
        if isinstance(converter, IntegerConverter):
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", path)
    return path, params


def _operation_id(rule, method: str) -> str:
    base = rule.endpoint.split(".", 1)[-1]
    if len((rule.methods or set()) - {"HEAD", "OPTIONS"}) > 1:
        base += "_" + method.lower()
    return base


def _without_null(schema: dict) -> dict:
    """Query parameters are absent rather than null: drop the null branch of Optional[X]."""
    if "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if b.get("type") != "null"]
        if len(branches) == 1:
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
            return {**branches[0], **rest}
    return {k: v for k, v in schema.items() if not (k == "default" and v is None)}


def _error_response_obj(code: int, error_ref: dict) -> dict:
    return {
        "description": ERROR_DESCRIPTIONS.get(code, "Error"),
        "content": {"application/json": {"schema": error_ref}},
    }


def iter_operations(app: Flask):
    """(rule, method, view, Operation) for every declared API operation, in path order."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions.get(rule.endpoint)
        op = getattr(view, "_api_op", None)
        if op is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, view, op


def build_spec(app: Flask) -> dict:
    """The OpenAPI 3.1 document for every ``@operation`` registered on ``app``."""
    from flo_portal import __version__
    from flo_portal.api.schemas import ErrorBody

    ops = list(iter_operations(app))
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for _rule, _method, _view, op in ops:
        if op.query is not None:
            wanted.append((op.query, "validation"))
        if op.body is not None:
            wanted.append((op.body, "validation"))
        if op.response is not None:
            wanted.append((op.response, "serialization"))
    wanted = list(dict.fromkeys(wanted))
    refs, top = models_json_schema(wanted, ref_template=REF_TEMPLATE)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    error_ref = refs[(ErrorBody, "serialization")]

    paths: dict[str, dict] = {}
    for rule, method, view, op in ops:
        path, params = _path_and_params(rule)
        if op.query is not None:
            qname = refs[(op.query, "validation")]["$ref"].rsplit("/", 1)[1]
            qschema = schemas.get(qname, {})
            required = set(qschema.get("required", []))
            for name, prop in qschema.get("properties", {}).items():
                schema = _without_null(dict(prop))
                description = schema.pop("description", "")
                schema.pop("title", None)
                param = {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "schema": schema,
                }
                if description:
                    param["description"] = description
                params.append(param)
        responses: dict[str, Any] = {}
        if op.response is not None:
            for success in (op.status, *op.also):
                responses[str(success)] = {
                    "description": "Created" if success == 201 else "Success",
                    "content": {
                        "application/json": {"schema": refs[(op.response, "serialization")]}
                    },
                }
        else:
            responses[str(op.status)] = {"description": "Success, no content"}
        access = declared_access(view)
        codes = set(op.errors)
        if access != "public":
            codes |= {401, 403, 422, 429}  # 422 also for unknown query parameters
        if any(p["in"] == "path" for p in params):
            codes.add(404)
        if op.query is not None:
            codes.add(422)
        if op.body is not None:
            codes |= {400, 413, 422}
        writes = method in ("PATCH", "PUT", "DELETE")
        if op.etag and writes:
            codes |= {409, 428}
            params.append(
                {
                    "name": "If-Match",
                    "in": "header",
                    "required": False,
                    "description": (
                        'The ETag from your last read (`W/"<version>"`). A stale one answers '
                        "409 and changes nothing; without it, give `version` in the body."
                    ),
                    "schema": {"type": "string"},
                }
            )
        if op.etag:
            for success in (op.status, *op.also):
                if str(success) in responses:
                    responses[str(success)]["headers"] = {
                        "ETag": {
                            "description": 'The object\'s version, `W/"<version>"`: send it '
                            "back as `If-Match` when changing the object.",
                            "schema": {"type": "string"},
                        }
                    }
        for code in sorted(codes):
            responses[str(code)] = _error_response_obj(code, error_ref)
        entry: dict[str, Any] = {
            "operationId": _operation_id(rule, method),
            "summary": op.summary,
            "tags": list(op.tags),
            "responses": responses,
        }
        if op.description:
            entry["description"] = op.description
        if params:
            entry["parameters"] = params
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
            }
        if access == "public":
            entry["security"] = []
        elif isinstance(access, tuple):
            entry["x-permissions"] = [str(p) for p in access]
        paths.setdefault(path, {})[method.lower()] = entry

    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "FLO Portal API",
            "version": __version__,
            "description": (
                "The FLO Portal JSON API. Authenticate with a personal access token "
                "(`Authorization: Bearer flo_pat_…`) made on your account page. Read tokens "
                "may only use GET. Lists are paginated with `limit` and the opaque "
                "`next_cursor` of the previous page. Every error has the shape "
                '`{"error": {"code", "message", "fields"}}`.'
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "flo_pat_…",
                }
            },
        },
        "security": [{"bearerAuth": []}],
    }


def spec_json(app: Flask) -> str:
    return json.dumps(build_spec(app), sort_keys=False)
