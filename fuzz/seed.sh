#!/bin/sh
# Fills fuzz/corpus/<target>/ with seeds made from ../fixtures (run from anywhere).
# The corpus itself is not committed (see /.gitignore); fuzz/seeds/ holds the few
# hand-written text seeds that have no fixture.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fx="$here/../fixtures"
c="$here/corpus"
mkdir -p "$c"
for t in sniff pem inspect keyfile pkcs12 jks jks_sealed dn ca_names ca_index; do
    mkdir -p "$c/$t"
done
cp "$fx"/certs/* "$fx"/pkcs12/*.p12 "$fx"/jks/*.jks "$fx"/jks/*.jceks "$c/sniff/"
cp "$fx"/certs/*.pem "$fx"/certs/*.crt "$fx"/certs/*.csr "$fx"/certs/*.crl "$c/pem/"
cp "$fx"/certs/* "$c/inspect/"
cp "$fx"/certs/*.key.pem "$c/keyfile/"
cp "$fx"/pkcs12/*.p12 "$c/pkcs12/"
cp "$fx"/jks/*.jks "$fx"/jks/*.jceks "$c/jks/"
cp "$fx"/certs/chain.pem "$fx"/certs/ca-extensions.crt "$c/ca_names/"
cp "$here"/seeds/dn/* "$c/dn/"
cp "$here"/seeds/ca_names/* "$c/ca_names/"
cp "$here"/seeds/ca_index/* "$c/ca_index/"

# Encrypted keys in every form keyfile.rs reads, password "changeit" (as the target uses).
if command -v openssl >/dev/null 2>&1; then
    k="$fx/certs/ca.key.pem"
    openssl pkcs8 -topk8 -in "$k" -passout pass:changeit -out "$c/keyfile/pbes2-aes.pem" 2>/dev/null || true
    openssl pkcs8 -topk8 -in "$k" -passout pass:changeit -outform DER -out "$c/keyfile/pbes2-aes.der" 2>/dev/null || true
    openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in "$k" -passout pass:changeit -out "$c/keyfile/pbes1-3des.pem" 2>/dev/null || true
    openssl pkcs8 -topk8 -nocrypt -in "$k" -outform DER -out "$c/keyfile/plain.der" 2>/dev/null || true
    openssl ec -in "$k" -aes128 -passout pass:changeit -out "$c/keyfile/trad-ec.pem" 2>/dev/null || true
    openssl ec -in "$k" -out "$c/keyfile/sec1.pem" 2>/dev/null || true
    cp "$c"/keyfile/* "$c/inspect/"
fi

# The sealed secret keys inside secrets.jceks, cut out exactly (the JCEKS layout has no
# length before a sealed object; its end is where the next entry parses).
python3 - "$fx/jks/secrets.jceks" "$c/jks_sealed" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
end = len(data) - 20
def utf(p):
    (n,) = struct.unpack_from('>H', data, p); return p + 2 + n
def entry(p):
    """Returns the end of the entry at p if it and all after it parse to `end`."""
    if p == end: return [p]
    if p + 4 > end: return None
    (tag,) = struct.unpack_from('>I', data, p)
    if tag not in (1, 2, 3): return None
    q = utf(p + 4) + 8
    if q > end: return None
    if tag == 1:
        (n,) = struct.unpack_from('>I', data, q); q += 4 + n
        (cnt,) = struct.unpack_from('>I', data, q); q += 4
        for _ in range(cnt):
            q = utf(q); (n,) = struct.unpack_from('>I', data, q); q += 4 + n
    elif tag == 2:
        q = utf(q); (n,) = struct.unpack_from('>I', data, q); q += 4 + n
    else:
        for r in range(q + 4, end + 1):
            try:
                rest = entry(r)
            except struct.error:
                rest = None
            if rest is not None:
                return [(q, r)] + rest
        return None
    if q > end: return None
    return entry(q)
found = [x for x in entry(12) if isinstance(x, tuple)]
for i, (a, b) in enumerate(found):
    open(f"{sys.argv[2]}/sealed{i}.ser", 'wb').write(data[a:b])
print(f"jks_sealed: {len(found)} sealed objects")
PY
echo "corpus in $c"
