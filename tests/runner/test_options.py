"""The command line of run, fuzz and scenarios: --only, filters, the replay line."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest

from conformance.cli import build_parser, main
from conformance.contract.spec import load_contract
from conformance.core.errors import UsageError
from conformance.core.selection import Selection
from conformance.core.settings import resolve
from conformance.fuzz.profiles import get_profile
from conformance.fuzz.st_config import config_table
from conformance.run.fleet import FleetTarget, _inline_config, passed_options
from conformance.run.plan import RunPlan
from conformance.run.plan_options import plan_from_arguments, replay_words

pytestmark = pytest.mark.unit

WORKFLOWS = ["backupOnDemand", "restoreVm"]


def plan(*argv: str) -> RunPlan:
    return plan_from_arguments(build_parser().parse_args(list(argv)), WORKFLOWS)


def test_the_workflow_files_are_read_only_when_only_names_something_else() -> None:
    read: list[bool] = []

    def listed() -> list[str]:
        read.append(True)
        return WORKFLOWS

    parse = build_parser().parse_args
    assert plan_from_arguments(parse(["run", "--only", "fuzz"]), listed).suites == ("fuzz",)
    assert plan_from_arguments(parse(["run"]), listed).suites == ("fuzz", "scenarios")
    assert read == []
    chosen = plan_from_arguments(
        parse(["run", "--only", "restoreVm", "--only", "backupOnDemand"]), listed
    )
    assert chosen.suites == ("scenarios",) and read == [True]  # read once


def test_only_names_suites_or_workflows_everywhere() -> None:
    assert plan("run").suites == ("fuzz", "scenarios")
    assert plan("run", "--only", "fuzz").suites == ("fuzz",)
    only_workflow = plan("run", "--only", "restoreVm")
    assert only_workflow.suites == ("scenarios",)
    assert only_workflow.selection.workflows == ("restoreVm",)
    both = plan("run", "--only", "fuzz", "--only", "backupOnDemand")
    assert both.suites == ("fuzz", "scenarios") and both.selection.workflows == ("backupOnDemand",)
    assert plan("scenarios", "--only", "restoreVm").selection.workflows == ("restoreVm",)
    assert plan("scenarios", "--only", "scenarios").selection.workflows == ()
    with pytest.raises(UsageError, match="does not run the fuzz suite"):
        plan("scenarios", "--only", "fuzz")
    with pytest.raises(UsageError, match="no suite or workflow 'nope'"):
        plan("run", "--only", "nope")


def test_fuzz_takes_a_profile_like_run() -> None:
    assert plan("fuzz").profile == plan("run").profile == "smoke"
    assert plan("fuzz", "--profile", "full").profile == "full"


def test_max_failures_and_exitfirst() -> None:
    assert plan("run", "-x").max_failures == 1
    assert plan("fuzz", "--max-failures", "3").max_failures == 3
    assert plan("scenarios").max_failures is None


def test_the_replay_line_keeps_what_changes_the_run_and_replays_it() -> None:
    argv = [
        "run", "--config", "lab.toml", "--target", "https://scv.lab:8144",
        "--only", "fuzz", "--profile", "full", "--include-tag", "Resource Groups",
        "--exclude-method", "DELETE", "--checks", "not_a_server_error", "-x",
        "--allow-destructive", "--rate-limit", "10/s", "--header", "X-Team: qa",
        "--header", "X-Api-Key: k3y-s3cret",
        "--password", "s3cret-pass", "--report-dir", "out", "--seed", "9",
    ]  # fmt: skip
    args = build_parser().parse_args(argv)
    words = replay_words(args)
    line = " ".join(words)
    assert line.startswith("scv-conformance run ")
    for expected in (
        "--config lab.toml",
        "--target https://scv.lab:8144",
        "--only fuzz",
        "--profile full",
        "--include-tag 'Resource Groups'",
        "--exclude-method DELETE",
        "--checks not_a_server_error",
        "--max-failures 1",
        "--allow-destructive",
        "--rate-limit 10/s",
        "--header 'X-Team: qa'",
    ):
        assert expected in line
    assert "--header 'X-Api-Key: [REDACTED]'" in line and "k3y-s3cret" not in line
    assert "s3cret-pass" not in line and "--report-dir" not in line and "--seed" not in line
    # the line parses back into the same run (a secret header's value aside)
    again = build_parser().parse_args(shlex.split(line)[1:])
    assert plan_from_arguments(again, WORKFLOWS) == plan_from_arguments(args, WORKFLOWS)
    assert again.header[0] == "X-Team: qa"
    assert plan_from_arguments(args, WORKFLOWS).replay_command(9).endswith("--seed 9")


@pytest.mark.parametrize("switch", ["--strict", "--no-strict"])
def test_the_replay_line_keeps_either_side_of_a_yes_no_switch(switch: str) -> None:
    words = replay_words(build_parser().parse_args(["run", switch]))
    assert words == ("scv-conformance", "run", switch)
    again = build_parser().parse_args(list(words[1:]))
    assert again.strict is (switch == "--strict")


def test_a_fleet_hands_every_fleet_wide_option_to_each_target() -> None:
    argv = [
        "run", "--fleet", "fleet.toml", "--fleet-concurrency", "3", "--no-strict",
        "--only", "fuzz", "--profile", "full", "--max-time", "600", "--rate-limit", "5/s",
        "--concurrency", "2", "--header", "X-Api-Key: k3y", "--overlay", "site.yaml",
        "--exclude-method", "DELETE", "--checks", "not_a_server_error", "--seed", "7",
        "--allow-destructive", "--report-dir", "out",
    ]  # fmt: skip
    args = build_parser().parse_args(argv)
    options = passed_options(args)
    # what a target's run does is what the same flags without --fleet do
    target_args = build_parser().parse_args(["run", *options])
    assert plan_from_arguments(target_args, WORKFLOWS) == plan_from_arguments(args, WORKFLOWS)
    for dest in ("strict", "max_time", "rate_limit", "concurrency", "header", "overlays", "seed"):
        assert getattr(target_args, dest) == getattr(args, dest), dest
    assert target_args.allow_destructive is True
    assert "--fleet" not in options and "--report-dir" not in options
    assert "--fleet-concurrency" not in options


@pytest.mark.parametrize(
    "flag",
    [["--record", "x.har"], ["--dry-run"], ["--baseline", "b"], ["--fault", "stack-trace"]],
)
def test_a_fleet_refuses_options_that_are_per_target(flag: list[str]) -> None:
    args = build_parser().parse_args(["run", "--fleet", "fleet.toml", *flag])
    with pytest.raises(UsageError, match=f"{flag[0]}.*per target|per target.*{flag[0]}"):
        passed_options(args)


def test_a_fleet_target_s_inline_lists_reach_its_config_file(tmp_path: Path) -> None:
    inline = {"faults": ["stack-trace", "server-error"], "latency_ms": 5, "strict": True}
    written = _inline_config(FleetTarget("emu", None, inline), tmp_path)
    assert tomllib.loads(written.read_text()) == inline


def test_filters_follow_st_run() -> None:
    contract = load_contract()
    ops = {op.operation_id: op for op in contract.operations}
    by_tag = Selection(include_tag=("vm",), exclude_method=("get",))
    chosen = {op.operation_id for op in contract.operations if by_tag.selects_operation(op)}
    assert chosen and all("vm" in ops[o].definition["tags"] for o in chosen)
    assert all(ops[o].method != "get" for o in chosen)
    either = Selection(include_operation_id=("getJobs", "getPolicies"))
    assert [o.operation_id for o in contract.operations if either.selects_operation(o)] == [
        o for o in contract.operation_ids() if o in ("getJobs", "getPolicies")
    ]
    exclusion_wins = Selection(include_path=("/4.1/jobs",), exclude_operation_id=("getJobs",))
    assert exclusion_wins.why_not(ops["getJobs"]) == "matched by --exclude-operation-id"
    assert Selection(checks=("a",)).unknown_check(["a", "b"]) is None
    assert Selection(checks=("a", "c")).unknown_check(["a", "b"]) == "c"


def test_a_filter_that_matches_nothing_is_a_usage_error() -> None:
    operations = load_contract().operations
    with pytest.raises(UsageError, match="--include-operation-id: no operation has 'getJob5'"):
        Selection(include_operation_id=("getJob5",)).validate(operations)
    with pytest.raises(UsageError, match="leave no operation"):
        Selection(include_method=("GET",), exclude_method=("get",)).validate(operations)
    Selection(include_method=("get",), include_tag=("vm",)).validate(operations)


def test_selection_round_trips_through_the_manifest_form() -> None:
    selection = Selection(workflows=("restoreVm",), include_tag=("vm",), checks=("x",))
    assert Selection.from_dict(selection.to_dict()) == selection


def test_st_run_filters_by_name_and_regex() -> None:
    contract = load_contract()
    ops = {op.operation_id: op for op in contract.operations}

    def chosen(selection: Selection) -> set[str]:
        return {op.operation_id for op in contract.operations if selection.selects_operation(op)}

    assert chosen(Selection(include_name=("get /4.1/jobs",))) == {"getJobs"}
    assert chosen(Selection(include_operation_id_regex=("^getJob",))) == {
        o for o in ops if o.startswith("getJob")
    }
    # methods match regardless of case, as in st run; an exclusion wins
    deletes = chosen(Selection(include_method_regex=("^del",)))
    assert deletes and all(ops[o].method == "delete" for o in deletes)
    no_jobs = Selection(include_method_regex=("get",), exclude_path_regex=("jobs",))
    assert no_jobs.why_not(ops["getJobs"]) == "matched by --exclude-path-regex"
    assert no_jobs.why_not(ops["login"]) == "not matched by --include-method-regex"
    operations = contract.operations
    with pytest.raises(UsageError, match="--include-path-regex: no operation matches 'zzz'"):
        Selection(include_path_regex=("zzz",)).validate(operations)
    with pytest.raises(UsageError, match="--exclude-tag-regex: not a regular expression"):
        Selection(exclude_tag_regex=("(",)).validate(operations)


def test_checks_all_exclude_checks_phases_and_mode_as_in_st_run() -> None:
    every = plan("fuzz", "-c", "all").selection
    assert every.checks == () and every.selects_check("ignored_auth")
    picked = plan("fuzz", "--checks", "a,b", "--exclude-checks", "b").selection
    assert picked.selects_check("a") and not picked.selects_check("b")
    assert not picked.selects_check("c")
    assert Selection(exclude_checks=("nope",)).unknown_check(["a"]) == "nope"
    assert Selection(exclude_checks=("nope",)).check_flag("nope") == "--exclude-checks"
    # the phases in the engine's order, whatever order they were named in
    phased = plan("fuzz", "--phases", "stateful,examples").selection
    assert phased.phases == ("examples", "stateful")
    assert get_profile("full", phases=phased.phases).phases == ("examples", "stateful")
    assert not get_profile("smoke", phases=("examples",)).stateful
    assert get_profile("smoke").phases == ("examples", "fuzzing", "stateful")
    with pytest.raises(UsageError, match="--phases: no phase 'bogus'"):
        plan("fuzz", "--phases", "bogus").validate()
    assert plan("fuzz", "-m", "negative").selection.generation_mode == "negative"
    assert plan("fuzz").selection.generation_mode == "all"
    with pytest.raises(SystemExit):
        plan("fuzz", "--mode", "both")
    mode_and_phases = Selection(phases=("coverage",), mode=("positive",))
    assert Selection.from_dict(mode_and_phases.to_dict()) == mode_and_phases
    table = config_table(
        base_url="http://127.0.0.1:1/api",
        verify=False,
        seed=1,
        profile=get_profile("smoke"),
        operations=[],
        mode="negative",
    )
    assert table["generation"]["mode"] == "negative"


def test_st_run_short_flags_are_our_options() -> None:
    args = build_parser().parse_args(
        ["run", "-n", "7", "-w", "3", "-H", "X-Trace:1", "-x", "--report", "junit,HAR"]
    )
    settings = resolve(args, environ={})
    assert settings.max_examples == 7 and settings.concurrency == 3
    assert settings.headers == {"X-Trace": "1"}
    assert plan_from_arguments(args, WORKFLOWS).reports == ("junit", "har")
    with pytest.raises(UsageError, match="does not write 'vcr'"):
        plan("run", "--report", "vcr")
    # what does not change what runs stays off the replay line
    words = replay_words(build_parser().parse_args(["run", "--report", "html", "--no-color"]))
    assert "--report" not in words and "--no-color" not in words


def test_no_color_takes_the_colours_off_the_console(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    colour = re.compile(r"\x1b\[(?:\d+;)*3\d")
    monkeypatch.setenv("FORCE_COLOR", "1")
    # --no-color sets NO_COLOR in this process: set and delete it through monkeypatch, so
    # that it is gone again for the tests after this one (a bare delenv of a variable that
    # is not set restores nothing)
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.delenv("NO_COLOR")
    dry = ["run", "--dry-run", "--only", "fuzz", "--include-tag", "jobs"]
    assert main(dry) == 0
    assert colour.search(capsys.readouterr().out)
    assert main([*dry, "--no-color"]) == 0
    assert not colour.search(capsys.readouterr().out)
