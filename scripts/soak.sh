#!/usr/bin/env bash
# The soak of issue 18 (not part of CI): the whole deployment on this machine (three NATS
# nodes in one JetStream cluster, PostgreSQL, two writers, two readers, each a process of its
# own on loopback) under a steady load for 30 minutes: 2,000 events/s published to JetStream,
# 64 report clients (640 reports/s in all; --reports-per-sec 0: each asks again when answered)
# and 200 SSE clients on the readers. Every 10 s a row: each process's memory and CPU
# (PostgreSQL's too), each service's bytes in use (--count-heap), report and publish latency,
# SSE throughput and how far each reader's slowest SSE client is behind. Writes soak.md (the table,
# with the drift of memory and p99 after warm-up), soak.svg (the plot) for BENCHMARKS.md,
# every process's log to logs/, and each NATS node's heap profile after warm-up and at the end
# to nats-heap/.
#   scripts/soak.sh [--minutes N] [--rate N] [--reports-per-sec N] [--live-partnerships N]
#                   [--nats-memory-limit SIZE] [--out DIR] [--debug]
# (--nats-memory-limit: GOMEMLIMIT for each NATS node, e.g. 192MiB, as deploy/k8s sets it from
# the container's limit; --debug: the debug build, to try the script quickly; its figures are not for BENCHMARKS.md.)
# Needs nats-server (PROVISIO_NATS_SERVER) and a PostgreSQL server (PROVISIO_TEST_POSTGRES_URL,
# default postgres://postgres@127.0.0.1:5432/test) on which it makes, then drops, a database.
# A binary without `serve --role` (before the roles of issue 18) runs one service in place of
# the writers and readers, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=30 rate=2000 reports=640 live=4 out="$(pwd)/.ci/state/soak" profile=release nats_memory_limit=
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --reports-per-sec) reports=$2; shift 2 ;;
    --live-partnerships) live=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --nats-memory-limit) nats_memory_limit=$2; shift 2 ;;
    --debug) profile=debug; shift ;;
    *) echo "usage: scripts/soak.sh [--minutes N] [--rate N] [--reports-per-sec N] [--live-partnerships N] [--nats-memory-limit SIZE] [--out DIR] [--debug]" >&2; exit 2 ;;
  esac
done
nats_server=${PROVISIO_NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
admin=${PROVISIO_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
work=$(mktemp -d)
database="provisio_soak_$$"
database_url="${admin%/*}/$database"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # Every process's log, kept beside the table: a process that died says why there.
  mkdir -p "$out/logs" && cp "$work"/*.log "$out/logs/" 2>/dev/null || true
  psql "$admin" -qc "drop database if exists $database with (force)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> building ($profile)"
cargo build --profile "${profile/debug/dev}" -q -p provisio -p provisio-bench
bin=target/$profile/provisio
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "==> three NATS nodes"
routes=() clients=() names=() profiles=()
for i in 1 2 3; do
  routes+=("nats://127.0.0.1:$(free_port)") clients+=("nats://127.0.0.1:$(free_port)") profiles+=("$(free_port)")
done
route_list=$(IFS=,; echo "${routes[*]}")
for i in 0 1 2; do
  mkdir -p "$work/nats-$i"
  GOMEMLIMIT=${nats_memory_limit:-} "$nats_server" -a 127.0.0.1 -p "${clients[$i]##*:}" -n "nats-$i" -js -sd "$work/nats-$i" \
    --cluster_name soak --cluster "${routes[$i]}" --routes "$route_list" --profile "${profiles[$i]}" \
    >"$work/nats-$i.log" 2>&1 &
  pids+=($!)
  names+=("nats-$i=$!")
done
nats_url=$(IFS=,; echo "${clients[*]}")
until grep -q "JetStream cluster new metadata leader" "$work"/nats-*.log; do sleep 0.5; done

psql "$admin" -qc "create database $database" >/dev/null
# PostgreSQL's CPU (its postmaster's with every backend's) is sampled too, when it runs here.
pg_dir=$(psql "$admin" -Atc "show data_directory" 2>/dev/null || true)
if [ -r "$pg_dir/postmaster.pid" ]; then names+=("postgres=$(head -1 "$pg_dir/postmaster.pid")"); fi
common=(--database-url "$database_url" --nats-url "$nats_url" --stream-replicas 3
  --insecure-no-auth --rate-limit 0 --sse-per-key 1000)
# Each service counts the bytes it has in use (sampled from /metrics beside its resident
# memory), when the binary can.
if "$bin" serve --help | grep -q -- '--count-heap'; then common+=(--count-heap); fi
readers=() writers=() services=()
start() { # NAME FLAGS…: a service on a free port; its URL in $url
  local name=$1 port
  shift
  port=$(free_port)
  RUST_LOG=warn "$bin" serve --listen "127.0.0.1:$port" "${common[@]}" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name=$!")
  url="http://127.0.0.1:$port"
  services+=("$name=$url")
}
if "$bin" serve --help | grep -q -- '--role'; then
  echo "==> PostgreSQL database $database, two writers, two readers"
  start writer-1 --role writer && writers+=("$url")
  start writer-2 --role writer && writers+=("$url")
  start reader-1 --role reader && readers+=("$url")
  start reader-2 --role reader && readers+=("$url")
else
  echo "==> PostgreSQL database $database; this binary has no --role: ONE service stands for the writers and readers"
  start service && readers+=("$url")
fi
for reader in "${readers[@]}"; do
  until curl -fsS "$reader/readyz" >/dev/null 2>&1; do sleep 0.5; done
done
# The leading writer makes the stream; the other stands by, not ready.
leader_ready() { for w in "${writers[@]}"; do curl -fsS "$w/readyz" >/dev/null 2>&1 && return 0; done; return 1; }
until [ ${#writers[@]} -eq 0 ] || leader_ready; do sleep 0.5; done

# Each NATS node's Go heap (pprof's text form: bytes in use by allocation site, then
# runtime.MemStats) at the end of warm-up (the table's first fifth) and 20 s before the end,
# to nats-heap/: what grows inside nats-server, which its resident memory cannot say.
heap_profiles() { # LABEL
  mkdir -p "$out/nats-heap"
  for i in 0 1 2; do
    curl -fsS "http://127.0.0.1:${profiles[$i]}/debug/pprof/heap?debug=1" >"$out/nats-heap/nats-$i-$1.txt" || true
  done
}
(sleep $((minutes * 12)) && heap_profiles warm && sleep $((minutes * 48 - 20)) && heap_profiles end) &
pids+=($!)

echo "==> $minutes min at $rate events/s, 64 report clients ($reports reports/s), 200 SSE clients"
target/$profile/provisio-bench soak --nats-url "$nats_url" --readers "$(IFS=,; echo "${readers[*]}")" \
  --pids "$(IFS=,; echo "${names[*]}")" --metrics "$(IFS=,; echo "${services[*]}")" --rate "$rate" --reports-per-sec "$reports" --live-partnerships "$live" \
  --duration-secs $((minutes * 60)) --out "$out"
