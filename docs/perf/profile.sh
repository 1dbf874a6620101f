#!/usr/bin/env bash
# Records where the service's CPU goes on the ingest, live and replay paths: runs the
# benchmark (release build) with reduced sizes and, during each of those phases, samples the
# service process (the benchmark's child) with perf (for `rebuild`, the benchmark process,
# which runs it in itself; for start-up, the service of the restart phase replaying the whole
# log), then draws a flame graph per phase with inferno and prints each phase's shares
# (docs/perf/shares.py). Needs perf (apt: linux-perf) and inferno (cargo install inferno).
# PERF_HZ sets the sampling frequency (499 by default).
#
#   cargo build --release -p provisio -p provisio-bench
#   docs/perf/profile.sh [OUT_DIR] [-- BENCH_ARGS...]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-docs/perf}
shift || true
[ "${1:-}" = "--" ] && shift
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--events 200000 --offers 300000 --duration 8 --clients 16)
work=$(mktemp -d)
log=$work/bench.log
target/release/provisio-bench "${args[@]}" >"$log" 2>"$work/service.log" &
bench=$!
trap 'kill $bench 2>/dev/null || true' EXIT

wait_for() { # a line of the benchmark's output
  until grep -q -- "$1" "$log"; do
    kill -0 $bench 2>/dev/null || { echo "benchmark ended before: $1" >&2; cat "$log" >&2; exit 1; }
    sleep 0.05
  done
}
service_after() { # the benchmark's newest child running the service, other than $1
  local pid
  while :; do
    pid=$(pgrep -n -P $bench -f ' serve ' || true)
    if [ -n "$pid" ] && [ "$pid" != "$1" ]; then echo "$pid"; return; fi
    sleep 0.01
  done
}
record() { # name pid until-line
  perf record -q -F "${PERF_HZ:-499}" --call-graph dwarf,8192 -p "$2" -o "$work/$1.data" 2>/dev/null &
  local perf=$!
  wait_for "$3"
  kill -INT $perf; wait $perf || true
}

wait_for "2. End-to-end ingest"
first=$(service_after none)
record ingest "$first" "3. Live latency"
record live "$first" "4. Replay"
wait_for "nothing applied:"
record rebuild $bench "provisio rebuild:"
wait_for "5. Restart"
record startup "$(service_after "$first")" "full replay of the log:"
wait $bench || echo "the benchmark failed; its output: $log" >&2
trap - EXIT

for phase in ingest live rebuild startup; do
  perf script -i "$work/$phase.data" 2>/dev/null | inferno-collapse-perf >"$work/$phase.folded"
  inferno-flamegraph --minwidth 0.2 --title "provisio: $phase ($(date -u +%F))" <"$work/$phase.folded" >"$out/$phase.svg"
  python3 docs/perf/shares.py "$work/$phase.folded" "$phase"
done
echo "flame graphs in $out; benchmark output in $log"
