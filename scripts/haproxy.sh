#!/usr/bin/env bash
# Provides HAProxy, the real load balancer of the rolling-deploy check
# (issue 21: test/rollout, `npm run rollout`). Does nothing when `haproxy` is
# already on the PATH; otherwise installs Debian's `haproxy` package (2.6 on
# Debian 12) with apt-get, after `apt-get update`. The package's own service
# is stopped if it started: the tests run their own HAProxy, in the
# foreground, with their own configuration.
#
#   scripts/haproxy.sh            # install if missing, then print the version
set -euo pipefail
# /usr/sbin is not on every user's PATH.
export PATH="$PATH:/usr/sbin"
if ! command -v haproxy >/dev/null; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo -n"; else
      echo "haproxy: not installed and not root (no sudo): cannot install it (apt-get install -y haproxy)" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq haproxy >/dev/null
  if command -v systemctl >/dev/null && systemctl is-active --quiet haproxy 2>/dev/null; then
    $sudo systemctl stop haproxy || true
  fi
fi
haproxy -v | sed -n 1p  # (not `head`: with pipefail, its early exit would fail the pipe)
