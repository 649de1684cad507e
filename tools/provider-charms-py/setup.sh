#!/bin/sh
# Creates the pinned Python environment of the provider charms in tools/provider-charms-py/.venv
# (idempotent: does nothing when the environment matches requirements.txt and the Python in use).
# Called by the e2e globalSetup and the demo; by hand: tools/provider-charms-py/setup.sh
# Exit status is non-zero, with the reason on stderr, when python3 (>= 3.10, with venv) or the
# package registry is missing: callers fail loudly under CI=true.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
venv="${PROVIDER_PY_VENV:-$here/.venv}"
python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || { echo "setup.sh: $python not found (the provider charms need Python >= 3.10 with venv)" >&2; exit 2; }
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || { echo "setup.sh: $python is older than 3.10" >&2; exit 2; }
want="$(cat "$here/requirements.txt" | sha256sum | cut -d' ' -f1) $("$python" -c 'import sys; print(sys.version.split()[0])')"
stamp="$venv/.provider-charms-py-stamp"
up_to_date() { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; }
up_to_date && exit 0
# one creator at a time (the demo and the e2e suite may start together)
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
up_to_date && exit 0
rm -rf "$venv"
"$python" -m venv "$venv" || { echo "setup.sh: '$python -m venv' failed (install the venv module, e.g. python3-venv)" >&2; exit 2; }
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: -r "$here/requirements.txt" >"$venv.log" 2>&1; then
  echo "setup.sh: pip install of tools/provider-charms-py/requirements.txt failed:" >&2
  tail -n 20 "$venv.log" >&2
  rm -rf "$venv"
  exit 3
fi
"$venv/bin/python" -c 'import ops, dpcharmlibs.interfaces' || { echo "setup.sh: the new environment cannot import ops and dpcharmlibs.interfaces" >&2; rm -rf "$venv"; exit 3; }
echo "$want" >"$stamp"
