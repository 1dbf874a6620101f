#!/usr/bin/env bash
# Long checks kept out of CI: cargo-fuzz on event decoding and validation, then a long
# Schemathesis run against a live service. Crashes land in fuzz/artifacts/validate_event/;
# commit them: events/tests/fuzz_corpus.rs replays every one as a regression test.
#   scripts/fuzz.sh [SECONDS]   (default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# cargo-fuzz needs nightly flags; the machine's one toolchain is stable.
export RUSTC_BOOTSTRAP=1
(cd fuzz && cargo fuzz run validate_event corpus/validate_event -- -max_total_time="$seconds" -max_len=65536)
cargo test -p provisio-events --test fuzz_corpus

scripts/schemathesis.sh 2000
