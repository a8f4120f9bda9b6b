"""JSON pointers and local ``$ref``s: what the harness relies on of RFC 6901 and the library."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.contract.pointers import dereference, escape, follow, lookup, parts_of, pointer_of

pytestmark = pytest.mark.unit

DOCUMENT: dict[str, Any] = {
    "paths": {
        "/4.1/jobs": {"get": {"responses": {"200": {"$ref": "#/components/responses/Jobs"}}}},
    },
    "components": {
        "responses": {
            "Jobs": {"$ref": "#/components/responses/Listed"},
            "Listed": {"description": "jobs", "content": {}},
            "Gone": {"$ref": "#/components/responses/Absent"},
            "Outside": {"$ref": "other.yaml#/components/responses/Listed"},
            "Round": {"$ref": "#/components/responses/About"},
            "About": {"$ref": "#/components/responses/Round"},
        },
        "schemas": {
            "Named": {"properties": {"$ref": {"type": "string"}}},
            "Items": {"allOf": [{"type": "object"}, {"required": ["id"]}]},
        },
    },
    "a~b": {"c/d": 1, "é": 2, "\\u0041": 3},
    "": "empty key",
}


def test_a_digit_part_is_a_key_of_an_object_and_an_index_into_a_list() -> None:
    assert lookup(DOCUMENT, "/paths/~14.1~1jobs/get/responses/200") == {
        "$ref": "#/components/responses/Jobs"
    }
    assert lookup(DOCUMENT, "/components/schemas/Items/allOf/1") == {"required": ["id"]}
    assert lookup(DOCUMENT, ("components", "schemas", "Items", "allOf", 1, "required", 0)) == "id"


@pytest.mark.parametrize(
    "pointer",
    [
        "/components/schemas/Items/allOf/2",  # past the end
        "/components/schemas/Items/allOf/-1",
        "/components/schemas/Items/allOf/-",  # the "append" index of JSON Patch
        "/components/schemas/Items/allOf/01",  # a leading zero is no index
        "/components/schemas/Items/allOf/first",
        "/components/schemas/Absent",
        "/a~0b/c~1d/deeper",  # a step into a number
        "/components/responses/Listed/description/0",  # a step into a string
        "components/schemas",  # no leading slash: not a pointer
    ],
)
def test_a_pointer_that_finds_nothing_gives_the_default_or_a_key_error(pointer: str) -> None:
    assert lookup(DOCUMENT, pointer, None) is None
    assert lookup(DOCUMENT, pointer, {}) == {}
    with pytest.raises(KeyError):
        lookup(DOCUMENT, pointer)


def test_tokens_are_unescaped_once_and_nothing_else_is_decoded() -> None:
    assert lookup(DOCUMENT, "/a~0b/c~1d") == 1
    assert lookup(DOCUMENT, "/a~0b/é") == 2
    assert lookup(DOCUMENT, "/a~0b/\\u0041") == 3, "a backslash is no escape in a pointer"
    assert lookup(DOCUMENT, ("a~b", "c/d")) == 1
    assert lookup(DOCUMENT, "/") == "empty key", "'/' names the key '' (RFC 6901)"


def test_the_empty_pointer_is_the_document_itself_and_text_is_not_read_as_json() -> None:
    assert lookup(DOCUMENT, "") is DOCUMENT
    assert lookup(DOCUMENT, ()) is DOCUMENT
    assert lookup('{"a": 1}', "") == '{"a": 1}'
    assert lookup('{"a": 1}', "/a", None) is None
    assert lookup(7, "/a", None) is None


def test_parts_and_text_convert_both_ways() -> None:
    parts = ("paths", "/4.1/jobs", "a~b", 0)
    assert pointer_of(parts) == "/paths/~14.1~1jobs/a~0b/0"
    assert parts_of(pointer_of(parts)) == ("paths", "/4.1/jobs", "a~b", "0")
    assert pointer_of(()) == ""
    assert parts_of("") == ()
    assert escape("~/x/~") == "~0~1x~1~0"
    assert escape("é\\u0041") == "é\\u0041"
    with pytest.raises(ValueError, match="not a JSON pointer"):
        parts_of("paths")


def test_dereference_follows_local_references_to_the_first_node_without_one() -> None:
    listed = DOCUMENT["components"]["responses"]["Listed"]
    assert dereference(DOCUMENT, {"$ref": "#/components/responses/Jobs"}) is listed
    plain = {"type": "object"}
    assert dereference(DOCUMENT, plain) is plain
    assert dereference(DOCUMENT, None) is None
    named = DOCUMENT["components"]["schemas"]["Named"]["properties"]
    assert dereference(DOCUMENT, named) is named, "a property called $ref is no reference"


@pytest.mark.parametrize("name", ["Gone", "Outside", "Round"])
def test_a_reference_that_leads_nowhere_gives_the_default_or_a_key_error(name: str) -> None:
    node = DOCUMENT["components"]["responses"][name]
    assert dereference(DOCUMENT, node, {}) == {}
    with pytest.raises(KeyError):
        dereference(DOCUMENT, node)
    with pytest.raises(KeyError):
        follow(DOCUMENT, f"/components/responses/{name}")


def test_follow_tells_where_the_references_end() -> None:
    start = "/paths/~14.1~1jobs/get/responses/200"
    pointer, node = follow(DOCUMENT, start)
    assert pointer == "/components/responses/Listed"
    assert node == {"description": "jobs", "content": {}}
    assert follow(DOCUMENT, "/components/schemas/Items") == (
        "/components/schemas/Items",
        DOCUMENT["components"]["schemas"]["Items"],
    )
    with pytest.raises(KeyError):
        follow(DOCUMENT, "/paths/absent")
