#!/usr/bin/env bash
# Provides the PostgreSQL 15 server binaries that the cluster tests
# (test/cluster) start in a temporary data directory. Does nothing when they
# are already there (the machine image has them); otherwise installs the
# Debian package that puts them in /usr/lib/postgresql/15/bin.
#
#   scripts/postgres.sh            # install if missing, then print the bin dir
#
# The tests find the binaries through $POSTGRES_BIN, else
# /usr/lib/postgresql/15/bin, else `pg_config --bindir`; they skip with a
# message when none is there (fail, with EFFECT_THREADING_REQUIRE_POSTGRES=1,
# which .ci/run sets).
set -euo pipefail
bin="${POSTGRES_BIN:-/usr/lib/postgresql/15/bin}"
if [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ]; then
  echo "postgres: $bin"
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "postgres: $bin missing and not root (no sudo): cannot install postgresql-15" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# The server package only: no cluster is created or started by us here (the
# tests run their own, as an unprivileged user, in a temporary directory).
$sudo apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
# The Debian package may start a system cluster: stop it, the tests do not use it.
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql/15/main ]; then
  $sudo pg_ctlcluster 15 main stop 2>/dev/null || true
fi
test -x "$bin/initdb"
echo "postgres: $bin"
