//! Interop: stores written by the JKS/JCEKS codec must be accepted by the JDK.
//! Keys and certificates are made with openssl at test time; keytool checks the
//! listing and uses the private keys (`-certreq`), and a small Java program loads
//! the JCEKS secret keys and prints them. Needs the JDK and openssl (see
//! `tests/common/peers.rs`).

mod common;

use std::path::Path;
use std::process::Command;

use keychest::codec::java::container::{
    JavaEntry, JavaEntryBody, JavaKeystore, JavaStoreKind, encode,
};
use keychest::codec::java::protect::{
    SecretKeyMaterial, protect_private_key_jceks, protect_private_key_jks, seal_secret_key,
};
use zeroize::Zeroizing;

const STORE_PW: &str = "storepass";
const KEY_PW: &str = "keypass";
const UMLAUT_ALIAS: &str = "zertifikat-ä";

/// Runs a command (UTF-8 locale so Java prints the non-ASCII alias faithfully)
/// and returns stdout; panics with stderr on failure.
fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A self-signed certificate and its PKCS#8 key, both DER, from openssl.
fn openssl_key_and_cert(dir: &Path, name: &str, newkey: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let (key_pem, cert_der, key_der) = (
        format!("{name}.key.pem"),
        format!("{name}.crt.der"),
        format!("{name}.key.der"),
    );
    let subj = format!("/CN={name}");
    let mut args = vec!["req", "-x509", "-nodes", "-days", "30", "-subj", &subj];
    args.extend_from_slice(newkey);
    args.extend_from_slice(&["-keyout", &key_pem, "-outform", "DER", "-out", &cert_der]);
    run(dir, "openssl", &args);
    // `pkey -outform DER` would write PKCS#1 for RSA; `pkcs8 -topk8` is PKCS#8.
    run(
        dir,
        "openssl",
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", &key_pem, "-outform", "DER", "-out", &key_der,
        ],
    );
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    (read(&key_der), read(&cert_der))
}

fn key_entry(alias: &str, protected_key: Vec<u8>, cert: &[u8]) -> JavaEntry {
    JavaEntry {
        alias: alias.into(),
        created_ms: 1_700_000_000_000,
        body: JavaEntryBody::PrivateKey {
            protected_key,
            chain: vec![cert.to_vec()],
        },
    }
}

fn cert_entry(alias: &str, cert: &[u8]) -> JavaEntry {
    JavaEntry {
        alias: alias.into(),
        created_ms: 1_700_000_000_000,
        body: JavaEntryBody::TrustedCert {
            cert: cert.to_vec(),
        },
    }
}

fn secret_entry(alias: &str, algorithm: &str, key: &[u8]) -> JavaEntry {
    let material = SecretKeyMaterial {
        algorithm: algorithm.into(),
        format: "RAW".into(),
        key: Zeroizing::new(key.to_vec()),
    };
    JavaEntry {
        alias: alias.into(),
        created_ms: 1_700_000_000_000,
        body: JavaEntryBody::SecretKey {
            sealed: seal_secret_key(&material, KEY_PW).unwrap(),
        },
    }
}

const READ_SECRETS_JAVA: &str = r#"
import java.io.FileInputStream;
import java.security.Key;
import java.security.KeyStore;

public class ReadSecrets {
    public static void main(String[] args) throws Exception {
        KeyStore ks = KeyStore.getInstance("JCEKS");
        try (FileInputStream in = new FileInputStream(args[0])) {
            ks.load(in, args[1].toCharArray());
        }
        for (int i = 3; i < args.length; i++) {
            Key k = ks.getKey(args[i], args[2].toCharArray());
            StringBuilder hex = new StringBuilder();
            for (byte b : k.getEncoded()) hex.append(String.format("%02x", b));
            System.out.println(args[i] + "=" + k.getAlgorithm() + ":" + hex);
        }
    }
}
"#;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn keytool_and_java_accept_codec_output() {
    if !common::have(&["keytool", "javac", "java", "openssl"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (rsa_key, rsa_cert) = openssl_key_and_cert(dir, "rsa", &["-newkey", "rsa:2048"]);
    let (ec_key, ec_cert) = openssl_key_and_cert(
        dir,
        "ec",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );

    let jks = JavaKeystore {
        kind: JavaStoreKind::Jks,
        entries: vec![
            key_entry(
                "rsa",
                protect_private_key_jks(&rsa_key, KEY_PW).unwrap(),
                &rsa_cert,
            ),
            key_entry(
                "ec",
                protect_private_key_jks(&ec_key, KEY_PW).unwrap(),
                &ec_cert,
            ),
            cert_entry(UMLAUT_ALIAS, &rsa_cert),
        ],
    };
    std::fs::write(dir.join("out.jks"), encode(&jks, STORE_PW).unwrap()).unwrap();

    let (aes, hmac, desede) = ([0x11u8; 32], [0x22u8; 32], (1u8..=24).collect::<Vec<_>>());
    let jceks = JavaKeystore {
        kind: JavaStoreKind::Jceks,
        entries: vec![
            key_entry(
                "ec",
                protect_private_key_jceks(&ec_key, KEY_PW).unwrap(),
                &ec_cert,
            ),
            cert_entry("ca", &rsa_cert),
            secret_entry("aes", "AES", &aes),
            secret_entry("hmac", "HmacSHA256", &hmac),
            secret_entry("desede", "DESede", &desede),
        ],
    };
    std::fs::write(dir.join("out.jceks"), encode(&jceks, STORE_PW).unwrap()).unwrap();

    let list = |store: &str, kind: &str| {
        run(
            dir,
            "keytool",
            &[
                "-J-Duser.language=en",
                "-list",
                "-v",
                "-keystore",
                store,
                "-storetype",
                kind,
                "-storepass",
                STORE_PW,
            ],
        )
    };
    let jks_list = list("out.jks", "JKS");
    assert!(
        jks_list.contains("Your keystore contains 3 entries"),
        "{jks_list}"
    );
    let umlaut = format!("Alias name: {UMLAUT_ALIAS}");
    for needle in ["Alias name: rsa", "Alias name: ec", umlaut.as_str()] {
        assert!(
            jks_list.contains(needle),
            "missing {needle:?} in\n{jks_list}"
        );
    }
    assert_eq!(jks_list.matches("Entry type: PrivateKeyEntry").count(), 2);
    assert_eq!(jks_list.matches("Entry type: trustedCertEntry").count(), 1);

    let jceks_list = list("out.jceks", "JCEKS");
    assert!(
        jceks_list.contains("Your keystore contains 5 entries"),
        "{jceks_list}"
    );
    assert_eq!(jceks_list.matches("Entry type: SecretKeyEntry").count(), 3);

    // -certreq signs with the private key: proves Java can decrypt it.
    for (store, kind, alias) in [
        ("out.jks", "JKS", "rsa"),
        ("out.jks", "JKS", "ec"),
        ("out.jceks", "JCEKS", "ec"),
    ] {
        let csr = run(
            dir,
            "keytool",
            &[
                "-certreq",
                "-keystore",
                store,
                "-storetype",
                kind,
                "-storepass",
                STORE_PW,
                "-alias",
                alias,
                "-keypass",
                KEY_PW,
            ],
        );
        assert!(
            csr.contains("BEGIN NEW CERTIFICATE REQUEST"),
            "{store} {alias}: {csr}"
        );
    }

    std::fs::write(dir.join("ReadSecrets.java"), READ_SECRETS_JAVA).unwrap();
    run(dir, "javac", &["ReadSecrets.java"]);
    let secrets = run(
        dir,
        "java",
        &[
            "-cp",
            ".",
            "ReadSecrets",
            "out.jceks",
            STORE_PW,
            KEY_PW,
            "aes",
            "hmac",
            "desede",
        ],
    );
    let expected = format!(
        "aes=AES:{}\nhmac=HmacSHA256:{}\ndesede=DESede:{}\n",
        hex(&aes),
        hex(&hmac),
        hex(&desede)
    );
    assert_eq!(secrets, expected);
}
