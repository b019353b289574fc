#!/usr/bin/env bash
# Provides HAProxy, the real load balancer of the rolling-deploy check
# (issue 21: test/rollout, `npm run rollout`). Does nothing when `haproxy` is
# already there; otherwise installs Debian's `haproxy` package (2.6 on
# Debian 12): `apt-get update`, then `apt-get install -y haproxy`, as root or
# through `sudo -n`. The package's own service is stopped if it started: the
# tests run their own HAProxy, in the foreground, with their own
# configuration.
#
#   scripts/haproxy.sh            # install if missing, then print the version
set -euo pipefail
# /usr/sbin is not on every user's PATH.
export PATH="$PATH:/usr/sbin"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
if ! command -v haproxy >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  if ! { as_root apt-get update -qq && as_root apt-get install -y -qq haproxy >/dev/null; }; then
    echo "haproxy: not installed, and apt-get install -y haproxy failed (root, or sudo without a password, is needed)" >&2
    exit 1
  fi
  if command -v systemctl >/dev/null && systemctl is-active --quiet haproxy 2>/dev/null; then
    as_root systemctl stop haproxy || true
  fi
fi
haproxy -v | sed -n 1p # (not `head`: with pipefail, its early exit would fail the pipe)
