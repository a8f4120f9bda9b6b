#!/usr/bin/env bash
# Every benchmark of the project, one after the other in one go on this machine, so that
# the figures and their baselines share its load:
#   emulator requests/s next to a bare Starlette endpoint,
#   the fuzzing suite's cases/s next to a plain `st run` of the same contract and target,
#   wall time of `scv-conformance run --profile smoke` and `--profile full`,
#   scenarios and fuzzing against a slow emulator, --concurrency 8 (the default) next to 1,
#   a run with --record next to the same run without it, and redaction against its secrets,
#   the proxy's added latency and rate next to a direct connection to the same emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python}
"$python" bench/emulator_rps.py --seconds 8
"$python" bench/fuzz_rate.py --profile full --seed 1
"$python" bench/run_wall.py --repeat 3
"$python" bench/slow_appliance.py
"$python" bench/fuzz_vs_st.py
"$python" bench/record_cost.py --pairs 5
"$python" bench/proxy_cost.py
