#!/usr/bin/env bash
# Installs everything (idempotent) and runs the whole test suite, slow tests included.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --dev || exit 1
# shellcheck disable=SC1091
. .venv/bin/activate
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
python -m pytest "$@"
rc=$?
if [ "$rc" = 5 ]; then
  echo "ERROR: pytest collected no tests; that is a broken suite, not a pass" >&2
  exit 1
fi
exit "$rc"
