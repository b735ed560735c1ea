#!/usr/bin/env bash
# Side-by-side benchmark of keychest against openssl (and keytool where relevant).
# Runs every contender once per round, interleaved, so machine noise hits all alike, and
# reports medians in milliseconds as a Markdown table (pasted into docs/performance.md).
#
#   benches/bench.sh [ROUNDS] [SECTION...]     sections: keys csr (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-31}
shift || true
SECTIONS=${*:-keys csr}
cargo build --release --quiet
KC=$PWD/target/release/keychest
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

now_ns() { date +%s%N; }
declare -A SAMPLES
# time_cmd LABEL CMD...: runs CMD once, appends elapsed ms to SAMPLES[LABEL].
time_cmd() {
  local label=$1; shift
  local t0 t1
  t0=$(now_ns); "$@" >/dev/null 2>&1; t1=$(now_ns)
  SAMPLES[$label]+="$(( (t1 - t0) / 1000 )) "
}
median_ms() {
  tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1000}'
}
row() { # row TASK KEYCHEST_LABEL OPENSSL_LABEL
  local k o; k=$(median_ms "${SAMPLES[$2]}"); o=$(median_ms "${SAMPLES[$3]}")
  printf '| %s | %s | %s | %s× |\n' "$1" "$k" "$o" "$(awk -v k="$k" -v o="$o" 'BEGIN{printf "%.1f", o/k}')"
}

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key 2>/dev/null
for ((i = 0; i < ROUNDS; i++)); do
  for s in $SECTIONS; do
    case $s in
      keys)
        time_cmd kc-ec "$KC" key new --type ec:p256 --out k1.pem --force
        time_cmd os-ec openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k2.pem
        time_cmd kc-rsa2048 "$KC" key new --type rsa:2048 --out k1.pem --force
        time_cmd os-rsa2048 openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k2.pem
        time_cmd kc-rsa3072 "$KC" key new --type rsa:3072 --out k1.pem --force
        time_cmd os-rsa3072 openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out k2.pem
        if ((i % 3 == 0)); then # RSA-4096 is slow: a third of the rounds
          time_cmd kc-rsa4096 "$KC" key new --type rsa:4096 --out k1.pem --force
          time_cmd os-rsa4096 openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out k2.pem
        fi
        ;;
      csr)
        time_cmd kc-csr "$KC" csr new --key ec.key --subject "CN=bench.example.org,O=Acme" --san dns:bench.example.org --out r1.csr --force
        time_cmd os-csr openssl req -new -key ec.key -subj "/O=Acme/CN=bench.example.org" -addext subjectAltName=DNS:bench.example.org -out r2.csr
        ;;
    esac
  done
done

echo "Medians over $ROUNDS interleaved rounds (RSA-4096: $(( (ROUNDS + 2) / 3 ))), whole processes, ms."
echo
echo "| task | keychest | openssl | openssl / keychest |"
echo "|---|---|---|---|"
for s in $SECTIONS; do
  case $s in
    keys)
      row "EC P-256 key" kc-ec os-ec
      row "RSA-2048 key" kc-rsa2048 os-rsa2048
      row "RSA-3072 key" kc-rsa3072 os-rsa3072
      row "RSA-4096 key" kc-rsa4096 os-rsa4096
      ;;
    csr) row "CSR (P-256, SAN)" kc-csr os-csr ;;
  esac
done
