#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, then lint, types, tests.
# Fast tiers only: `bash scripts/test.sh -m "not browser and not a11y and not load"`.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

if [ ! -x /usr/sbin/nginx ]; then
  echo "Installing Debian's nginx for the deploy/ tests (nginx -t, a websocket through it)..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null
fi

echo "== ruff"; python3 -m ruff check . && python3 -m ruff format --check .
echo "== mypy"; python3 -m mypy
echo "== pytest"; python3 -m pytest "$@"
