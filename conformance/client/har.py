"""``check --client FILE.har``: a recorded client session judged offline.

Each entry, in the file's order, is judged as the proxy judges live traffic: its request
first, on what the entries before it answered, then its answer. A vendor can send such a
file (from ``proxy --record``, a browser, mitmproxy or any HAR 1.2 writer) instead of
access to its integration.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conformance.client.exchange import ClientAnswer, ClientRequest
from conformance.client.judge import ClientJudge
from conformance.client.report import SessionFacts, build_summary, write_reports
from conformance.contract.spec import load_contract
from conformance.reporting.har_check import not_an_entry, read_entries


def exchanges(path: Path) -> Iterator[tuple[ClientRequest, ClientAnswer | None]]:
    """The requests of a HAR file and their answers (None when an entry got none)."""
    for index, entry in enumerate(read_entries(path)):
        try:
            yield _request(index, entry["request"]), _answer(entry["response"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise not_an_entry(path, index) from None


def _headers(raw: Any) -> dict[str, str]:
    return {
        str(h["name"]).lower(): str(h.get("value", ""))
        for h in raw or []
        if isinstance(h, dict) and "name" in h
    }


def _request(index: int, request: dict[str, Any]) -> ClientRequest:
    post = request.get("postData") or {}
    body = str(post.get("text") or "").encode("utf-8")
    return ClientRequest.of_url(
        str(request["method"]), str(request["url"]), _headers(request.get("headers")), body, index
    )


def _answer(response: dict[str, Any]) -> ClientAnswer | None:
    status = int(response["status"])
    if status <= 0:
        return None
    content = response.get("content") or {}
    text = content.get("text") or ""
    if content.get("encoding") == "base64":
        try:
            body = base64.b64decode(text)
        except (binascii.Error, ValueError):
            body = b""
    else:
        body = str(text).encode("utf-8")
    headers = _headers(response.get("headers"))
    if "content-type" not in headers and content.get("mimeType"):
        headers["content-type"] = str(content["mimeType"])
    size = content.get("size")
    truncated = isinstance(size, int) and size > len(body) and bool(body)
    return ClientAnswer(status, headers, body, truncated)


def check_client(
    path: Path,
    out: Path | None,
    *,
    overlays: tuple[Path, ...] = (),
    strict: bool = False,
) -> dict[str, Any]:
    """Judge the client session recorded in ``path``; write the reports under ``out``."""
    judge = ClientJudge(load_contract(overlays=overlays), strict=strict)
    for request, answer in exchanges(path):
        verdict = judge.request(request)
        if answer is not None:
            judge.answer(verdict, answer)
    summary = build_summary(judge, SessionFacts(source=str(path)))
    if out is not None:
        write_reports(out, summary)
    return summary


def run_check_client(
    path: Path,
    out: Path | None = None,
    *,
    overlays: tuple[Path, ...] = (),
    strict: bool = False,
) -> int:
    """``check --client FILE.har``: print the verdict, write ``out``; the exit code."""
    summary = check_client(path, out, overlays=overlays, strict=strict)
    for kind, entries in (("FAILURE", summary["failures"]), ("deviation", summary["deviations"])):
        for entry in entries:
            first = str(entry["message"]).splitlines()[0]
            print(f"  {kind} {entry['operationId']} {entry['rule']}: {first}")
    print(
        f"{summary['requests']} requests · {len(summary['failures'])} client failures · "
        f"{len(summary['deviations'])} deviations → {summary['status']}"
    )
    if out is not None:
        print(f"reports: {out}  (summary.md, summary.json, junit.xml, allure-results/)")
    return int(summary["exitCode"])
