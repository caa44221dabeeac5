#!/usr/bin/env bash
# Installs the Debian packages that building and testing ember needs.
#   tools/deps.sh           install what is missing (as root), else print the command
#   tools/deps.sh --list    print the package list
set -euo pipefail

packages=(
    cmake ninja-build make g++ clang-format clang-tidy clang libclang-rt-14-dev
    libxsimd-dev doctest-dev libpcg-cpp-dev libbenchmark-dev libstb-dev
    g++-aarch64-linux-gnu g++-arm-linux-gnueabihf
    gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib libnewlib-arm-none-eabi
    qemu-user qemu-system-arm
)

if [ "${1:-}" = "--list" ]; then
    printf '%s\n' "${packages[@]}"
    exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: not a Debian system; make sure these (or equivalents) are installed:" >&2
    echo "  ${packages[*]}" >&2
    exit 0
fi

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

apt_install=(apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}")
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages: ${missing[*]}" >&2
    echo "deps: run this, then try again:" >&2
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive ${apt_install[*]}" >&2
    exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update
"${apt_install[@]}"
