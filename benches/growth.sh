# The "growth" section of benches/bench.sh (sourced by it, in its working folder, with KC,
# MAKE_STORE, ROUNDS and its helpers (make_bigca, make_fleet) set): inputs that once made keychest
# slow down faster than linearly (issue 11), and doctor's folder of stores. Each case runs ROUNDS times,
# interleaved with the same case run by an older keychest (KC_OLD=PATH, optional) and by
# openssl/keytool where they do the same work. Every run is capped at GROW_CAP seconds
# (default 60): a contender that hits the cap is reported as "> 60 s" and not run again.
# Prints one Markdown table: median (min–max) in ms, the target and whether it is met.
# GROW_ONLY="doctor pem" runs only the cases whose label starts with one of those words
# (and makes only their inputs).

GROW_CAP=${GROW_CAP:-60}
KC_OLD=${KC_OLD:-}
declare -A GROW_STATE # LABEL -> "cap" once a run hit the cap, "exit N" once it failed

GROW_ONLY=${GROW_ONLY:-}
# grow_wants LABEL: whether GROW_ONLY (if set) selects this case, or (for an input) a case
# whose label starts with LABEL.
grow_wants() {
  local w; [ -z "$GROW_ONLY" ] && return 0
  for w in $GROW_ONLY; do [[ $1 == "$w"* || $w == "$1"* ]] && return 0; done; return 1
}
# grow_run LABEL EXPECTED_EXITS CMD...: one capped, timed run of CMD; a run ending with an
# exit status not in EXPECTED_EXITS (space-separated) is recorded as a failure (an old
# binary lacking an option must not pass for a fast one).
grow_run() {
  local label=$1 want=$2; shift 2
  if [ -n "${GROW_STATE[$label]:-}" ] || ! grow_wants "$label"; then return 0; fi
  local t0 t1 rc=0
  t0=$(now_ns); timeout "$GROW_CAP" "$@" >/dev/null 2>"grow-$label.err" || rc=$?; t1=$(now_ns)
  if ((rc == 124)); then
    GROW_STATE[$label]=cap
  elif [[ " $want " != *" $rc "* ]]; then
    GROW_STATE[$label]="exit $rc"
    echo "growth: $label exited $rc: $(head -c 300 "grow-$label.err")" >&2
  else
    SAMPLES[$label]+="$(( (t1 - t0) / 1000 )) "
  fi
}
# grow_stats "SAMPLES_US...": "median min max" in ms.
grow_stats() {
  tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{a[NR]=$1/1000}
    END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f %.3f %.3f\n", m, a[1], a[NR]}'
}
# grow_cell LABEL: "median (min–max)" in ms, or why there is no number.
grow_cell() {
  local state=${GROW_STATE[$1]:-} s=${SAMPLES[$1]:-}
  if [ "$state" = cap ]; then printf '> %s s' "$GROW_CAP"
  elif [ -n "$state" ]; then printf 'failed (%s)' "$state"
  elif [ -z "$s" ]; then printf '–'
  else
    local m lo hi
    read -r m lo hi <<<"$(grow_stats "$s")"
    printf '%.0f (%.0f–%.0f)' "$m" "$lo" "$hi"
  fi
}
# grow_met LABEL TARGET_MS: whether keychest's median is within the target.
grow_met() {
  local s=${SAMPLES[$1]:-}
  if [ -n "${GROW_STATE[$1]:-}" ] || [ -z "$s" ]; then printf 'no'; return; fi
  local m
  read -r m _ <<<"$(grow_stats "$s")"
  awk -v m="$m" -v t="$2" 'BEGIN {print (m <= t) ? "yes" : "no"}'
}

echo "making growth inputs..." >&2
# Leaf-only key stores (the issuer is named, absent from the store) and the full-chain kind.
if grow_wants list || grow_wants sel; then
  "$MAKE_STORE" leaf pkcs12 10000 leaf10000.p12 changeit
  "$MAKE_STORE" leaf jks 10000 leaf10000.jks changeit
  "$MAKE_STORE" keys pkcs12 10000 full10000.p12 changeit
  "$MAKE_STORE" names 100 names100.txt
fi
# PEM bundles: 100,000 distinct certificates, and 4,000 copies of one.
if grow_wants pem || grow_wants dup; then
  "$MAKE_STORE" trust pem 100000 bundle100k.pem changeit
  awk '/BEGIN CERT/{n++} n==1' bundle100k.pem > one.pem
  for ((i = 0; i < 4000; i++)); do cat one.pem; done > dup4000.pem
fi
# A PKCS#12 truststore of 100,000 certificates (what the PEM import above writes).
if grow_wants big; then
  "$MAKE_STORE" trust pkcs12 100000 big100k.p12 changeit
fi
# A PKCS#8 key whose PBKDF2 asks for 2^31 iterations (built with openssl's own DER writer).
cat > hostile.cnf <<'EOF'
asn1=SEQUENCE:epki
[epki]
alg=SEQUENCE:alg
data=FORMAT:HEX,OCT:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
[alg]
oid=OID:1.2.840.113549.1.5.13
params=SEQUENCE:pbes2
[pbes2]
kdf=SEQUENCE:kdf
enc=SEQUENCE:enc
[kdf]
oid=OID:1.2.840.113549.1.5.12
params=SEQUENCE:pbkdf2
[pbkdf2]
salt=FORMAT:HEX,OCT:0102030405060708
iter=INTEGER:2147483648
prf=SEQUENCE:prf
[prf]
oid=OID:1.2.840.113549.2.9
null=NULL
[enc]
oid=OID:2.16.840.1.101.3.4.1.42
iv=FORMAT:HEX,OCT:000102030405060708090a0b0c0d0e0f
EOF
openssl asn1parse -genconf hostile.cnf -out hostile.der -noout
{ echo '-----BEGIN ENCRYPTED PRIVATE KEY-----'; openssl base64 -in hostile.der
  echo '-----END ENCRYPTED PRIVATE KEY-----'; } > hostile.pem
# The CA with 100,000 records (made by bench.sh), one copy per binary: issuing appends.
if grow_wants ca; then
  make_bigca
  rm -rf bigca-new bigca-old && cp -r bigca bigca-new && cp -r bigca bigca-old
  # openssl ca over the same 100,000 records (its index.txt), signing the same request.
  mkdir -p osca/new && cd osca
  openssl req -x509 -new -key ../ec.key -subj "/CN=Bench CA" -days 3650 -out ca.crt 2>/dev/null
  awk 'BEGIN { for (i = 1; i <= 100000; i++) printf "V\t300101000000Z\t\t10%030d\tunknown\t/CN=host%d.bench\n", i, i }' > index.txt
  echo 'unique_subject = no' > index.txt.attr
  openssl rand -hex 16 > serial
  printf '[ca]\ndefault_ca=c\n[c]\ndir=.\ndatabase=index.txt\nserial=serial\nnew_certs_dir=new\ncertificate=ca.crt\nprivate_key=../ec.key\ndefault_md=sha256\ndefault_days=398\npolicy=p\n[p]\ncommonName=supplied\n' > ca.cnf
  cd ..
fi
# Doctor (when this keychest has it): 1,000 stores of 50 certificates (the doctor section's
# fleet: a key entry with its chain and trusted certificates each; PKCS#12 and JKS).
HAVE_DOCTOR=
if grow_wants doctor && "$KC" doctor --help >/dev/null 2>&1; then
  HAVE_DOCTOR=1
  make_fleet
fi

for ((i = 0; i < ROUNDS; i++)); do
  echo "growth round $((i + 1))/$ROUNDS" >&2
  for who in new old; do
    B=$KC; if [ $who = old ]; then B=$KC_OLD; fi
    if [ -z "$B" ]; then continue; fi
    grow_run list-leaf-p12-$who 0 "$B" store list leaf10000.p12 --pass pass:changeit
    grow_run list-leaf-jks-$who 0 "$B" store list leaf10000.jks --pass pass:changeit
    grow_run list-full-p12-$who 0 "$B" store list full10000.p12 --pass pass:changeit
    grow_run sel-leaf-p12-$who 0 "$B" select --store leaf10000.p12 --pass pass:changeit --ca-names names100.txt --first
    grow_run sel-leaf-jks-$who 0 "$B" select --store leaf10000.jks --pass pass:changeit --ca-names names100.txt --first
    grow_run sel-full-p12-$who 0 "$B" select --store full10000.p12 --pass pass:changeit --ca-names names100.txt --first
    grow_run pem-list-$who 0 "$B" store list bundle100k.pem
    rm -f imp-$who.p12
    grow_run pem-import-$who 0 "$B" store import imp-$who.p12 --cert bundle100k.pem --pass pass:changeit
    grow_run pem-show-$who 0 "$B" show bundle100k.pem
    grow_run big-p12-list-$who 0 "$B" store list big100k.p12 --pass pass:changeit
    grow_run dup-list-$who 0 "$B" store list dup4000.pem
    rm -f dup-$who.p12
    grow_run dup-import-$who 0 "$B" store import dup-$who.p12 --cert dup4000.pem --pass pass:changeit
    grow_run dup-show-$who 0 "$B" show dup4000.pem
    grow_run ca-sign-$who 0 "$B" ca sign bigca-$who --csr bench.csr --out signed-$who.crt --force
    grow_run ca-issue-$who 0 "$B" ca issue bigca-$who bench.test --out-dir . --force
    grow_run kdf-$who 1 "$B" key pub hostile.pem --pass pass:x
    if [ $who = new ] && [ -n "$HAVE_DOCTOR" ]; then
      # Exit 3 is "errors found" (the stores' CA is absent), a finished check all the same.
      grow_run doctor-new "0 3" "$B" doctor fleet --pass pass:changeit
    fi
  done
  grow_run list-leaf-p12-os 0 openssl pkcs12 -in leaf10000.p12 -nokeys -passin pass:changeit -out /dev/null
  grow_run list-leaf-p12-kt 0 keytool -list -keystore leaf10000.p12 -storetype PKCS12 -storepass changeit
  grow_run list-leaf-jks-kt 0 keytool -list -keystore leaf10000.jks -storepass changeit
  grow_run list-full-p12-os 0 openssl pkcs12 -in full10000.p12 -nokeys -passin pass:changeit -out /dev/null
  grow_run pem-list-os 0 openssl storeutl -noout -certs bundle100k.pem
  rm -f imp-os.p12
  grow_run pem-import-os 0 openssl pkcs12 -export -nokeys -in bundle100k.pem -passout pass:changeit -out imp-os.p12
  grow_run pem-show-os 0 openssl storeutl -noout -text -certs bundle100k.pem
  grow_run big-p12-list-os 0 openssl pkcs12 -in big100k.p12 -nokeys -passin pass:changeit -out /dev/null
  grow_run dup-list-os 0 openssl storeutl -noout -certs dup4000.pem
  rm -f dup-os.p12
  grow_run dup-import-os 0 openssl pkcs12 -export -nokeys -in dup4000.pem -passout pass:changeit -out dup-os.p12
  if [ -d osca ]; then
    cd osca; grow_run ca-sign-os 0 openssl ca -batch -config ca.cnf -in ../bench.csr -out ../signed-os.crt -notext; cd ..
  fi
  grow_run kdf-os 1 openssl pkey -in hostile.pem -passin pass:x -noout
done

# grow_row CASE LABEL TARGET_TEXT TARGET_MS [PEER_LABEL PEER_NAME]...
grow_row() {
  local case=$1 label=$2 ttext=$3 tms=$4; shift 4
  if ! grow_wants "$label"; then return 0; fi
  local met='–' peers=''
  if [ -n "$tms" ]; then met=$(grow_met "$label-new" "$tms"); fi
  while (($#)); do peers+="${peers:+; }$2 $(grow_cell "$label-$1")"; shift 2; done
  printf '| %s | %s | %s | %s | %s | %s |\n' "$case" "$(grow_cell "$label-old")" \
    "$(grow_cell "$label-new")" "$ttext" "$met" "${peers:-–}"
}
echo
echo "Growth: medians (min–max) of $ROUNDS rounds, ms; whole processes; runs capped at $GROW_CAP s."
echo
echo "| case | old | new | target | met? | peers, same run |"
echo "|---|---|---|---|---|---|"
grow_row "store list, 10,000 leaf-only key entries, PKCS#12" list-leaf-p12 "≤ 300" 300 os openssl kt keytool
grow_row "store list, 10,000 leaf-only key entries, JKS" list-leaf-jks "≤ 300" 300 kt keytool
grow_row "store list, 10,000 full-chain key entries, PKCS#12" list-full-p12 "–" "" os openssl
grow_row "select, 10,000 leaf-only entries × 100 CA names, PKCS#12" sel-leaf-p12 "≤ 500" 500
grow_row "select, 10,000 leaf-only entries × 100 CA names, JKS" sel-leaf-jks "≤ 500" 500
grow_row "select, 10,000 full-chain entries × 100 CA names, PKCS#12" sel-full-p12 "–" ""
grow_row "store list, PEM bundle of 100,000 certificates" pem-list "≤ 2000" 2000 os "openssl storeutl"
grow_row "store import --cert, 100,000 certificates into a new PKCS#12" pem-import "≤ 2000" 2000 os "openssl pkcs12 -export"
grow_row "show, PEM bundle of 100,000 certificates" pem-show "≤ 2000" 2000 os "openssl storeutl -text"
grow_row "store list, PKCS#12 truststore of 100,000 certificates" big-p12-list "–" "" os "openssl pkcs12 -nokeys"
grow_row "store list, 4,000 copies of one certificate" dup-list "≤ 2000" 2000 os "openssl storeutl"
grow_row "store import --cert, 4,000 copies of one certificate" dup-import "≤ 2000" 2000 os "openssl pkcs12 -export"
grow_row "show, 4,000 copies of one certificate" dup-show "≤ 2000" 2000
grow_row "ca sign, 100,000 index records" ca-sign "≤ 50" 50 os "openssl ca"
grow_row "ca issue (new P-256 key), 100,000 index records" ca-issue "≤ 50" 50
grow_row "key with 2^31 PBKDF2 iterations refused (key pub)" kdf "milliseconds (≤ 100)" 100 os "openssl pkey"
if [ -n "$HAVE_DOCTOR" ]; then
  grow_row "doctor, folder of 1,000 stores (50,000 certificates)" doctor "≤ 2000" 2000
fi
