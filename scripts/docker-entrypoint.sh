#!/usr/bin/env bash
# Container entrypoint: on a home without accounts, create the admin named by
# GRIFFIER_ADMIN_USER with the password in GRIFFIER_ADMIN_PASSWORD (or in the file
# GRIFFIER_ADMIN_PASSWORD_FILE, e.g. a Docker secret); then run the command.
# Without accounts `griffier serve --host 0.0.0.0` refuses to start, by design.
set -euo pipefail

if [ -n "${GRIFFIER_ADMIN_USER:-}" ]; then
  pw="${GRIFFIER_ADMIN_PASSWORD:-}"
  if [ -z "$pw" ] && [ -n "${GRIFFIER_ADMIN_PASSWORD_FILE:-}" ]; then
    pw="$(cat "$GRIFFIER_ADMIN_PASSWORD_FILE")"
  fi
  if [ "$(griffier -q users list --json | python -c 'import json,sys; print(len(json.load(sys.stdin)["users"]))')" = 0 ]; then
    if [ -z "$pw" ]; then
      echo "GRIFFIER_ADMIN_USER is set but no GRIFFIER_ADMIN_PASSWORD(_FILE): no admin created" >&2
    else
      printf '%s\n' "$pw" | griffier -q users add "$GRIFFIER_ADMIN_USER" --role admin
    fi
  fi
fi
unset GRIFFIER_ADMIN_PASSWORD
exec "$@"
