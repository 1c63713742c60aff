# Shared by scripts/run and scripts/test: the packages the project needs, and the build.
# Sourced, not run.
set -euo pipefail

UWH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
UWH_SHARED=${UWH_SHARED_DIR:-$(cd "$UWH_ROOT/.." && pwd)/shared}
UWH_BUILD=${UWH_BUILD_DIR:-$UWH_ROOT/build}
UWH_BIN=$UWH_BUILD/src/app/uwh

UWH_BUILD_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libexpected-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libssl-dev libsodium-dev libsqlite3-dev libcurl4-openssl-dev libre2-dev libpq-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
UWH_TEST_PACKAGES=(python3 python3-pytest python3-requests python3-jsonschema sqlite3 curl)
# The browser tests: Debian's Chromium driven by playwright-core (npm), a font for its pages, and
# openssl for running the custom-source example request the UI shows.
UWH_BROWSER_PACKAGES=(chromium fonts-dejavu-core openssl nodejs)

# Installs the Debian packages among "$@" that are missing (we run as root; sudo otherwise).
uwh_install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "==> installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Configures and builds into $UWH_BUILD. $1: CMake build type (default RelWithDebInfo).
uwh_build() {
  local type=${1:-RelWithDebInfo}
  export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
  cmake -S "$UWH_ROOT" -B "$UWH_BUILD" -G Ninja -DCMAKE_BUILD_TYPE="$type" \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache ${UWH_CMAKE_ARGS:-} >/dev/null
  echo "==> building ($type) in $UWH_BUILD"
  cmake --build "$UWH_BUILD" -j "${UWH_JOBS:-$(nproc)}"
}
