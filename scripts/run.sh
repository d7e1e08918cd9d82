#!/usr/bin/env bash
# Installs Griffier (idempotent), ingests the demo corpus and opens the chat.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# shellcheck disable=SC1091
. .venv/bin/activate
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec griffier demo "$@"
