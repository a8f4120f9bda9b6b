"""What the state-changing operations work on, read off the contract.

A *listing* is a GET without parameters whose answer holds what other operations change:
a list of items (``response.<field>`` an array: storage systems, policies, resource
groups, schedules) or one object (the audit configuration). Its path is the path of the
operations that change it, or their path less a last ``/{parameter}``.

* A listing with a creating operation (a POST at its path) holds items a run can own: it
  creates them for the purpose, works on them and removes them again (with the DELETE at
  ``path/{parameter}``, or at the path with the identity in the body).
* A listing without one is the appliance's own (the built-in schedules, the audit
  configuration): what a run writes there it reads first and writes back exactly.
* Every other state-changing operation is an *effect*: what it does (a backup taken, a VM
  restored) is listed when it was accepted, unless the contract says how it is undone: by
  its links (a mount's: read the mounts, unmount each new one, :class:`Undoing`) or by
  ``x-scv-undone-by`` (an attach's: detach what the request attached, :class:`Inverse`).

An item is identified by its ``id`` when it has one, else by its ``name``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from conformance.contract.pointers import dereference, lookup
from conformance.contract.spec import Contract, Operation

_PARAMETER = re.compile(r"^\{([^}]+)\}$")
#: A link value that reads an identity from the creating answer: ``$response.body#/response/id``.
_CREATED = re.compile(r"^\$response\.body#/response/(?P<field>[A-Za-z0-9_]+)$")


@dataclass(frozen=True)
class Listing:
    """A listing and the operations that change what it holds."""

    read: Operation
    list_field: str | None
    item_fields: tuple[str, ...]
    creation: Operation | None = None
    deletion: Operation | None = None
    #: PUT/PATCH/DELETE at the listing's own path (the identity, if any, in the body).
    writes: tuple[Operation, ...] = ()
    #: Operations at ``path/{parameter}``: the parameter is an item's identity.
    item_operations: tuple[Operation, ...] = ()

    @property
    def path(self) -> str:
        return self.read.path

    @property
    def identity(self) -> str | None:
        """The field that identifies an item: ``id``, else ``name``; None for one object."""
        if self.list_field is None:
            return None
        for name in ("id", "name"):
            if name in self.item_fields:
                return name
        return None

    @property
    def name_field(self) -> str | None:
        """The item field a run puts its run-specific name in."""
        return "name" if "name" in self.item_fields else None

    @property
    def ownable(self) -> bool:
        """True when a run can create (and so own) what this listing holds."""
        return self.creation is not None and self.identity is not None

    def items(self, answer: Any) -> list[dict[str, Any]]:
        """The items of a 200 answer of :attr:`read` (one item for a single object)."""
        response = answer.get("response") if isinstance(answer, dict) else None
        if self.list_field is None:
            return [response] if isinstance(response, dict) else []
        found = response.get(self.list_field) if isinstance(response, dict) else None
        return [item for item in found or [] if isinstance(item, dict)]


@dataclass(frozen=True)
class Reference:
    """A body field of ``operation`` that names an item of ``listing`` (from a link)."""

    operation: Operation
    listing: Listing
    pointer: tuple[str, ...]


@dataclass(frozen=True)
class Undoing:
    """An effect whose result a read lists and another operation undoes, as the links say
    (``mountDatastoreBackup`` -> ``getMountedDatastores`` -> ``unmountDatastore``).

    ``read_path``: the read's path parameters from the effect's (``$request.path.*``);
    ``items``: the pointer to the read's list; ``undo_values``: where each undo value goes
    (``("body", "moref")``) and the item field it comes from.
    """

    effect: Operation
    read: Operation
    read_path: tuple[tuple[str, str], ...]
    undo: Operation
    items: str
    undo_values: tuple[tuple[tuple[str, str], str], ...]

    def read_url(self, path_parameters: dict[str, Any]) -> str | None:
        """The read's path for an effect sent with ``path_parameters`` (None: not known)."""
        path = self.read.path
        for name, source in self.read_path:
            if source not in path_parameters:
                return None
            path = path.replace(f"{{{name}}}", str(path_parameters[source]))
        return None if "{" in path else path


#: A request value an inverse takes from the request it undoes: ``$request.path.moref``,
#: ``$request.body#/vmdkLocations``.
_FROM_REQUEST = re.compile(r"^\$request\.(?:path\.(?P<path>[A-Za-z0-9_]+)|body#(?P<body>/.*|))$")


@dataclass(frozen=True)
class Inverse:
    """An effect undone by one request built from the effect's own request
    (``x-scv-undone-by``): ``attachVmdks`` -> ``detachVmdks`` with the VMDKs it attached.

    ``parameters`` and ``body``: each undo value's expressions, the first that the effect's
    request holds wins; ``gone``: answers that mean nothing is left to undo.
    """

    effect: Operation
    undo: Operation
    parameters: tuple[tuple[str, tuple[str, ...]], ...]
    body: tuple[tuple[str, tuple[str, ...]], ...]
    gone: tuple[int, ...] = ()

    def values(
        self, path_parameters: dict[str, Any], body: Any
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The undo's (path parameters, body) for an effect sent with these (None: a value
        the request does not hold)."""
        found: list[dict[str, Any]] = []
        for wanted in (self.parameters, self.body):
            values: dict[str, Any] = {}
            for name, expressions in wanted:
                value = next(
                    (
                        v
                        for e in expressions
                        if (v := _from_request(e, path_parameters, body)) is not _ABSENT
                    ),
                    _ABSENT,
                )
                if value is _ABSENT:
                    return None
                values[name] = value
            found.append(values)
        return found[0], found[1]


_ABSENT = object()


def _from_request(expression: str, path_parameters: dict[str, Any], body: Any) -> Any:
    found = _FROM_REQUEST.match(expression)
    if found is None:
        return _ABSENT
    if found.group("path") is not None:
        return path_parameters.get(found.group("path"), _ABSENT)
    if not isinstance(body, (dict, list)):
        return _ABSENT
    return lookup(body, found.group("body") or "", _ABSENT)


@dataclass(frozen=True)
class Holdings:
    """Every listing of the contract, and how each state-changing operation touches them."""

    listings: tuple[Listing, ...]
    references: tuple[Reference, ...] = field(default=())
    undoings: tuple[Undoing, ...] = field(default=())
    inverses: tuple[Inverse, ...] = field(default=())

    def inverse_of(self, operation: Operation) -> Inverse | None:
        return next((i for i in self.inverses if i.effect == operation), None)

    def undoing_of(self, operation: Operation) -> Undoing | None:
        return next((u for u in self.undoings if u.effect == operation), None)

    def listing_of(self, operation: Operation) -> Listing | None:
        """The listing ``operation`` creates in, changes an item of, or writes."""
        for listing in self.listings:
            if operation in (listing.creation, listing.deletion):
                return listing
            if operation in listing.writes or operation in listing.item_operations:
                return listing
        return None

    def references_of(self, operation: Operation) -> list[Reference]:
        return [r for r in self.references if r.operation == operation]

    @cached_property
    def singletons(self) -> tuple[Listing, ...]:
        """Listings a run writes without owning: read first, written back at the end."""
        return tuple(listing for listing in self.listings if listing.writes and not listing.ownable)

    def effects(self, operations: tuple[Operation, ...]) -> list[Operation]:
        """The state-changing operations no listing accounts for and nothing undoes (no
        inverse, no listing whose new items are undone): what they do stays (a backup of a
        group the run owns is still a backup)."""
        return [
            op
            for op in operations
            if op.mutates
            and self.listing_of(op) is None
            and self.inverse_of(op) is None
            and self.undoing_of(op) is None
        ]


def holdings(contract: Contract) -> Holdings:
    """The listings of ``contract`` and the operations on them."""
    found = [_listing(contract, read) for read in _reads(contract)]
    listings = [listing for listing in found if listing is not None]
    return Holdings(
        tuple(listings),
        tuple(_references(contract, listings)),
        tuple(_undoings(contract, listings)),
        tuple(_inverses(contract)),
    )


def _reads(contract: Contract) -> Iterator[Operation]:
    for op in contract.operations:
        if op.method == "get" and "{" not in op.path and not _required_parameters(contract, op):
            yield op


def _required_parameters(contract: Contract, op: Operation) -> list[str]:
    return [str(p.get("name")) for p in contract.parameters(op) if p.get("required")]


def _listing(contract: Contract, read: Operation) -> Listing | None:
    changing = [op for op in contract.operations if op.mutates and op.path == read.path]
    below = [
        op
        for op in contract.operations
        if op.mutates and _parent(op.path) == read.path and op.path != read.path
    ]
    if not changing and not below:
        return None
    response = _response_schema(contract, read)
    list_field, item_fields = _shape(contract.document, response)
    creation = next((op for op in changing if op.method == "post"), None)
    writes = tuple(op for op in changing if op.method in ("put", "patch", "delete"))
    deletion = next((op for op in below if op.method == "delete"), None) or next(
        (op for op in writes if op.method == "delete"), None
    )
    return Listing(
        read=read,
        list_field=list_field,
        item_fields=item_fields,
        creation=creation,
        deletion=deletion,
        writes=writes,
        item_operations=tuple(below),
    )


def _parent(path: str) -> str | None:
    """``/4.1/policies/{policyId}`` -> ``/4.1/policies``; None unless it ends in a parameter."""
    head, _, last = path.rpartition("/")
    return head if _PARAMETER.match(last) else None


def item_parameter(operation: Operation) -> str | None:
    """The path parameter of an item operation (``policyId`` of ``/4.1/policies/{policyId}``)."""
    found = _PARAMETER.match(operation.path.rpartition("/")[2])
    return found.group(1) if found else None


def _response_schema(contract: Contract, read: Operation) -> dict[str, Any]:
    """The schema of the ``response`` member of ``read``'s 200 answer."""
    document = contract.document
    answer = (read.definition.get("responses") or {}).get("200") or {}
    answer = dereference(document, answer, {})
    schema = ((answer.get("content") or {}).get("application/json") or {}).get("schema") or {}
    return _member(document, schema, "response")


def _member(document: dict[str, Any], schema: Any, name: str) -> dict[str, Any]:
    """The schema of member ``name``: the part of an ``allOf`` that says most about it."""
    schema = dereference(document, schema, {})
    if not isinstance(schema, dict):
        return {}
    found = (schema.get("properties") or {}).get(name)
    candidates = [dereference(document, found, {})] if found is not None else []
    candidates += [_member(document, part, name) for part in schema.get("allOf") or []]
    candidates = [c for c in candidates if isinstance(c, dict) and c]
    return max(candidates, key=lambda c: len(_properties(document, c)), default={})


def _properties(document: dict[str, Any], schema: Any) -> dict[str, Any]:
    schema = dereference(document, schema, {})
    if not isinstance(schema, dict):
        return {}
    found = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or []:
        found.update(_properties(document, part))
    return found


def _shape(
    document: dict[str, Any], response: dict[str, Any]
) -> tuple[str | None, tuple[str, ...]]:
    """(the list field, the item fields) of a listing's ``response``; no list field for one
    object."""
    properties = _properties(document, response)
    arrays = {
        name: dereference(document, spec, {})
        for name, spec in properties.items()
        if dereference(document, spec, {}).get("type") == "array"
    }
    if len(arrays) == 1 and len(properties) == 1:
        ((name, spec),) = arrays.items()
        return name, tuple(_properties(document, spec.get("items") or {}))
    return None, tuple(properties)


def _references(contract: Contract, listings: list[Listing]) -> Iterator[Reference]:
    """Body fields that a link fills with an identity a creating operation answered."""
    by_creation = {
        listing.creation.operation_id: listing
        for listing in listings
        if listing.creation is not None and listing.identity is not None
    }
    for op in contract.operations:
        listing = by_creation.get(op.operation_id)
        if listing is None:
            continue
        for response in (op.definition.get("responses") or {}).values():
            for link in (dereference(contract.document, response, {}).get("links") or {}).values():
                target_id = link.get("operationId") if isinstance(link, dict) else None
                if target_id is None or target_id not in contract.operation_ids():
                    continue
                target = contract.operation(str(target_id))
                if not target.mutates or any(
                    target in (lst.creation, lst.deletion, *lst.writes, *lst.item_operations)
                    for lst in listings
                ):
                    continue
                body = link.get("requestBody")
                for pointer, value in _leaves(body):
                    found = _CREATED.match(value) if isinstance(value, str) else None
                    if found and found.group("field") == listing.identity:
                        yield Reference(target, listing, pointer)


_REQUEST_PATH = re.compile(r"^\$request\.path\.(?P<name>[A-Za-z0-9_]+)$")
_LISTED = re.compile(r"^\$response\.body#(?P<items>/[^{}]*?)/0/(?P<field>[A-Za-z0-9_]+)$")


def _links(contract: Contract, operation: Operation) -> Iterator[dict[str, Any]]:
    for response in (operation.definition.get("responses") or {}).values():
        links = dereference(contract.document, response, {}).get("links") or {}
        for link in links.values():
            link = dereference(contract.document, link, {})
            if isinstance(link, dict) and link.get("operationId") in contract.operation_ids():
                yield link


def _undoings(contract: Contract, listings: list[Listing]) -> Iterator[Undoing]:
    """Effects (state changes no listing accounts for) whose links lead, through a read of
    what they made, to an operation that undoes each item read."""
    accounted = {
        op.operation_id
        for lst in listings
        for op in (lst.creation, lst.deletion, *lst.writes, *lst.item_operations)
        if op is not None
    }
    for effect in contract.operations:
        if not effect.mutates or effect.operation_id in accounted:
            continue
        for first in _links(contract, effect):
            read = contract.operation(str(first["operationId"]))
            path = [
                (str(name), found.group("name"))
                for name, value in (first.get("parameters") or {}).items()
                if isinstance(value, str) and (found := _REQUEST_PATH.match(value))
            ]
            if read.method != "get" or len(path) != len(first.get("parameters") or {}):
                continue
            for second in _links(contract, read):
                undo = contract.operation(str(second["operationId"]))
                values = [
                    (("body", pointer[-1]), value)
                    for pointer, value in _leaves(second.get("requestBody"))
                    if pointer
                ] + [(("path", str(n)), v) for n, v in (second.get("parameters") or {}).items()]
                listed = [(where, _LISTED.match(v)) for where, v in values if isinstance(v, str)]
                if (
                    undo == effect
                    or not undo.mutates
                    or not listed
                    or not all(m for _, m in listed)
                ):
                    continue
                pointers = {m.group("items") for _, m in listed if m}
                if len(pointers) != 1:
                    continue
                yield Undoing(
                    effect,
                    read,
                    tuple(path),
                    undo,
                    pointers.pop(),
                    tuple((where, m.group("field")) for where, m in listed if m),
                )


def _inverses(contract: Contract) -> Iterator[Inverse]:
    """The effects whose ``x-scv-undone-by`` names the request that undoes them."""
    for effect in contract.operations:
        spec = effect.definition.get("x-scv-undone-by")
        if not effect.mutates or not isinstance(spec, dict):
            continue
        undo = contract.operation(str(spec["operationId"]))

        def expressions(part: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
            items = part.items() if isinstance(part, dict) else ()
            return tuple(
                (str(name), tuple(map(str, value if isinstance(value, list) else [value])))
                for name, value in items
            )

        yield Inverse(
            effect,
            undo,
            expressions(spec.get("parameters")),
            expressions(spec.get("requestBody")),
            tuple(int(status) for status in spec.get("gone") or ()),
        )


def _leaves(value: Any, at: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, (*at, str(key)))
    else:
        yield at, value
