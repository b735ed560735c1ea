#!/bin/sh
# Runs fuzz targets two at a time, niced, each for $SECS seconds (default 600), after
# `cargo +nightly fuzz build` and `./seed.sh`. Logs go to fuzz/logs/<target>.log,
# crashes to fuzz/artifacts/<target>/. Usage: ./run.sh [target...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
SECS=${SECS:-600}
bin="$here/target/x86_64-unknown-linux-gnu/release"
mkdir -p logs
targets=${*:-"pkcs12 jks jks_sealed inspect keyfile pem dn ca_names ca_index sniff"}
for t in $targets; do echo "$t"; done | xargs -P 2 -I{} sh -c '
    t={}; mkdir -p artifacts/$t corpus/$t
    nice -n 10 '"$bin"'/$t corpus/$t -artifact_prefix=artifacts/$t/ \
        -max_total_time='"$SECS"' -rss_limit_mb=512 -malloc_limit_mb=256 -timeout=5 \
        -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
        > logs/$t.log 2>&1 || echo "$t exited $?" >> logs/$t.log'
