#!/usr/bin/env bash
# Installs every build and test dependency of xcr on Debian 12, as root (or through sudo).
# Skips what is already installed; safe to run again. Node.js/npm come from Debian unless a
# node and npm are already on the PATH.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git curl ca-certificates openssl python3
  clang libclang-rt-14-dev              # libFuzzer targets and sanitizer runtimes
  libxml2-dev libcurl4-openssl-dev libssl-dev libboost-dev libboost-system-dev
  nlohmann-json3-dev libsqlite3-dev libgtest-dev libgmock-dev libxxhash-dev
  libcli11-dev                          # command-line flags of every tool
  libhowardhinnant-date-dev tzdata      # schedules in IANA time zones
  libsystemd-dev                        # sd_notify readiness of xcr serve
  qemu-utils                            # interop: qemu-img / qemu-io read and write VHD (vpc)
  systemd                               # interop: systemd-analyze calendar checks calendar events
  chromium                              # the web UI's browser tests (driven by npm playwright-core)
  jq                                    # docs/api/ curl examples (tests/web/integration/api_docs_test.py)
  wrk                                   # bench/web: HTTP load on the API during a replication
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-deps: missing packages (${missing[*]}) and not root; run as root" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
