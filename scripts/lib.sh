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
UWH_TEST_PACKAGES=(python3 python3-pytest python3-requests python3-jsonschema sqlite3 curl
                   postgresql python3-psycopg2)
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

# Configures and builds. $1: CMake build type (default RelWithDebInfo); $2: build directory
# (default $UWH_BUILD); further arguments go to CMake (after $UWH_CMAKE_ARGS).
uwh_build() {
  local type=${1:-RelWithDebInfo} dir=${2:-$UWH_BUILD}
  shift $(($# > 2 ? 2 : $#))
  export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
  # Paths relative to the checkout, so that a fresh clone elsewhere (CI) hits the same cache.
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$UWH_ROOT} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
  cmake -S "$UWH_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache ${UWH_CMAKE_ARGS:-} "$@" >/dev/null
  echo "==> building ($type) in $dir"
  cmake --build "$dir" -j "${UWH_JOBS:-$(nproc)}"
}

# A throwaway PostgreSQL cluster (tests, benchmarks): initdb + pg_ctl from Debian's `postgresql`
# package into a fresh temp dir, on a free port, listening on 127.0.0.1 only, trust
# authentication, superuser `postgres`. PostgreSQL refuses to run as root, so as root the cluster
# runs as the `postgres` user (runuser). $1: extra server settings ("-c name=value ..."). Sets
# UWH_PG_DIR, UWH_PG_PORT, UWH_PG_URL (postgresql://postgres@127.0.0.1:PORT/postgres) and
# UWH_PG_RESTART (a command that restarts it). uwh_pg_stop stops it and removes the directory;
# callers trap it on EXIT.
uwh_pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
uwh_pg_start() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$bindir/initdb" ] || { echo "no PostgreSQL server found (install postgresql)" >&2; return 1; }
  UWH_PG_BIN=$bindir
  UWH_PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/uwh-pg.XXXXXX")
  [ "$(id -u)" -ne 0 ] || chown postgres: "$UWH_PG_DIR"
  UWH_PG_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  uwh_pg_as_owner "$bindir/initdb" -D "$UWH_PG_DIR/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$UWH_PG_DIR/initdb.log" 2>&1 ||
    { cat "$UWH_PG_DIR/initdb.log" >&2; return 1; }
  uwh_pg_as_owner "$bindir/pg_ctl" -D "$UWH_PG_DIR/data" -l "$UWH_PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $UWH_PG_PORT -c unix_socket_directories=$UWH_PG_DIR \
        -c max_connections=300 ${1:-}" start >/dev/null ||
    { cat "$UWH_PG_DIR/server.log" >&2; return 1; }
  UWH_PG_URL=postgresql://postgres@127.0.0.1:$UWH_PG_PORT/postgres
  UWH_PG_RESTART="$bindir/pg_ctl -D $UWH_PG_DIR/data -l $UWH_PG_DIR/server.log -m fast -w -t 60 restart"
  [ "$(id -u)" -ne 0 ] || UWH_PG_RESTART="runuser -u postgres -- $UWH_PG_RESTART"
  export UWH_PG_DIR UWH_PG_PORT UWH_PG_URL UWH_PG_BIN UWH_PG_RESTART
}
uwh_pg_stop() {
  [ -n "${UWH_PG_DIR:-}" ] && [ -d "$UWH_PG_DIR" ] || return 0
  uwh_pg_as_owner "$UWH_PG_BIN/pg_ctl" -D "$UWH_PG_DIR/data" -m fast -w -t 30 stop \
    >/dev/null 2>&1 || true
  rm -rf "$UWH_PG_DIR"
  UWH_PG_DIR=""
}
