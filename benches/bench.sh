#!/usr/bin/env bash
# Side-by-side benchmark of keychest against openssl (and keytool where relevant).
# Runs every contender once per round, interleaved, so machine noise hits all alike, and
# reports medians in milliseconds as a Markdown table (pasted into docs/performance.md).
#
#   benches/bench.sh [ROUNDS] [SECTION...]
#   sections: keys csr pki stores java select ca doctor (default: all), and growth (only
#   when named). keytool scripts are slow: the pki section runs them in every round, so give
#   it few rounds (e.g. 5).
#
#   growth (benches/growth.sh): issue 11's cases — leaf-only key stores, PEM bundles of
#   100,000 certificates and 4,000 copies of one, a CA of 100,000 records, a 2^31-iteration
#   key — and doctor's folder of 1,000 stores when `keychest doctor` exists. Set KC_OLD to an
#   older keychest binary to run each case beside it; runs are capped at GROW_CAP (60) s:
#     KC_OLD=/tmp/kc-old benches/bench.sh 5 growth
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHES=$PWD/benches
ROUNDS=${1:-31}
shift || true
SECTIONS=${*:-keys csr pki stores java select ca doctor}
has_section() { # has_section NAME...: whether any of them was asked for
  local n; for n; do [[ " $SECTIONS " == *" $n "* ]] && return 0; done; return 1
}
cargo build --release --quiet --bins --examples
KC=$PWD/target/release/keychest
MAKE_STORE=$PWD/target/release/examples/make_store
MAKE_DOCTOR_TREE=$PWD/target/release/examples/make_doctor_tree
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

# --- Whole PKIs: root, intermediate, server and client certificates -------------------------
kc_pki() { # TYPE
  rm -rf kc && mkdir kc
  "$KC" ca init kc/root --subject "CN=Root" --type "$1" 2>/dev/null
  "$KC" ca init kc/inter --subject "CN=Inter" --parent kc/root --type "$1" 2>/dev/null
  "$KC" ca issue kc/inter localhost --profile server --type "$1" --out-dir kc 2>/dev/null
  "$KC" ca issue kc/inter client --profile client --type "$1" --out-dir kc 2>/dev/null
}
os_key() { # FILE TYPE
  if [ "$2" = ec:p256 ]; then openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
  else openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$1"; fi
}
os_pki() { # TYPE
  rm -rf os && mkdir os && cd os
  printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > ca.ext
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost\n' > srv.ext
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > cli.ext
  os_key root.key "$1"; openssl req -x509 -new -key root.key -subj /CN=Root -days 3650 -out root.crt
  os_key inter.key "$1"; openssl req -new -key inter.key -subj /CN=Inter -out inter.csr
  openssl x509 -req -in inter.csr -CA root.crt -CAkey root.key -CAcreateserial -days 1825 -extfile ca.ext -out inter.crt
  for n in server client; do
    os_key $n.key "$1"; openssl req -new -key $n.key -subj /CN=$n -out $n.csr
    e=srv.ext; [ $n = client ] && e=cli.ext
    openssl x509 -req -in $n.csr -CA inter.crt -CAkey inter.key -CAcreateserial -days 398 -extfile $e -out $n.crt
  done
  cd ..
}
kt_pki() { # TYPE
  rm -rf kt && mkdir kt && cd kt
  local alg="-keyalg EC -groupname secp256r1"; [ "$1" = ec:p256 ] || alg="-keyalg RSA -keysize 3072"
  local s="-storepass changeit -storetype PKCS12"
  keytool -genkeypair $alg -alias root -dname CN=Root -ext bc:c -validity 3650 -keystore root.p12 $s
  keytool -genkeypair $alg -alias inter -dname CN=Inter -keystore inter.p12 $s
  keytool -certreq -alias inter -keystore inter.p12 $s | keytool -gencert -alias root -keystore root.p12 $s -ext bc:c=ca:true,pathlen:0 -rfc > inter.crt
  for n in server client; do
    keytool -genkeypair $alg -alias $n -dname CN=$n -keystore $n.p12 $s
    keytool -certreq -alias $n -keystore $n.p12 $s | keytool -gencert -alias inter -keystore inter.p12 $s -rfc > $n.crt
  done
  cd ..
}
os_pki_files() { # what pki new writes, by an openssl script (its truststore lacks Java's
  # trust attribute: OpenSSL 3.0 cannot add it, so Java would see no entry in it)
  os_pki ec:p256; cd os
  cat server.crt inter.crt > server-chain.crt; cat client.crt inter.crt > client-chain.crt
  openssl pkcs12 -export -inkey server.key -in server-chain.crt -certfile root.crt -name server -passout pass:changeit -out server.p12
  openssl pkcs12 -export -inkey client.key -in client-chain.crt -certfile root.crt -name client -passout pass:changeit -out client.p12
  openssl pkcs12 -export -nokeys -in root.crt -name root -passout pass:changeit -out truststore.p12
  cp root.crt ca-bundle.pem; cd ..
}
kt_pki_files() { # the same stores by a keytool script (keytool cannot write PEM private keys)
  kt_pki ec:p256; cd kt
  local s="-storepass changeit -storetype PKCS12"
  keytool -exportcert -rfc -alias root -keystore root.p12 $s -file root.crt
  for n in server client; do
    keytool -importcert -noprompt -alias root -file root.crt -keystore $n.p12 $s
    keytool -importcert -noprompt -alias inter -file inter.crt -keystore $n.p12 $s
    keytool -importcert -noprompt -alias $n -file $n.crt -keystore $n.p12 $s
  done
  keytool -importcert -noprompt -alias root -file root.crt -keystore truststore.p12 $s
  cp root.crt ca-bundle.pem; cd ..
}

if has_section stores select java; then
  echo "making benchmark stores..." >&2
  "$MAKE_STORE" trust pkcs12 5000 trust5000.p12 changeit
  "$MAKE_STORE" trust jks 5000 trust5000.jks changeit
  "$MAKE_STORE" keys pkcs12 10000 keys10000.p12 changeit names-ca.pem
  "$MAKE_STORE" keys jks 10000 keys10000.jks changeit
  # 100 acceptable CA names: the bench CA among 99 others from the system bundle.
  { cat names-ca.pem; awk '/BEGIN CERT/{n++} n<=99' /etc/ssl/certs/ca-certificates.crt; } > names100.pem
  if keytool -list -cacerts -storepass changeit >/dev/null 2>&1; then
    cp /etc/ssl/certs/java/cacerts cacerts.store
  fi
  "$KC" store convert /etc/ssl/certs/ca-certificates.crt cacerts150.jks --out-pass pass:changeit --force 2>/dev/null
fi
make_bigca() {
  [ -f bigca/index.tsv ] && return 0
  echo "making a CA with 100,000 index records..." >&2
  rm -rf bigca
  "$KC" ca init bigca --subject "CN=Bench CA" 2>/dev/null
  # Records written directly (issuing 100,000 certificates would take minutes); serials
  # are distinct 16-byte hex, as the CA draws them.
  awk 'BEGIN { OFS = "\t"; print "serial", "status", "not_after", "revoked_at", "reason", "subject", "sans", "file"
    for (i = 1; i <= 100000; i++) { s = sprintf("10%030d", i)
      print s, "V", "2030-01-01T00:00:00Z", "-", "-", "CN=host" i ".bench", "DNS:host" i ".bench", "certs/" s ".pem" } }' > bigca/index.tsv
  "$KC" csr new --key ec.key --subject "CN=bench.example.org" --out bench.csr 2>/dev/null
}
# The doctor section's fleet, made once for it and for the growth section:
# 1,000 stores (700 PKCS#12, 300 JKS) of 50 certificates each: 50,000 certificates.
make_fleet() {
  [ -d fleet ] && return 0
  echo "making the doctor tree..." >&2
  "$MAKE_DOCTOR_TREE" fleet 1000 50 changeit
}
if has_section ca; then make_bigca; fi
if has_section doctor; then make_fleet; fi
peak_kb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }

for ((i = 0; i < ROUNDS; i++)); do
  for s in $SECTIONS; do
    case $s in
      keys)
        time_cmd kc-ec "$KC" key new --type ec:p256 --out k1.pem --force
        time_cmd kc-ec-stdout "$KC" key new --type ec:p256
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
      pki)
        time_cmd kc-pki-ec kc_pki ec:p256
        time_cmd os-pki-ec os_pki ec:p256
        time_cmd kt-pki-ec kt_pki ec:p256
        time_cmd kc-pki-rsa kc_pki rsa:3072
        time_cmd os-pki-rsa os_pki rsa:3072
        time_cmd kt-pki-rsa kt_pki rsa:3072
        time_cmd kc-pkinew bash -c "rm -rf pn && $KC pki new pn"
        time_cmd os-pkinew os_pki_files
        time_cmd kt-pkinew kt_pki_files
        ;;
      stores)
        time_cmd kc-list5000 "$KC" store list trust5000.p12 --pass pass:changeit
        time_cmd kt-list5000 keytool -list -keystore trust5000.p12 -storetype PKCS12 -storepass changeit
        time_cmd os-list5000 openssl pkcs12 -in trust5000.p12 -nokeys -passin pass:changeit -out /dev/null
        time_cmd kc-bundle "$KC" store convert /etc/ssl/certs/ca-certificates.crt b.p12 --out-pass pass:changeit --force
        time_cmd os-bundle openssl pkcs12 -export -nokeys -in /etc/ssl/certs/ca-certificates.crt -passout pass:changeit -out b2.p12
        ;;
      java)
        time_cmd kc-cacerts "$KC" store convert cacerts150.jks c.p12 --pass pass:changeit --force
        time_cmd kt-cacerts bash -c "rm -f c2.p12; keytool -importkeystore -srckeystore cacerts150.jks -srcstorepass changeit -destkeystore c2.p12 -deststoretype PKCS12 -deststorepass changeit -noprompt"
        time_cmd kc-jlist5000 "$KC" store list trust5000.jks --pass pass:changeit
        time_cmd kt-jlist5000 keytool -list -keystore trust5000.jks -storepass changeit
        ;;
      select)
        time_cmd kc-sel-p12 "$KC" select --store keys10000.p12 --pass pass:changeit --ca-names names100.pem --first
        time_cmd kc-sel-jks "$KC" select --store keys10000.jks --pass pass:changeit --ca-names names100.pem --first
        time_cmd kc-list-keys-p12 "$KC" store list keys10000.p12 --pass pass:changeit
        ;;
      ca)
        time_cmd kc-sign-100k "$KC" ca sign bigca --csr bench.csr --out signed.crt --force
        time_cmd kc-issue-100k "$KC" ca issue bigca bench.test --out-dir . --force
        time_cmd kc-list-100k "$KC" ca list bigca
          ;;
      doctor)
        # With the password: MACs verified, certificate safes and keys decrypted (the
        # key-match rule); without: what can be checked without opening the stores.
        time_cmd kc-doctor "$KC" doctor fleet --pass pass:changeit --json
        time_cmd kc-doctor-nopass "$KC" doctor fleet --json
        ;;
      growth) ;; # its own rounds, below
      csr)
        time_cmd kc-csr "$KC" csr new --key ec.key --subject "CN=bench.example.org,O=Acme" --san dns:bench.example.org --out r1.csr --force
        time_cmd kc-csr-stdout "$KC" csr new --key ec.key --subject "CN=bench.example.org,O=Acme" --san dns:bench.example.org
        time_cmd os-csr openssl req -new -key ec.key -subj "/O=Acme/CN=bench.example.org" -addext subjectAltName=DNS:bench.example.org -out r2.csr
        ;;
    esac
  done
done

row3() { # row3 TASK KC PEER1 PEER2 : keychest, peer1, peer2 and both ratios
  local k a b; k=$(median_ms "${SAMPLES[$2]}"); a=$(median_ms "${SAMPLES[$3]}"); b=$(median_ms "${SAMPLES[$4]}")
  printf '| %s | %s | %s | %s | %s× | %s× |\n' "$1" "$k" "$a" "$b" \
    "$(awk -v k="$k" -v o="$a" 'BEGIN{printf "%.1f", o/k}')" "$(awk -v k="$k" -v o="$b" 'BEGIN{printf "%.1f", o/k}')"
}
if has_section keys csr; then
  echo "Medians over $ROUNDS interleaved rounds (RSA-4096: $(( (ROUNDS + 2) / 3 ))), whole processes, ms."
  echo
  echo "| task | keychest | openssl | openssl / keychest |"
  echo "|---|---|---|---|"
fi
for s in $SECTIONS; do
  case $s in
    keys)
      row "EC P-256 key (file, fsynced)" kc-ec os-ec
      row "EC P-256 key (to stdout)" kc-ec-stdout os-ec
      row "RSA-2048 key" kc-rsa2048 os-rsa2048
      row "RSA-3072 key" kc-rsa3072 os-rsa3072
      row "RSA-4096 key" kc-rsa4096 os-rsa4096
      ;;
    csr)
      row "CSR (P-256, SAN; file, fsynced)" kc-csr os-csr
      row "CSR (P-256, SAN; to stdout)" kc-csr-stdout os-csr
      ;;
  esac
done
if has_section pki stores java select ca; then
  echo
  echo "| task | keychest | openssl | keytool | openssl / keychest | keytool / keychest |"
  echo "|---|---|---|---|---|---|"
fi
for s in $SECTIONS; do
  case $s in
    pki)
      row3 "PKI: root + intermediate + server + client, EC P-256" kc-pki-ec os-pki-ec kt-pki-ec
      row3 "PKI: root + intermediate + server + client, RSA-3072" kc-pki-rsa os-pki-rsa kt-pki-rsa
      row3 "pki new (EC P-256) vs scripts writing the same stores" kc-pkinew os-pkinew kt-pkinew
      ;;
    stores)
      row3 "list a 5,000-entry PKCS#12 truststore" kc-list5000 os-list5000 kt-list5000
      row "convert Debian's CA bundle (PEM) to PKCS#12" kc-bundle os-bundle
      ;;
    java)
      printf '| %s | %s | - | %s | - | %s× |\n' "convert a 150-entry JKS (system CAs) to PKCS#12" "$(median_ms "${SAMPLES[kc-cacerts]}")" "$(median_ms "${SAMPLES[kt-cacerts]}")" "$(awk -v k="$(median_ms "${SAMPLES[kc-cacerts]}")" -v o="$(median_ms "${SAMPLES[kt-cacerts]}")" 'BEGIN{printf "%.1f", o/k}')"
      printf '| %s | %s | - | %s | - | %s× |\n' "list a 5,000-entry JKS" "$(median_ms "${SAMPLES[kc-jlist5000]}")" "$(median_ms "${SAMPLES[kt-jlist5000]}")" "$(awk -v k="$(median_ms "${SAMPLES[kc-jlist5000]}")" -v o="$(median_ms "${SAMPLES[kt-jlist5000]}")" 'BEGIN{printf "%.1f", o/k}')"
      ;;
    doctor)
      printf '| doctor: 1,000 stores, 50,000 certificates, with password | %s | | | | |\n' "$(median_ms "${SAMPLES[kc-doctor]}")"
      printf '| doctor: 1,000 stores, without password | %s | | | | |\n' "$(median_ms "${SAMPLES[kc-doctor-nopass]}")"
      ;;
    select)
      printf '| select --ca-names (100 names), 10,000 key entries, PKCS#12 | %s | | | | |\n' "$(median_ms "${SAMPLES[kc-sel-p12]}")"
      printf '| select --ca-names (100 names), 10,000 key entries, JKS | %s | | | | |\n' "$(median_ms "${SAMPLES[kc-sel-jks]}")"
      printf '| store list, 10,000 key entries, PKCS#12 | %s | | | | |\n' "$(median_ms "${SAMPLES[kc-list-keys-p12]}")"
      ;;
    ca)
      printf '| ca sign, CA with 100,000 index records | %s | | | | |\n' "$(median_ms "${SAMPLES[kc-sign-100k]}")"
      printf '| ca issue (new P-256 key), 100,000 records | %s | | | | |\n' "$(median_ms "${SAMPLES[kc-issue-100k]}")"
      printf '| ca list, 100,000 records | %s | | | | |\n' "$(median_ms "${SAMPLES[kc-list-100k]}")"
      ;;
  esac
done
if has_section stores java; then
  echo
  echo "Peak memory (max RSS, KiB): store file sizes in bytes for reference"
  echo
  echo "| task | keychest | peer | store size |"
  echo "|---|---|---|---|"
  echo "| list 5,000-entry PKCS#12 | $(peak_kb "$KC" store list trust5000.p12 --pass pass:changeit) | keytool $(peak_kb keytool -list -keystore trust5000.p12 -storetype PKCS12 -storepass changeit) | $(stat -c %s trust5000.p12) |"
  echo "| list 5,000-entry JKS | $(peak_kb "$KC" store list trust5000.jks --pass pass:changeit) | keytool $(peak_kb keytool -list -keystore trust5000.jks -storepass changeit) | $(stat -c %s trust5000.jks) |"
  echo "| convert 150-entry JKS to PKCS#12 | $(peak_kb "$KC" store convert cacerts150.jks c.p12 --pass pass:changeit --force) | keytool $(peak_kb bash -c "rm -f c3.p12; keytool -importkeystore -srckeystore cacerts150.jks -srcstorepass changeit -destkeystore c3.p12 -deststoretype PKCS12 -deststorepass changeit -noprompt") | $(stat -c %s cacerts150.jks) |"
  echo "| select over 10,000 PKCS#12 key entries | $(peak_kb "$KC" select --store keys10000.p12 --pass pass:changeit --ca-names names100.pem --first) | - | $(stat -c %s keys10000.p12) |"
fi
if has_section growth; then
  # shellcheck source=benches/growth.sh
  source "$BENCHES/growth.sh"
fi
