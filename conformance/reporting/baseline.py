"""Baselines: known failures a team has accepted, so a nightly run fails only on new ones.

``run --write-baseline FILE`` writes the conformance failures (and deviations) of a run,
each under a stable key: ``operation:<operationId>:check:<check>`` for fuzzing,
``workflow:<workflowId>:step:<stepId>`` for scenarios (``deviation:`` in front for a
deviation), with the message for the people who read and edit the file. A later run with
``--baseline FILE`` then:

- marks its failures that the baseline holds as accepted;
- lists the baseline's entries that no longer fail (their check ran and held), and those
  it could not check (not in this run's scope);
- ends with exit code 0 when every failure is accepted (status ``accepted``), 1 when any
  is new. Errors (infrastructure, exit 3) are never accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.core.errors import ExitCode, UsageError
from conformance.core.inputs import load_json
from conformance.http.redaction import excerpt, replace_secrets
from conformance.reporting.atomic import write_json

FORMAT = 1
ACCEPTED_STATUS = "accepted"
#: Statuses of a run whose failures make a baseline worth writing.
DECIDED = frozenset({"conformant", "failures", ACCEPTED_STATUS})


@dataclass(frozen=True)
class Entry:
    """One accepted failure or deviation."""

    key: str
    subject: str
    where: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "message": self.message}


@dataclass(frozen=True)
class Baseline:
    """The accepted failures read from a baseline file."""

    path: Path
    entries: dict[str, Entry]


def entry_key(entry: dict[str, Any], deviation: bool = False) -> str:
    """The stable key of a failure (or deviation) entry of summary.json."""
    if entry.get("operationId"):
        key = f"operation:{entry['operationId']}:check:{entry.get('check') or '-'}"
    else:
        key = f"workflow:{entry.get('workflowId') or '-'}:step:{entry.get('stepId') or '-'}"
    return f"deviation:{key}" if deviation else key


def _split(key: str) -> tuple[str, str, str]:
    """(kind, subject, where) of a key: ('operation', 'getJobs', 'status_code...')."""
    parts = key.removeprefix("deviation:").split(":", 3)
    if len(parts) != 4 or parts[0] not in ("operation", "workflow"):
        raise ValueError(f"not a baseline key: {key!r}")
    return parts[0], parts[1], parts[3]


def load_baseline(path: str | Path) -> Baseline:
    """Read a baseline file; UsageError (exit 2) when it is missing or malformed."""
    file = Path(path)
    data = load_json(file, "--baseline")
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format') if isinstance(data, dict) else None!r}")
        entries = {}
        for raw in data["accepted"]:
            key = str(raw["key"])
            _, subject, where = _split(key)
            entries[key] = Entry(key, subject, where, str(raw.get("message") or ""))
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"--baseline: {file} is not a baseline file: {exc}") from None
    return Baseline(file, entries)


def check_writable(path: str | Path) -> Path:
    """The path of ``--write-baseline``, refused early when its folder does not exist."""
    file = Path(path)
    if file.is_dir() or not file.absolute().parent.is_dir():
        raise UsageError(f"--write-baseline: cannot write {file} (no such folder, or a folder)")
    return file


def current_entries(summary: dict[str, Any]) -> dict[str, Entry]:
    """The failures (status failed, not errors) and deviations of a run, by key."""
    found: dict[str, Entry] = {}
    sources = [(f, False) for f in summary.get("failures", []) if f.get("status") == "failed"]
    sources += [(d, True) for d in summary.get("deviations") or [] if isinstance(d, dict)]
    for entry, deviation in sources:
        key = entry_key(entry, deviation)
        if key not in found:
            _, subject, where = _split(key)
            found[key] = Entry(key, subject, where, str(entry.get("message") or ""))
    return found


def write_baseline(path: Path, summary: dict[str, Any], hidden: list[str]) -> int:
    """Write the failures of ``summary`` as a baseline; returns how many were written."""
    entries = current_entries(summary)
    document = {
        "format": FORMAT,
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
        "from": {
            "target": summary.get("target"),
            "applianceVersion": summary.get("applianceVersion"),
            "startTime": summary.get("startTime"),
            "profile": summary.get("profile"),
            "seed": summary.get("seed"),
        },
        "accepted": [
            {
                "key": e.key,
                "message": replace_secrets(e.message, hidden),
            }
            for e in sorted(entries.values(), key=lambda e: e.key)
        ],
    }
    try:
        write_json(path, document)
    except OSError as exc:
        raise UsageError(f"--write-baseline: cannot write {path}: {exc.strerror}") from None
    return len(entries)


def apply_baseline(summary: dict[str, Any], baseline: Baseline) -> dict[str, Any]:
    """``summary`` with its accepted failures marked, the baseline section and exit code."""
    current = current_entries(summary)
    accepted = sorted(current.keys() & baseline.entries.keys())
    new = sorted(current.keys() - baseline.entries.keys())
    gone: list[str] = []
    unchecked: list[str] = []
    for key in sorted(baseline.entries.keys() - current.keys()):
        (gone if _ran(summary, key) else unchecked).append(key)
    result = dict(summary)
    result["failures"] = [
        {**f, "accepted": True}
        if f.get("status") == "failed" and entry_key(f) in baseline.entries
        else f
        for f in summary.get("failures", [])
    ]
    result["baseline"] = {
        "file": str(baseline.path),
        "accepted": [baseline.entries[k].to_json() for k in accepted],
        "noLongerFailing": [baseline.entries[k].to_json() for k in gone],
        "notChecked": [baseline.entries[k].to_json() for k in unchecked],
        "new": [current[k].to_json() for k in new],
    }
    new_failures = [k for k in new if not k.startswith("deviation:")]
    # deviations fail a run only under --strict; then a new one fails it too
    deviations_fail = bool(summary.get("strict")) and len(new) > len(new_failures)
    if summary.get("status") == "failures" and not new_failures and not deviations_fail:
        result["status"] = ACCEPTED_STATUS
        result["exitCode"] = int(ExitCode.CONFORMANT)
    return result


def accepted_tests(summary: dict[str, Any]) -> dict[str, str]:
    """The tests whose failure the baseline accepted (node id -> a note for junit.xml)."""
    file = (summary.get("baseline") or {}).get("file", "the baseline")
    return {
        failure["test"]: f"known failure, accepted by {file}: {failure.get('message', '')}"
        for failure in summary.get("failures", [])
        if failure.get("accepted") and failure.get("test")
    }


def settle(
    summary: dict[str, Any],
    baseline: Baseline | None,
    write_to: Path | None,
    hidden: list[str],
) -> dict[str, Any]:
    """Apply the baseline (if any), then write a new one (if asked); the final summary."""
    if baseline is not None:
        summary = apply_baseline(summary, baseline)
    if write_to is not None:
        if summary.get("status") in DECIDED:
            count = write_baseline(write_to, summary, hidden)
            summary = {**summary, "baselineWritten": {"file": str(write_to), "entries": count}}
        else:
            summary = {
                **summary,
                "baselineWritten": {
                    "file": str(write_to),
                    "entries": None,
                    "reason": f"not written: the run ended with status {summary.get('status')}",
                },
            }
    return summary


def _ran(summary: dict[str, Any], key: str) -> bool:
    """Whether the check or workflow of ``key`` ran (passed or failed) in this run."""
    kind, subject, where = _split(key)
    if kind == "operation":
        status = summary.get("operations", {}).get(subject, {}).get("checks", {}).get(where)
    else:
        status = summary.get("workflows", {}).get(subject, {}).get("status")
    return status in ("passed", "failed")


def render_markdown(summary: dict[str, Any]) -> list[str]:
    """The baseline section of summary.md (empty without a baseline)."""
    lines: list[str] = []
    section = summary.get("baseline")
    if section:
        lines += [f"## Baseline `{section['file']}`", ""]
        for title, name in (
            ("New (not in the baseline)", "new"),
            ("Accepted (known failures that still fail)", "accepted"),
            ("No longer fails (remove from the baseline)", "noLongerFailing"),
            ("Not checked in this run", "notChecked"),
        ):
            entries = section[name]
            lines.append(f"**{title}: {len(entries)}**")
            lines.append("")
            lines += [f"- `{e['key']}`: {_one_line(e['message'])}" for e in entries]
            if entries:
                lines.append("")
        lines.append("")
    written = summary.get("baselineWritten")
    if written:
        if written.get("entries") is None:
            lines += [f"Baseline {written['file']} {written['reason']}.", ""]
        else:
            lines += [f"Baseline written: {written['file']} ({written['entries']} entries).", ""]
    return lines


def console_lines(summary: dict[str, Any]) -> list[str]:
    """Short lines for the console after the final table."""
    lines = []
    section = summary.get("baseline")
    if section:
        lines.append(
            f"baseline {section['file']}: {len(section['accepted'])} accepted, "
            f"{len(section['new'])} new, {len(section['noLongerFailing'])} no longer fail, "
            f"{len(section['notChecked'])} not checked"
        )
        for name, word in (("new", "new"), ("noLongerFailing", "no longer fails")):
            lines += [f"  {word}: {e['key']}" for e in section[name]]
        lines += [f"  accepted: {e['key']}" for e in section["accepted"]]
    written = summary.get("baselineWritten")
    if written:
        if written.get("entries") is None:
            lines.append(f"baseline {written['file']} {written['reason']}")
        else:
            lines.append(f"baseline written: {written['file']} ({written['entries']} entries)")
    return lines


def _one_line(message: str, limit: int = 200) -> str:
    return excerpt(" ".join(message.split()), limit, " …")
