"""Files named on the command line: read, or a one-line usage error naming the flag."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.core.errors import ExitCode, UsageError
from conformance.core.inputs import load_json, load_toml, read_input

pytestmark = pytest.mark.unit

Reader = Callable[[Path, str], Any]


def test_a_readable_file_gives_its_content(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"a": [1, "é"]}', encoding="utf-8")
    (tmp_path / "a.toml").write_text('name = "é"\n', encoding="utf-8")
    assert read_input(tmp_path / "a.json", "--x") == '{"a": [1, "é"]}'.encode()
    assert load_json(tmp_path / "a.json", "--x") == {"a": [1, "é"]}
    assert load_toml(str(tmp_path / "a.toml"), "--x") == {"name": "é"}


@pytest.mark.parametrize("read", [read_input, load_json, load_toml])
def test_a_missing_or_unreadable_file_is_a_usage_error_naming_the_flag(
    tmp_path: Path, read: Reader
) -> None:
    with pytest.raises(UsageError) as missing:
        read(tmp_path / "absent", "--fleet")
    assert str(missing.value) == f"--fleet: no such file: {tmp_path / 'absent'}"
    assert missing.value.exit_code == ExitCode.USAGE
    with pytest.raises(UsageError, match=r"^--fleet: cannot read .*: Is a directory$"):
        read(tmp_path, "--fleet")


@pytest.mark.parametrize(
    ("read", "content", "message"),
    [
        (load_json, b"{not json", "--baseline: {path} is not readable JSON: "),
        (load_toml, b"name = ", "--baseline: {path} is not valid TOML: "),
        (load_toml, b'name = "\xff"', "--baseline: {path} is not valid TOML: "),
    ],
)
def test_a_file_of_another_format_is_a_usage_error(
    tmp_path: Path, read: Reader, content: bytes, message: str
) -> None:
    path = tmp_path / "file"
    path.write_bytes(content)
    with pytest.raises(UsageError) as error:
        read(path, "--baseline")
    assert str(error.value).startswith(message.format(path=path))
    assert "\n" not in str(error.value)
