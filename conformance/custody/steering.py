"""A state-changing request made to address what the run owns, never the appliance's own.

Fuzzing generates ids and names at random and takes them from answers (the stateful
phase's links lead from a listing's first item, the appliance's own, to its update), and
the contract's examples name the emulator's seeded items. Before such a request leaves, each
value that addresses an item of a listing the run can own is made to address one the run
created (:class:`~conformance.custody.owned.Owned`); a creation gets a run-specific name.

Only values that name an item the run found on the appliance are changed: an id that
names nothing is how the answer to an unknown id is checked, and an invalid value stays
invalid (a valid one of the appliance's own becomes the run's, which leaves a negative case
as invalid as it was). Values are compared as the appliance reads them (``1``, ``1.0`` and
``"01"`` name the same id).

Logins: a fuzzed login never names the configured user (vCenter's single sign-on locks an
account after a few failed logins); that name becomes one no account has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.contract.spec import Operation
from conformance.custody.holdings import Holdings, Listing, item_parameter
from conformance.custody.owned import ListedUndo, Owned, listed_values

#: Makes an item of a listing for the run to work on; its identity, or None if it cannot.
Maker = Callable[[Listing], "str | None"]
#: Lists the identities a listing holds now, or None if it cannot.
Lister = Callable[[Listing], "list[str] | None"]
#: GETs a path and answers its JSON, or None if it cannot.
Getter = Callable[[str], Any]
#: An identity no item has: far past the ids a listing answered.
UNUSED_ID_OFFSET = 1_000_000


@dataclass
class Request:
    """The parts of a request steering may change (changed in place)."""

    path_parameters: dict[str, Any]
    body: Any
    negative: bool = False


class Steering:
    """Steers the requests of one run onto the items it owns."""

    def __init__(
        self,
        found: Holdings,
        owned: Owned,
        make: Maker,
        relist: Lister,
        configured_user: str,
        get: Getter | None = None,
    ) -> None:
        self.found = found
        self.owned = owned
        self.make = make
        self.relist = relist
        self.get = get
        self.configured_user = configured_user
        #: What each read of an undoable effect listed before the effect was last sent.
        self._listed_before: dict[str, tuple[tuple[Any, ...], ...]] = {}

    def steer(self, operation: Operation, request: Request) -> None:
        """Change ``request`` (of ``operation``) to address only what the run owns."""
        if operation.operation_id == "login":
            self._login(request)
            return
        if not operation.mutates:
            return
        listing = self.found.listing_of(operation)
        if listing is not None and listing.ownable:
            if operation == listing.creation:
                self._creation(listing, request)
            elif operation in listing.item_operations:
                self._path(listing, operation, request)
            else:
                self._body_identities(listing, request)
        for reference in self.found.references_of(operation):
            self._at(reference.listing, request, reference.pointer)
        undoing = self.found.undoing_of(operation)
        if undoing is not None and self.get is not None:
            url = undoing.read_url(request.path_parameters)
            if url is not None:
                self._listed_before[url] = tuple(listed_values(undoing, self.get(url)))

    def answered(self, operation: Operation, request: Request, status: int, answer: Any) -> None:
        """Keep :attr:`owned` true after ``request`` got ``status`` and ``answer``.

        An accepted creation is owned (even a negative case's: the appliance took it); an
        accepted removal is settled; after any other accepted write at a listing whose
        items are named in the body (a rename) the listing is read again.
        """
        if not 200 <= status < 300:
            return
        inverse = self.found.inverse_of(operation)
        if inverse is not None:
            values = inverse.values(request.path_parameters, request.body)
            if values is not None:
                self.owned.undone_by(inverse, *values, job=_job(answer))
            return
        undoing = self.found.undoing_of(operation)
        if undoing is not None:
            url = undoing.read_url(request.path_parameters)
            if url is not None:
                before = self._listed_before.get(url, ())
                self.owned.made(ListedUndo(undoing, url, before, _job(answer)))
            return
        listing = self.found.listing_of(operation)
        if listing is None or not listing.ownable:
            return
        identity = listing.identity
        assert identity is not None
        if operation == listing.creation:
            created = _field(answer, identity)
            if created is None and isinstance(request.body, dict):
                created = request.body.get(identity)
            if created is not None and not isinstance(created, (dict, list)):
                self.owned.add(listing, str(created))
        elif operation == listing.deletion and operation in listing.item_operations:
            parameter = item_parameter(operation)
            if parameter is not None and parameter in request.path_parameters:
                self.owned.gone(listing, str(request.path_parameters[parameter]))
        elif operation in listing.writes:
            present = self.relist(listing)
            if present is not None:
                self.owned.reconcile(listing, present)

    def _login(self, request: Request) -> None:
        body = request.body
        if isinstance(body, dict) and _same_user(body.get("username"), self.configured_user):
            body["username"] = self.owned.new_name("nobody")

    def _creation(self, listing: Listing, request: Request) -> None:
        name = listing.name_field
        if request.negative or name is None or not isinstance(request.body, dict):
            return
        request.body[name] = self.owned.new_name()

    def _path(self, listing: Listing, operation: Operation, request: Request) -> None:
        parameter = item_parameter(operation)
        if parameter is None or parameter not in request.path_parameters:
            return
        value = request.path_parameters[parameter]
        if self._replace(listing, value, request.negative):
            request.path_parameters[parameter] = self._typed(self._own(listing), value)

    def _body_identities(self, listing: Listing, request: Request) -> None:
        """Writes at the listing's path name their item in the body: the first mention of
        the identity field is the item addressed, later ones new names (a rename's)."""
        identity = listing.identity
        if identity is None:
            return
        first = True
        for holder in _holders(request.body, identity):
            value = holder[identity]
            if first and self._replace(listing, value, request.negative):
                holder[identity] = self._own(listing)
            elif not first and not request.negative and not self.owned.owns(listing, value):
                holder[identity] = self.owned.new_name()
            first = False

    def _at(self, listing: Listing, request: Request, pointer: tuple[str, ...]) -> None:
        holder = request.body
        for part in pointer[:-1]:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or pointer[-1] not in holder:
            return
        value = holder[pointer[-1]]
        if self._replace(listing, value, request.negative):
            holder[pointer[-1]] = self._typed(self._own(listing), value)

    def _replace(self, listing: Listing, value: Any, negative: bool) -> bool:
        """True when ``value`` names an item the run found on the appliance.

        A value that names nothing is sent as generated, negative or not: an unknown id is
        how the appliance's answer to one (404) is checked.
        """
        if isinstance(value, (dict, list)) or self.owned.owns(listing, value):
            return False
        return self.owned.foreign(listing, value)

    def _own(self, listing: Listing) -> str:
        """The item the run made for the purpose (made now if there is none); else an
        identity nothing has."""
        found = self.owned.fixture(listing)
        if found is None:
            made = self.make(listing)
            if made is not None:
                self.owned.add_fixture(listing, made)
                found = made
        return found if found is not None else self._unused(listing)

    def _unused(self, listing: Listing) -> str:
        if listing.identity == "id":
            known = [int(i) for i in self.owned.known(listing) if i.isdigit()]
            return str(max(known, default=0) + UNUSED_ID_OFFSET)
        return self.owned.new_name("absent")

    @staticmethod
    def _typed(identity: str, generated: Any) -> Any:
        """``identity`` as the type the case had (an integer id stays an integer)."""
        if isinstance(generated, int) and not isinstance(generated, bool) and identity.isdigit():
            return int(identity)
        return identity


def _job(answer: Any) -> str | None:
    """The id of the job an answer says it started, or None."""
    job = _field(answer, "jobId")
    return None if job is None or isinstance(job, (dict, list)) else str(job)


def _field(answer: Any, name: str) -> Any:
    """``response.<name>`` of an answer envelope, or None."""
    response = answer.get("response") if isinstance(answer, dict) else None
    return response.get(name) if isinstance(response, dict) else None


def _holders(body: Any, key: str) -> list[dict[str, Any]]:
    """The dicts in ``body`` (depth first, in order) that have ``key``."""
    found: list[dict[str, Any]] = []
    if isinstance(body, dict):
        if key in body:
            found.append(body)
        for value in body.values():
            if isinstance(value, (dict, list)):
                found += _holders(value, key)
    elif isinstance(body, list):
        for value in body:
            found += _holders(value, key)
    return found


def _same_user(value: Any, configured: str) -> bool:
    """SSO user names compare without case (``Administrator@vsphere.local`` is the same)."""
    return isinstance(value, str) and value.strip().casefold() == configured.strip().casefold()
