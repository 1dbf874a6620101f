#!/usr/bin/env bash
# Schemathesis against /openapi.json of a running `provisio demo` with an admin key: no 5xx,
# every response as the document says. Short in CI (scripts/test.sh), long in scripts/fuzz.sh.
#   scripts/schemathesis.sh [MAX_EXAMPLES]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-20}
state="$(pwd)/.ci/state"
mkdir -p "$state"

venv="$state/venv"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis>=4,<5'
fi

# The binary where cargo puts it (CARGO_TARGET_DIR, .cargo/config.toml), built if it is stale.
bin=$(cargo build -q -p provisio --bin provisio --message-format=json-render-diagnostics |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "provisio":
        print(m["executable"])')
[ -x "$bin" ] || { echo "cargo built no provisio binary" >&2; exit 1; }
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" demo --listen "127.0.0.1:$port" --database-url "sqlite://$work/st.db" --rate-limit 0 >"$work/demo.out" 2>"$work/demo.err" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  grep -q '(admin):' "$work/demo.out" 2>/dev/null && break
  sleep 0.2
done
key=$(sed -n 's/.*(admin): //p' "$work/demo.out")
[ -n "$key" ] || { echo "the demo printed no admin key" >&2; cat "$work/demo.err" >&2; exit 1; }

# scripts/schemathesis/provisio_hooks.py leaves out the positions a read waits for (their 503 is the contract's).
NO_COLOR=1 PYTHONPATH="$(pwd)/scripts/schemathesis" SCHEMATHESIS_HOOKS=provisio_hooks "$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "$examples" \
  --exclude-path-regex "/live$"
