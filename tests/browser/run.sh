#!/usr/bin/env bash
# The browser suite: headless Debian Chromium driven by playwright-core under `node --test`,
# against the real app binary (AMPFLUX_BIN, default ../../target/debug/ampflux; build it first
# with `cargo build`). Set DATABASE_URL to run it on PostgreSQL; unset means SQLite.
# Exits non-zero when a test fails or when nothing could run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ ! -x "$CHROMIUM" ]]; then
  echo "run.sh: $CHROMIUM is missing; installing Debian's chromium" >&2
  if [[ "$(id -u)" -eq 0 ]]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq chromium chromium-driver >&2
fi
[[ -x "$CHROMIUM" ]] || { echo "run.sh: no Chromium at $CHROMIUM" >&2; exit 1; }

command -v node >/dev/null || { echo "run.sh: node is not installed" >&2; exit 1; }
command -v npm >/dev/null || { echo "run.sh: npm is not installed" >&2; exit 1; }

BIN="${AMPFLUX_BIN:-../../target/debug/ampflux}"
if [[ ! -x "$BIN" ]]; then
  echo "run.sh: the AmpFlux binary $BIN is missing: run \`cargo build\` in the repository root," >&2
  echo "        or set AMPFLUX_BIN to the binary" >&2
  exit 1
fi

# Never let playwright fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi

shopt -s nullglob
files=(*.test.mjs)
if (( ${#files[@]} == 0 )); then
  echo "run.sh: no test files (*.test.mjs) in $(pwd)" >&2
  exit 1
fi

log="$(mktemp -t ampflux-browser-tests.XXXXXX)"
trap 'rm -f "$log"' EXIT
status=0
# TAP output (also the CI's reading of `# pass N` / `# fail N`); files run one at a time.
node --test --test-reporter=tap --test-concurrency=1 "${files[@]}" 2>&1 | tee "$log" || status=$?

pass="$(sed -n 's/^# pass \([0-9][0-9]*\)$/\1/p' "$log" | tail -n 1)"
fail="$(sed -n 's/^# fail \([0-9][0-9]*\)$/\1/p' "$log" | tail -n 1)"
echo "browser: ${pass:-0} passed, ${fail:-?} failed"
if [[ -z "$pass" || -z "$fail" ]]; then
  echo "run.sh: node --test printed no summary: the suite did not run" >&2
  exit 1
fi
if (( pass == 0 )); then
  echo "run.sh: no test passed (nothing ran?)" >&2
  exit 1
fi
if (( status != 0 || fail != 0 )); then
  exit 1
fi
