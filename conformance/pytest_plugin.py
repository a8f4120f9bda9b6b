"""The harness as a pytest plugin, for teams that drive everything through pytest.

Installed with the package (entry point ``pytest11``: ``scv_conformance``); inert unless
asked for::

    pytest --scv                                # against the embedded emulator
    pytest --scv-target https://scv.lab:8144 --scv-username U --scv-profile full

Every option of ``scv-conformance run`` is there with an ``--scv-`` prefix, declared once
(:func:`conformance.core.settings.add_target_arguments`,
:func:`conformance.run.plan_options.add_run_options`); the environment variables and the TOML
file work as for the command. pytest's own options take the place of the command's
``--max-failures``/``-x`` (``--maxfail``, ``-x``), ``--dry-run`` (``--collect-only``) and
``--workers`` (``-n``). In this process the plugin does what the command's parent does:
it resolves the settings, opens the target (starting the embedded emulator), writes the
run manifest, registers the harness's child plugin and the suites' paths, and at the end
writes the run folder's reports (summary.json, summary.md, the coverage, junit.xml
reconciled) and sets pytest's exit status to the harness's (0, 1, 2 or 3).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance.child import main as child_plugin
from conformance.contract.spec import load_contract
from conformance.core.context import RunContext
from conformance.core.errors import HarnessError, TargetUnreachable
from conformance.core.manifest import MANIFEST_VARIABLE, child_variables, manifest_path
from conformance.core.settings import add_target_arguments, resolve
from conformance.reporting.run_dirs import new_run_dir
from conformance.reporting.summary import RunFacts
from conformance.reporting.unwritten import ReportsUnwritten
from conformance.run.plan import RunPlan
from conformance.run.plan_options import add_run_options, plan_from_arguments
from conformance.run.runner import (
    SEED_LIMIT,
    cleaned,
    finish,
    plain_console,
    run_facts,
    secret_values,
    with_target,
    workflow_ids,
)
from conformance.run.spawn import PLUGIN, ROOT, SUITES
from conformance.run.target import open_context

PREFIX = "--scv-"
#: The command's options that pytest has its own of.
PYTEST_NATIVE = frozenset({"max_failures", "dry_run", "workers", "no_color"})


class _PrefixedOptions:
    """Takes the command's ``add_argument`` declarations into a pytest option group,
    each long flag with the ``--scv-`` prefix and its value under ``scv_<dest>``."""

    def __init__(self, group: pytest.OptionGroup) -> None:
        self._group = group

    def add_argument(self, *flags: str, **kwargs: Any) -> None:
        longs = [f for f in flags if f.startswith("--")]
        dest = kwargs.pop("dest", None) or longs[0][2:].replace("-", "_")
        if dest in PYTEST_NATIVE:
            return
        names = [PREFIX + f[2:] for f in longs]
        if kwargs.get("default") is argparse.SUPPRESS:
            # pytest keeps defaults in its namespace: None stands for "not given"
            kwargs["default"] = None
        self._group.addoption(*names, dest=f"scv_{dest}", **kwargs)

    def set_defaults(self, **kwargs: Any) -> None:
        """The command's parser keeps itself for its replay line; pytest has its own."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("scv-conformance", "SCV conformance (scv-conformance run)")
    group.addoption(
        "--scv",
        action="store_true",
        default=False,
        help="run the conformance suites (against the embedded emulator unless --scv-target)",
    )
    options = _PrefixedOptions(group)
    add_target_arguments(options)  # type: ignore[arg-type]
    add_run_options(options, "run")  # type: ignore[arg-type]


def command_arguments(config: pytest.Config) -> argparse.Namespace | None:
    """The ``scv-conformance run`` arguments given as ``--scv-*`` options, or None when the
    plugin was not asked for."""
    given = {
        key.removeprefix("scv_"): value
        for key, value in vars(config.option).items()
        if key.startswith("scv_") and value is not None
    }
    asked = config.option.scv or any(k != "profile" for k in given)
    if not asked:
        return None
    return argparse.Namespace(command="run", max_failures=config.option.maxfail or None, **given)


@dataclass
class _Run:
    """The run this pytest process drives."""

    context: RunContext
    plan: RunPlan
    run_dir: Path
    facts: RunFacts
    clock: float
    hidden: list[str]


_RUN = pytest.StashKey[_Run]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        if os.environ.get(MANIFEST_VARIABLE):  # a worker of a run this plugin drives
            _register(config)
        return
    args = command_arguments(config)
    if args is None:
        return
    try:
        plan = plan_from_arguments(args, workflow_ids)
        plan.validate()
        settings = resolve(args)
    except HarnessError as exc:
        raise pytest.UsageError(f"scv-conformance: {exc}") from None
    started = datetime.now(UTC)
    seed = settings.seed if settings.seed is not None else secrets.randbelow(SEED_LIMIT)
    settings = replace(settings, seed=seed)
    plan = replace(plan, replay=_replay(config), seed_option="--scv-seed")
    run_dir = new_run_dir(settings.report_dir.absolute(), started)
    facts = run_facts(settings, plan, started)
    clock = time.monotonic()
    contract = load_contract(overlays=settings.overlays)
    try:
        context = open_context(settings)
    except (TargetUnreachable, OSError, RuntimeError) as exc:
        unreachable = isinstance(exc, TargetUnreachable)
        facts = replace(facts, unreachable=unreachable, error=cleaned(str(exc), settings))
        code = finish(
            run_dir, facts, clock, plain_console(False), secret_values(settings), plan, contract
        )
        pytest.exit(f"scv-conformance: {facts.error}", returncode=code)
    except HarnessError as exc:
        raise pytest.UsageError(f"scv-conformance: {exc}") from None
    config.add_cleanup(context.close)
    _hand_over(config, context, plan, run_dir)
    config.stash[_RUN] = _Run(
        context,
        plan,
        run_dir,
        with_target(facts, context),
        clock,
        [*secret_values(settings), context.target.password],
    )
    _register(config)
    config.args.extend(str(ROOT / path) for name in plan.suites for path in SUITES[name].paths)


def _hand_over(config: pytest.Config, context: RunContext, plan: RunPlan, run_dir: Path) -> None:
    """Write the run manifest and point this process (and its workers) at it."""
    if not config.option.allure_report_dir:
        config.option.allure_report_dir = str(run_dir / "allure-results")
    if not config.option.xmlpath:
        config.option.xmlpath = str(run_dir / "junit.xml")
    numprocesses = getattr(config.option, "numprocesses", None)
    manifest = context.manifest(
        profile=plan.profile,
        run_dir=run_dir,
        junit_path=Path(config.option.xmlpath).absolute(),
        suites=list(plan.suites),
        plugins=[SUITES[name].plugin for name in plan.suites],
        selection=plan.selection,
        max_failures=plan.max_failures,
        processes=numprocesses if isinstance(numprocesses, int) and numprocesses > 0 else 1,
    )
    path = manifest.write(manifest_path(run_dir))
    os.environ.update(
        child_variables(path, context.target.password, context.secret_headers, context.urls)
    )


def _register(config: pytest.Config) -> None:
    manager = config.pluginmanager
    if not manager.is_registered(child_plugin) and manager.get_plugin(PLUGIN) is None:
        manager.register(child_plugin, PLUGIN)


def _replay(config: pytest.Config) -> tuple[str, ...]:
    """The pytest command line of this run, without a seed and the password."""
    words, skip = ["pytest"], False
    for arg in config.invocation_params.args:
        if skip:
            skip = False
            continue
        if arg in ("--scv-seed", "--scv-password"):
            skip = True
            continue
        if arg.startswith(("--scv-seed=", "--scv-password=")):
            continue
        words.append(arg)
    return tuple(words)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    run = session.config.stash.get(_RUN, None)
    if run is None:
        return
    run.context.close()
    if session.config.option.collectonly:
        shutil.rmtree(run.run_dir, ignore_errors=True)  # nothing ran: no run to report
        return
    sys.stdout.flush()
    try:
        code = finish(
            run.run_dir,
            run.facts,
            run.clock,
            plain_console(False),
            run.hidden,
            run.plan,
            run.context.contract,
        )
    except ReportsUnwritten as exc:  # a full disk: one line, exit 3, what was written kept
        print(f"scv-conformance: error: {exc}", file=sys.stderr)
        code = int(exc.exit_code)
    session.exitstatus = code
