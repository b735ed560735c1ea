//! Benchmark input generator (not part of the tool): writes a store with N entries made
//! with keychest's own library, so benchmarks can measure listing and selection at scale.
//!
//!   cargo run --release --example make_store -- KIND FORMAT N OUT PASSWORD [CA_CERT_OUT]
//!   KIND: trust (N trusted certificates), keys (N private-key entries with chains of 2:
//!   leaf and CA), or leaf (N private-key entries holding only their leaf, as `openssl
//!   pkcs12 -export` writes without `-certfile` and keytool keeps a key whose chain was
//!   never imported: the issuer is named but absent)
//!
//!   cargo run --release --example make_store -- names N OUT
//!   writes a `--ca-names` file of N DNs, one per line: N - 1 other CAs, then the bench CA
//!   that issued every entry above, last, so a match is found only after every other name.

use der::Encode;
use keychest::codec::{self, EncodeOptions};
use keychest::pki::cert::{CertParams, basic_constraints, sign};
use keychest::pki::key::{KeyType, PrivateKey};
use keychest::pki::name::parse_dn;
use keychest::store::{Entry, EntryBody, Format, Keystore, PrivateKeyData};

/// The issuer of every generated entry; `names` lists it last.
const BENCH_CA: &str = "CN=Bench CA,O=keychest bench";

/// `n` acceptable CA names (RFC 4514, one per line), ending with the bench CA.
fn ca_names(n: usize) -> String {
    let mut out = String::new();
    for i in 1..n {
        out.push_str(&format!("CN=Other CA {i},O=Elsewhere {i},C=US\n"));
    }
    if n > 0 {
        out.push_str(BENCH_CA);
        out.push('\n');
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [kind, n, out] = args.as_slice()
        && kind == "names"
    {
        let n: usize = n.parse().expect("N");
        std::fs::write(out, ca_names(n)).unwrap();
        return;
    }
    let [kind, format, n, out, password, rest @ ..] = args.as_slice() else {
        eprintln!(
            "usage: make_store trust|keys|leaf pkcs12|jks|jceks|pem N OUT PASSWORD [CA_CERT_OUT]\n       make_store names N OUT"
        );
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N");
    if !matches!(kind.as_str(), "trust" | "keys" | "leaf") {
        eprintln!("make_store: unknown KIND {kind} (trust, keys, leaf or names)");
        std::process::exit(2);
    }
    let format = match format.as_str() {
        "pkcs12" => Format::Pkcs12,
        "jks" => Format::Jks,
        "jceks" => Format::Jceks,
        _ => Format::Pem,
    };
    let now = 1_790_000_000i64;
    let ca_key = PrivateKey::generate(KeyType::P256).unwrap();
    let ca_name = parse_dn(BENCH_CA).unwrap().to_der().unwrap();
    let ca_spki = ca_key.public_key_info().unwrap().to_der().unwrap();
    let ca = sign(
        &CertParams {
            serial: &[1],
            issuer: &ca_name,
            subject: &ca_name,
            spki: &ca_spki,
            not_before: now,
            not_after: now + 3650 * 86400,
            extensions: vec![basic_constraints(true, None).unwrap()],
        },
        &ca_key,
    )
    .unwrap();
    if let Some(path) = rest.first() {
        std::fs::write(path, keychest::pem::encode("CERTIFICATE", &ca)).unwrap();
    }
    // One leaf key shared by all key entries keeps generation fast; each certificate differs.
    let leaf_key = PrivateKey::generate(KeyType::P256).unwrap();
    let leaf_spki = leaf_key.public_key_info().unwrap().to_der().unwrap();
    let pkcs8 = leaf_key.to_pkcs8_der().unwrap();
    let mut store = Keystore::default();
    for i in 0..n {
        let subject = parse_dn(&format!("CN=entry {i},O=keychest bench"))
            .unwrap()
            .to_der()
            .unwrap();
        let serial = ((i as u64) + 2).to_be_bytes();
        let cert = sign(
            &CertParams {
                serial: &serial[serial.iter().position(|&b| b != 0).unwrap_or(7)..],
                issuer: &ca_name,
                subject: &subject,
                spki: &leaf_spki,
                not_before: now,
                not_after: now + 365 * 86400 + i as i64,
                extensions: vec![basic_constraints(kind == "trust", None).unwrap()],
            },
            &ca_key,
        )
        .unwrap();
        let body = match kind.as_str() {
            "trust" => EntryBody::TrustedCert { cert },
            "keys" => EntryBody::PrivateKey {
                key: PrivateKeyData::Pkcs8(pkcs8.clone()),
                chain: vec![cert, ca.clone()],
            },
            _ => EntryBody::PrivateKey {
                key: PrivateKeyData::Pkcs8(pkcs8.clone()),
                chain: vec![cert],
            },
        };
        store.entries.push(Entry {
            alias: format!("entry-{i}"),
            created_ms: Some(now * 1000),
            body,
        });
    }
    let bytes = codec::encode(
        format,
        &store,
        &EncodeOptions {
            password: Some(password),
            compat: Default::default(),
        },
    )
    .unwrap();
    std::fs::write(out, bytes).unwrap();
}
