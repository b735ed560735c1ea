//! Benchmark input generator for `keychest doctor` (not part of the tool): writes a folder
//! of N keystores, as a fleet of servers would have them, made with keychest's own library.
//! Each store holds one key entry (leaf, intermediate, root) and trusted certificates up to
//! C certificates in all; 7 in 10 are PKCS#12 (modern preset), 3 in 10 JKS, 100 per folder.
//!
//!   cargo run --release --example make_doctor_tree -- OUT_DIR N C PASSWORD

use der::Encode;
use keychest::codec::{self, EncodeOptions};
use keychest::pki::cert::{
    CertParams, basic_constraints, extended_key_usage, sign, subject_alt_name,
};
use keychest::pki::key::{KeyType, PrivateKey};
use keychest::pki::name::parse_dn;
use keychest::pki::{oids, san};
use keychest::store::{Entry, EntryBody, Format, Keystore, PrivateKeyData};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, n, c, password] = args.as_slice() else {
        eprintln!("usage: make_doctor_tree OUT_DIR N CERTS_PER_STORE PASSWORD");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N");
    let c: usize = c.parse().expect("CERTS_PER_STORE");
    assert!(c >= 3, "a key entry alone holds 3 certificates");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let day = 86_400;
    let dn = |s: &str| parse_dn(s).unwrap().to_der().unwrap();
    let spki = |k: &PrivateKey| k.public_key_info().unwrap().to_der().unwrap();
    let mut serial = 1u64;
    let mut cert =
        |issuer: &[u8], subject: &[u8], key_spki: &[u8], signer: &PrivateKey, days: i64, exts| {
            serial += 1;
            let s = serial.to_be_bytes();
            sign(
                &CertParams {
                    serial: &s[s.iter().position(|&b| b != 0).unwrap_or(7)..],
                    issuer,
                    subject,
                    spki: key_spki,
                    not_before: now - day,
                    not_after: now + days * day,
                    extensions: exts,
                },
                signer,
            )
            .unwrap()
        };
    let root_key = PrivateKey::generate(KeyType::P256).unwrap();
    let root_name = dn("CN=Fleet Root,O=keychest bench");
    let root = cert(
        &root_name,
        &root_name,
        &spki(&root_key),
        &root_key,
        3650,
        vec![basic_constraints(true, None).unwrap()],
    );
    let inter_key = PrivateKey::generate(KeyType::P256).unwrap();
    let inter_name = dn("CN=Fleet Issuing CA,O=keychest bench");
    let inter = cert(
        &root_name,
        &inter_name,
        &spki(&inter_key),
        &root_key,
        1825,
        vec![basic_constraints(true, None).unwrap()],
    );
    // Trusted certificates: a pool of 500 CA certificates, each store taking a window of it.
    let pool: Vec<Vec<u8>> = (0..500)
        .map(|i| {
            let name = dn(&format!("CN=Partner CA {i},O=keychest bench"));
            cert(
                &name,
                &name,
                &spki(&root_key),
                &root_key,
                3000,
                vec![basic_constraints(true, None).unwrap()],
            )
        })
        .collect();
    let leaf_key = PrivateKey::generate(KeyType::P256).unwrap();
    let pkcs8 = leaf_key.to_pkcs8_der().unwrap();
    for i in 0..n {
        let host = format!("host{i}.fleet.example");
        let leaf = cert(
            &inter_name,
            &dn(&format!("CN={host}")),
            &spki(&leaf_key),
            &inter_key,
            200,
            vec![
                basic_constraints(false, None).unwrap(),
                extended_key_usage(&[oids::KP_SERVER_AUTH]).unwrap(),
                subject_alt_name(&[san::classify(&host).unwrap()], false).unwrap(),
            ],
        );
        let mut store = Keystore::default();
        store.entries.push(Entry {
            alias: "server".into(),
            created_ms: Some(now * 1000),
            body: EntryBody::PrivateKey {
                key: PrivateKeyData::Pkcs8(pkcs8.clone()),
                chain: vec![leaf, inter.clone(), root.clone()],
            },
        });
        for j in 0..c - 3 {
            store.entries.push(Entry {
                alias: format!("partner-{j}"),
                created_ms: Some(now * 1000),
                body: EntryBody::TrustedCert {
                    cert: pool[(i + j) % pool.len()].clone(),
                },
            });
        }
        let (format, ext) = if i % 10 < 7 {
            (Format::Pkcs12, "p12")
        } else {
            (Format::Jks, "jks")
        };
        let bytes = codec::encode(
            format,
            &store,
            &EncodeOptions {
                password: Some(password),
                compat: Default::default(),
            },
        )
        .unwrap();
        let dir = std::path::Path::new(out).join(format!("site-{:02}", i / 100));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("host{i}.{ext}")), bytes).unwrap();
    }
}
