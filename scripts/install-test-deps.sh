#!/usr/bin/env bash
# Installs the Debian packages the tests use, only those that are missing: redis-server and redis-sentinel (the
# Redis engine's tests), chromium (the widget and the operator page in a real browser), prometheus (promtool and
# the real-Prometheus scrape test), podman, runc and mmdebstrap (test/system/container.test.ts builds and runs
# the image and compose.yaml on base images it makes from Debian's packages), nginx (test/system/rollingDeploy.test.ts
# runs deploy/nginx/aicc-gateway.conf). `npm test` runs it first (pretest), and so does .ci/run. With everything
# present it installs nothing and needs no network; otherwise it needs apt-get and root (or sudo).
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
[ -x /usr/bin/chromium ] || missing+=(chromium)
{ command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || missing+=(nginx)
{ command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; } || missing+=(prometheus)
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || missing+=(runc)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: the tests need ${missing[*]} (Debian package names); install them, then run npm test again" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "install-test-deps: the tests need ${missing[*]}; run as root (or install sudo): apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
echo "install-test-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
