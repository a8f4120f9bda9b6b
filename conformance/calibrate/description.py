"""One model of an API description, whether Swagger 2.0 or OpenAPI 3.x, for comparing two.

An operation is its method and path template (below the API's base path, path parameters
by position, not by name); it has parameters (location, required, type), request body
fields and, per answer status, response fields. Fields are flattened to dotted names
(``response.jobResponseList[].id``) with their JSON types; ``$ref``s are resolved and
``allOf`` branches merged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from conformance.contract.matching import base_path
from conformance.contract.pointers import dereference
from conformance.contract.spec import HTTP_METHODS

#: Headers that carry authentication or content negotiation, not API inputs.
IGNORED_HEADERS = frozenset({"token", "authorization", "accept", "content-type"})
#: Where flattening stops (recursive schemas).
MAX_DEPTH = 12
BODY = "(body)"
_TEMPLATE = re.compile(r"\{[^}/]*\}")


@dataclass(frozen=True)
class Field:
    """A parameter or a body field: its JSON types, nullability, required-ness and format."""

    types: frozenset[str]
    required: bool
    nullable: bool = False
    format: str | None = None

    def type_text(self) -> str:
        text = " | ".join(sorted(self.types)) or "any"
        return f"{text} | null" if self.nullable else text


@dataclass
class OperationModel:
    """One operation as a description states it."""

    method: str
    path: str
    operation_id: str | None
    #: (location, name) -> field; path parameters are named by position: ``{1}``, ``{2}``.
    parameters: dict[tuple[str, str], Field] = field(default_factory=dict)
    #: Path parameter position -> the name this description gives it.
    path_names: dict[str, str] = field(default_factory=dict)
    request: dict[str, Field] | None = None
    responses: dict[str, dict[str, Field]] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.method, template_key(self.path)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class ApiModel:
    """Every operation of one description, by (METHOD, path template)."""

    kind: str
    version: str | None
    operations: dict[tuple[str, str], OperationModel]


class DescriptionError(ValueError):
    """The document is not a Swagger 2.0 or OpenAPI 3.x description."""


def template_key(path: str) -> str:
    """``/4.1/jobs/{id}`` -> ``/4.1/jobs/{}``: path parameter names do not matter."""
    return _TEMPLATE.sub("{}", path.rstrip("/") or "/")


def description_kind(document: Any) -> str:
    """``OpenAPI 3.1.0`` or ``Swagger 2.0``; DescriptionError for anything else."""
    if not isinstance(document, dict) or not isinstance(document.get("paths", {}), dict):
        raise DescriptionError("not an OpenAPI or Swagger description")
    if str(document.get("openapi", "")).startswith("3."):
        return f"OpenAPI {document['openapi']}"
    if str(document.get("swagger", "")) == "2.0":
        return "Swagger 2.0"
    raise DescriptionError("neither OpenAPI 3.x nor Swagger 2.0 (no openapi: 3.x or swagger: 2.0)")


def build_model(document: Any, strip_base: str = "") -> ApiModel:
    """The model of a description; paths are made relative to ``strip_base`` where they can.

    A path is the description's base path plus its own path; when that starts with
    ``strip_base`` (the contract's base, ``/api``) the prefix is dropped, so that a
    description that states its paths as ``/api/4.1/jobs`` compares with ``/4.1/jobs``.
    """
    kind = description_kind(document)
    reader = _Reader(document)
    base = base_path(document)
    operations: dict[tuple[str, str], OperationModel] = {}
    for raw_path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        item = reader.resolve(item)
        full = (base + "/" + str(raw_path).lstrip("/")).rstrip("/") or "/"
        if strip_base and (full == strip_base or full.startswith(strip_base + "/")):
            full = full[len(strip_base) :] or "/"
        for method in HTTP_METHODS:
            definition = item.get(method)
            if not isinstance(definition, dict):
                continue
            model = reader.operation(method.upper(), full, item, definition)
            operations[model.key] = model
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    version = info.get("version") if isinstance(info, dict) else None
    return ApiModel(kind, None if version is None else str(version), operations)


class _Reader:
    """Reads one description: resolves its references, flattens its schemas."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.swagger = "swagger" in document

    def resolve(self, node: Any) -> Any:
        """Follow ``$ref`` (local JSON pointers) until a node without one; {} where none."""
        return dereference(self.document, node, {})

    def operation(
        self, method: str, path: str, item: dict[str, Any], definition: dict[str, Any]
    ) -> OperationModel:
        model = OperationModel(method, path, definition.get("operationId"))
        params: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*item.get("parameters", []), *definition.get("parameters", [])]:
            param = self.resolve(raw)
            if isinstance(param, dict) and "name" in param and "in" in param:
                params[(str(param["in"]), str(param["name"]))] = param
        template_names = [name.strip("{}") for name in _TEMPLATE.findall(path)]
        body_fields: dict[str, Field] = {}
        for (location, name), param in params.items():
            if location == "body":
                self.flatten(
                    param.get("schema", {}), BODY, bool(param.get("required")), body_fields
                )
                continue
            if location == "formData":
                body_fields[name] = self._field(param, bool(param.get("required")))
                continue
            if location == "header" and name.lower() in IGNORED_HEADERS:
                continue
            if location == "path":
                position = template_names.index(name) + 1 if name in template_names else 0
                key = f"{{{position}}}" if position else name
                model.path_names[key] = name
                model.parameters[("path", key)] = self._field(param, True)
            else:
                model.parameters[(location, name)] = self._field(param, bool(param.get("required")))
        request = self.resolve(definition.get("requestBody"))
        if isinstance(request, dict) and request:
            schema = self._media_schema(request.get("content"))
            self.flatten(schema, BODY, bool(request.get("required")), body_fields)
        model.request = body_fields or None
        for status, raw_response in (definition.get("responses") or {}).items():
            response = self.resolve(raw_response)
            if not isinstance(response, dict):
                continue
            schema = (
                response.get("schema")
                if self.swagger
                else self._media_schema(response.get("content"))
            )
            fields: dict[str, Field] = {}
            if schema is not None:
                self.flatten(schema, BODY, True, fields)
            model.responses[str(status)] = fields
        return model

    def _media_schema(self, content: Any) -> Any:
        if not isinstance(content, dict) or not content:
            return None
        for media, entry in content.items():
            if "json" in str(media) and isinstance(entry, dict):
                return entry.get("schema")
        first = next(iter(content.values()))
        return first.get("schema") if isinstance(first, dict) else None

    def _field(self, param: dict[str, Any], required: bool) -> Field:
        schema = param.get("schema", param) if not self.swagger else param
        schema = self.resolve(schema) if isinstance(schema, dict) else {}
        merged = self._merged(schema, 0)
        return Field(_types(merged), required, _nullable(merged), _format(merged))

    def flatten(
        self, schema: Any, name: str, required: bool, out: dict[str, Field], depth: int = 0
    ) -> None:
        """Add the field ``name`` of ``schema`` and every field below it to ``out``."""
        if not isinstance(schema, dict) or depth > MAX_DEPTH:
            return
        merged = self._merged(schema, depth)
        out[name] = Field(_types(merged), required, _nullable(merged), _format(merged))
        required_names = set(merged.get("required") or [])
        prefix = "" if name == BODY else name + "."
        for prop, sub in (merged.get("properties") or {}).items():
            self.flatten(sub, f"{prefix}{prop}", prop in required_names, out, depth + 1)
        items = merged.get("items")
        if isinstance(items, dict):
            self.flatten(items, f"{name}[]" if name != BODY else "[]", True, out, depth + 1)

    def _merged(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        """``schema`` with its references resolved and its allOf/oneOf/anyOf folded in."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            return {}
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k not in _COMBINERS}
        merged["properties"] = dict(merged.get("properties") or {})
        required = merged.get("required")
        merged["required"] = list(required) if isinstance(required, list) else []
        if depth > MAX_DEPTH:
            return merged
        for branch in schema.get("allOf") or []:
            part = self._merged(branch, depth + 1)
            _fold(merged, part, keep_required=True)
        alternatives = [*(schema.get("oneOf") or []), *(schema.get("anyOf") or [])]
        for branch in alternatives:
            part = self._merged(branch, depth + 1)
            _fold(merged, part, keep_required=False)
        if alternatives:
            types = set()
            for branch in alternatives:
                types |= set(_type_list(self._merged(branch, depth + 1)))
            if types and "type" not in schema:
                merged["type"] = sorted(types)
        return merged


_COMBINERS = ("allOf", "oneOf", "anyOf")


def _fold(merged: dict[str, Any], part: dict[str, Any], keep_required: bool) -> None:
    for prop, sub in (part.get("properties") or {}).items():
        known = merged["properties"].get(prop)
        # a property stated by several branches has every branch's constraints
        merged["properties"][prop] = sub if known is None else {"allOf": [known, sub]}
    if keep_required:
        merged["required"] += [r for r in part["required"] if r not in merged["required"]]
    for key in ("type", "format", "items", "nullable", "x-nullable"):
        if key in part and key not in merged:
            merged[key] = part[key]


def _type_list(schema: dict[str, Any]) -> list[str]:
    raw = schema.get("type")
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list):
        return [str(t) for t in raw]
    if "const" in schema and schema["const"] is None:
        return ["null"]
    if schema.get("properties"):
        return ["object"]
    if "items" in schema:
        return ["array"]
    return []


def _types(schema: dict[str, Any]) -> frozenset[str]:
    return frozenset(t for t in _type_list(schema) if t != "null")


def _nullable(schema: dict[str, Any]) -> bool:
    return (
        "null" in _type_list(schema)
        or schema.get("nullable") is True
        or schema.get("x-nullable") is True
    )


def _format(schema: dict[str, Any]) -> str | None:
    value = schema.get("format")
    return str(value) if value is not None else None
