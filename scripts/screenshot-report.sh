#!/usr/bin/env bash
# Take the screenshot of an Allure report that docs/reports.md shows: docs/report-screenshot.png.
#
# Usage: scripts/screenshot-report.sh [RUN_DIR]
#   RUN_DIR  a run folder (default: a fresh smoke run against the embedded emulator)
# Needs: the Allure 3 CLI (`npm install` in the repository) and a headless Chromium.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [ -z "$chromium" ]; then
    echo "screenshot-report: no Chromium found (apt-get install chromium, or set CHROMIUM)" >&2
    exit 3
fi

run_dir=${1:-}
if [ -z "$run_dir" ]; then
    reports=$(mktemp -d)
    trap 'rm -rf "$reports"' EXIT
    "$python" -m conformance.cli run --profile smoke --report-dir "$reports" >/dev/null || true
    run_dir=$(ls -d "$reports"/2*/ | tail -n 1)
fi
"$python" -m conformance.cli report "$run_dir"

mkdir -p "$root/docs"
out="$root/docs/report-screenshot.png"
tmp_png=$(mktemp --suffix=.png)
# A virtual time budget lets the single-file report render past its loading spinner.
"$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --hide-scrollbars --run-all-compositor-stages-before-draw --window-size=1400,1000 \
    --virtual-time-budget=30000 \
    --screenshot="$tmp_png" "file://$(realpath "$run_dir")/allure-report/index.html" \
    >/dev/null 2>&1
chmod 644 "$tmp_png"
mv "$tmp_png" "$out"
echo "screenshot: $out"
