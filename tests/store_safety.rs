//! Rewriting stores safely: concurrent edits are serialised by the store lock (none is
//! lost), a rewritten store keeps its mode, group, owner and symlinks, PEM keys stay as they
//! were encrypted, what keychest cannot model is refused rather than dropped, an edit that
//! changes nothing writes nothing, and large PEM bundles are read in linear time.

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use common::stores::{assert_exports_key, openssl_pkcs12};
use common::{fails, ok, ok_stderr, openssl_self_signed, p, peer, run};

/// Self-signed EC certificates `CN=c0`, `CN=c1`, … made by openssl, one file each.
fn certs(dir: &Path, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let cert = dir.join(format!("c{i}.pem"));
            let key = dir.join(format!("c{i}.key"));
            openssl_self_signed(&key, &cert, &format!("/CN=c{i}"), 30, &[]);
            cert
        })
        .collect()
}

/// `store import STORE --cert CERT --pass pass:pw`, which must succeed.
fn import_cert(store: &Path, cert: &Path) {
    ok(&[
        "store",
        "import",
        p(store),
        "--cert",
        p(cert),
        "--pass",
        "pass:pw",
    ]);
}

/// `store passwd STORE --pass OLD --new-pass NEW`, which must succeed.
fn change_password(store: &Path, old: &str, new: &str) {
    ok(&[
        "store",
        "passwd",
        p(store),
        "--pass",
        old,
        "--new-pass",
        new,
    ]);
}

/// The aliases of a store, from `store list --json`.
fn aliases(store: &Path, pass: &str) -> Vec<String> {
    let out = ok(&["store", "list", p(store), "--pass", pass, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json listing");
    v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["alias"].as_str().expect("alias").to_string())
        .collect()
}

#[test]
fn forty_parallel_imports_into_one_store_keep_all_forty() {
    let t = tempfile::tempdir().unwrap();
    let certs = certs(t.path(), 40);
    for ext in ["p12", "jks", "pem"] {
        // The store does not exist yet: creating it is part of what is serialised.
        let store = t.path().join(format!("shared.{ext}"));
        let children: Vec<_> = certs
            .iter()
            .map(|c| {
                common::keychest()
                    .args([
                        "store",
                        "import",
                        p(&store),
                        "--cert",
                        p(c),
                        "--pass",
                        "pass:pw",
                    ])
                    .env("KEYCHEST_LOCK_WAIT", "120")
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn keychest")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{ext}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut got = aliases(&store, "pass:pw");
        got.sort();
        let mut want: Vec<String> = (0..40).map(|i| format!("c{i}")).collect();
        want.sort();
        assert_eq!(got, want, "{ext}: every import is in the store");
    }
}

#[test]
fn passwd_beside_an_import_keeps_both_effects() {
    let t = tempfile::tempdir().unwrap();
    let certs = certs(t.path(), 4);
    for round in 0..3 {
        let store = t.path().join(format!("race{round}.p12"));
        ok(&[
            "store",
            "import",
            p(&store),
            "--cert",
            p(&certs[0]),
            "--pass",
            "pass:old",
        ]);
        let import = common::keychest()
            .args([
                "store",
                "import",
                p(&store),
                "--cert",
                p(&certs[1 + round]),
                "--pass",
                "pass:old",
            ])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let passwd = common::keychest()
            .args([
                "store",
                "passwd",
                p(&store),
                "--pass",
                "pass:old",
                "--new-pass",
                "pass:new",
            ])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let import = import.wait_with_output().unwrap();
        let passwd = passwd.wait_with_output().unwrap();
        assert!(
            passwd.status.success(),
            "{}",
            String::from_utf8_lossy(&passwd.stderr)
        );
        // The password change is never undone.
        let now = aliases(&store, "pass:new");
        let added = format!("c{}", 1 + round);
        if import.status.success() {
            assert!(now.contains(&added), "round {round}: import lost: {now:?}");
        } else {
            // It ran after passwd: the old password is wrong now; nothing else happened.
            let err = String::from_utf8_lossy(&import.stderr);
            assert!(err.contains("password"), "{err}");
            assert_eq!(now, ["c0"]);
        }
    }
}

/// Holds the store's lock as another keychest would: `flock` on the sidecar file, until
/// the file is dropped.
fn hold_lock(store: &Path) -> fs::File {
    let name = store.file_name().unwrap().to_str().unwrap();
    let lock = store.with_file_name(format!(".{name}.lock"));
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock)
        .unwrap();
    f.try_lock().expect("lock is free");
    f
}

#[test]
fn an_edit_waits_for_the_lock_then_fails_clearly_without_writing() {
    let t = tempfile::tempdir().unwrap();
    let certs = certs(t.path(), 2);
    let store = t.path().join("locked.jks");
    import_cert(&store, &certs[0]);
    let before = fs::read(&store).unwrap();
    let held = hold_lock(&store);
    for args in [
        vec!["store", "import", p(&store), "--cert", p(&certs[1])],
        vec!["store", "delete", p(&store), "c0"],
        vec!["store", "rename", p(&store), "c0", "other"],
        vec!["store", "passwd", p(&store), "--new-pass", "pass:x"],
    ] {
        let mut args = args;
        args.extend(["--pass", "pass:pw"]);
        let out = common::keychest()
            .args(&args)
            .env("KEYCHEST_LOCK_WAIT", "0.3")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("is being changed by another keychest"),
            "{err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert_eq!(fs::read(&store).unwrap(), before, "{args:?} wrote");
    }
    // `store convert --force` onto an existing store is a rewrite too.
    let src = t.path().join("src.pem");
    fs::copy(&certs[1], &src).unwrap();
    let out = common::keychest()
        .args([
            "store",
            "convert",
            p(&src),
            p(&store),
            "--force",
            "--out-pass",
            "pass:pw",
        ])
        .env("KEYCHEST_LOCK_WAIT", "0.3")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(fs::read(&store).unwrap(), before);
    drop(held);
    import_cert(&store, &certs[1]);
    assert_eq!(aliases(&store, "pass:pw").len(), 2);
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A group other than root's that exists here (`ssl-cert` or `nogroup`), as a gid.
fn other_group() -> u32 {
    let groups = fs::read_to_string("/etc/group").unwrap_or_default();
    for name in ["ssl-cert", "nogroup", "nobody"] {
        if let Some(line) = groups.lines().find(|l| l.starts_with(&format!("{name}:"))) {
            return line.split(':').nth(2).unwrap().parse().unwrap();
        }
    }
    12345
}

#[test]
fn rewriting_keeps_mode_group_owner_and_symlinks() {
    let t = tempfile::tempdir().unwrap();
    let certs = certs(t.path(), 4);
    for ext in ["p12", "pem", "jks"] {
        let store = t.path().join(format!("id.{ext}"));
        import_cert(&store, &certs[0]);
        fs::set_permissions(&store, fs::Permissions::from_mode(0o640)).unwrap();
        let (uid, gid) = if is_root() {
            (65534, other_group())
        } else {
            let m = fs::metadata(&store).unwrap();
            (m.uid(), m.gid())
        };
        std::os::unix::fs::chown(&store, Some(uid), Some(gid)).unwrap();
        import_cert(&store, &certs[1]);
        ok(&["store", "delete", p(&store), "c0", "--pass", "pass:pw"]);
        let m = fs::metadata(&store).unwrap();
        assert_eq!(m.mode() & 0o777, 0o640, "{ext}: mode");
        assert_eq!(m.gid(), gid, "{ext}: group");
        assert_eq!(m.uid(), uid, "{ext}: owner");
        assert_eq!(aliases(&store, "pass:pw"), ["c1"]);

        // Through a symlink: the link stays, its target is updated.
        let real_dir = t.path().join(format!("real-{ext}"));
        fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join(format!("store.{ext}"));
        fs::rename(&store, &real).unwrap();
        std::os::unix::fs::symlink(&real, &store).unwrap();
        import_cert(&store, &certs[2]);
        assert!(
            fs::symlink_metadata(&store)
                .unwrap()
                .file_type()
                .is_symlink(),
            "{ext}"
        );
        assert_eq!(
            aliases(&real, "pass:pw").len(),
            2,
            "{ext}: the target changed"
        );
        let m = fs::metadata(&real).unwrap();
        assert_eq!((m.mode() & 0o777, m.uid(), m.gid()), (0o640, uid, gid));
        // No temporary files left in either folder.
        assert_eq!(
            fs::read_dir(&real_dir)
                .unwrap()
                .filter(|e| !e
                    .as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".lock"))
                .count(),
            1
        );
    }
    // New stores keep the usual rule: 0600 with keys, 0644 (less the umask) without.
    let fresh = t.path().join("fresh.p12");
    ok(&[
        "store",
        "import",
        p(&fresh),
        "--key",
        p(&t.path().join("c3.key")),
        "--chain",
        p(&certs[3]),
        "--pass",
        "pass:pw",
    ]);
    assert_eq!(common::mode(&fresh), 0o600);
    let trust = t.path().join("fresh-trust.p12");
    import_cert(&trust, &certs[3]);
    let m = fs::metadata(&trust).unwrap().mode();
    assert_eq!((m & 0o600, m & 0o022), (0o600, 0));
}

/// A PEM store with an unencrypted key (and its certificate).
fn pem_with_plain_key(dir: &Path) -> PathBuf {
    let store = dir.join("plain.pem");
    let key = fs::read_to_string(dir.join("c0.key")).unwrap();
    let cert = fs::read_to_string(dir.join("c0.pem")).unwrap();
    fs::write(&store, format!("{key}{cert}")).unwrap();
    store
}

#[test]
fn pem_keys_stay_as_they_were_encrypted() {
    let t = tempfile::tempdir().unwrap();
    let certs = certs(t.path(), 3);
    let store = pem_with_plain_key(t.path());
    import_cert(&store, &certs[1]);
    let text = fs::read_to_string(&store).unwrap();
    assert!(text.contains("-----BEGIN PRIVATE KEY-----"), "{text}");
    assert!(!text.contains("ENCRYPTED"), "the plain key was encrypted");
    ok(&["store", "delete", p(&store), "c1", "--pass", "pass:pw"]);
    assert!(!fs::read_to_string(&store).unwrap().contains("ENCRYPTED"));
    // A new key given with --pass is encrypted; the old one stays plain.
    ok(&[
        "store",
        "import",
        p(&store),
        "--key",
        p(&t.path().join("c2.key")),
        "--chain",
        p(&certs[2]),
        "--pass",
        "pass:pw",
    ]);
    let text = fs::read_to_string(&store).unwrap();
    assert_eq!(
        text.matches("-----BEGIN PRIVATE KEY-----").count(),
        1,
        "{text}"
    );
    assert_eq!(
        text.matches("-----BEGIN ENCRYPTED PRIVATE KEY-----")
            .count(),
        1
    );
    // openssl reads the plain key without a password.
    peer("openssl", &["pkey", "-in", p(&store), "-noout"]);
    // `store passwd` means it: every key is encrypted with the new password.
    change_password(&store, "pass:pw", "pass:new");
    let text = fs::read_to_string(&store).unwrap();
    assert!(!text.contains("-----BEGIN PRIVATE KEY-----"), "{text}");
}

/// A key in OpenSSL's legacy encrypted form (`Proc-Type: 4,ENCRYPTED`, as `openssl genrsa
/// -aes128` and old servers' key files have it) is written back as the same block, not as
/// PBES2: software that reads only the traditional form keeps reading it.
#[test]
fn pem_legacy_encrypted_keys_stay_in_their_form() {
    let t = tempfile::tempdir().unwrap();
    let certs = certs(t.path(), 2);
    let legacy = peer(
        "openssl",
        &[
            "pkey",
            "-in",
            p(&t.path().join("c0.key")),
            "-traditional",
            "-aes128",
            "-passout",
            "pass:pw",
        ],
    );
    assert!(legacy.contains("Proc-Type: 4,ENCRYPTED"), "{legacy}");
    let store = t.path().join("legacy.pem");
    let cert = fs::read_to_string(&certs[0]).unwrap();
    fs::write(&store, format!("{legacy}{cert}")).unwrap();
    import_cert(&store, &certs[1]);
    let text = fs::read_to_string(&store).unwrap();
    assert!(
        text.contains(&legacy),
        "the legacy block was rewritten:\n{text}"
    );
    assert!(!text.contains("BEGIN ENCRYPTED PRIVATE KEY"), "{text}");
    peer(
        "openssl",
        &["pkey", "-in", p(&store), "-passin", "pass:pw", "-noout"],
    );
    ok(&["store", "delete", p(&store), "c1", "--pass", "pass:pw"]);
    assert!(fs::read_to_string(&store).unwrap().contains(&legacy));
    // `store passwd` re-encrypts every key with the new password (as PBES2).
    change_password(&store, "pass:pw", "pass:new");
    let text = fs::read_to_string(&store).unwrap();
    assert!(!text.contains("Proc-Type"), "{text}");
    peer(
        "openssl",
        &["pkey", "-in", p(&store), "-passin", "pass:new", "-noout"],
    );
}

#[test]
fn rename_in_a_pem_store_is_refused_and_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    certs(t.path(), 1);
    let store = pem_with_plain_key(t.path());
    let before = fs::read(&store).unwrap();
    let err = fails(&["store", "rename", p(&store), "c0", "other"], 1);
    assert!(err.contains("PEM stores have no aliases"), "{err}");
    assert_eq!(fs::read(&store).unwrap(), before);
}

#[test]
fn edits_that_change_nothing_write_nothing() {
    let t = tempfile::tempdir().unwrap();
    let certs = certs(t.path(), 1);
    for ext in ["p12", "jks", "pem"] {
        let store = t.path().join(format!("same.{ext}"));
        import_cert(&store, &certs[0]);
        let before = fs::read(&store).unwrap();
        let ino = fs::metadata(&store).unwrap().ino();
        // The same certificate again, and a rename to its own name.
        import_cert(&store, &certs[0]);
        if ext != "pem" {
            ok(&[
                "store",
                "rename",
                p(&store),
                "c0",
                "c0",
                "--pass",
                "pass:pw",
            ]);
        }
        assert_eq!(fs::read(&store).unwrap(), before, "{ext}");
        assert_eq!(fs::metadata(&store).unwrap().ino(), ino, "{ext}: replaced");
        // A failed edit writes nothing either.
        let out = run(&["store", "delete", p(&store), "missing", "--pass", "pass:pw"]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(fs::metadata(&store).unwrap().ino(), ino, "{ext}: replaced");
    }
}

#[test]
fn a_bundle_of_thousands_of_copies_gets_numbered_aliases() {
    // Naming copies was cubic (each alias searched all before it, per suffix tried): 4,000
    // copies took minutes. Now each name is one set lookup.
    let t = tempfile::tempdir().unwrap();
    let certs = certs(t.path(), 1);
    let one = fs::read_to_string(&certs[0]).unwrap();
    let bundle = t.path().join("bundle.pem");
    fs::write(&bundle, one.repeat(5000)).unwrap();
    let got = aliases(&bundle, "pass:");
    assert_eq!(got.len(), 5000);
    assert_eq!(got[0], "c0");
    assert_eq!(got[4999], "c0-5000");
    // Importing the bundle adds the certificate once.
    let store = t.path().join("dedup.jks");
    import_cert(&store, &bundle);
    assert_eq!(aliases(&store, "pass:pw"), ["c0"]);
}

/// Writes a PKCS#12 with libcrypto's own `PKCS12_create` and a NULL password (what
/// pyca/cryptography's OpenSSL backend did for `password=None`): the MAC and the 3DES
/// safes use a zero-length password, not the BMPString terminator `-passout pass:` gives.
const NULL_P12: &str = r#"
import ctypes, ctypes.util, sys
c = ctypes.CDLL(ctypes.util.find_library("crypto") or "libcrypto.so.3")
vp = ctypes.c_void_p
for f in ("BIO_new_file", "PEM_read_bio_PrivateKey", "PEM_read_bio_X509", "PKCS12_create"):
    getattr(c, f).restype = vp
c.BIO_new_file.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
c.PEM_read_bio_PrivateKey.argtypes = [vp] * 4
c.PEM_read_bio_X509.argtypes = [vp] * 4
c.PKCS12_create.argtypes = [ctypes.c_char_p, ctypes.c_char_p, vp, vp, vp] + [ctypes.c_int] * 5
c.i2d_PKCS12_bio.argtypes = [vp, vp]
c.BIO_free.argtypes = [vp]
key = c.PEM_read_bio_PrivateKey(c.BIO_new_file(sys.argv[1].encode(), b"r"), None, None, None)
cert = c.PEM_read_bio_X509(c.BIO_new_file(sys.argv[2].encode(), b"r"), None, None, None)
assert key and cert
TDES = 146  # NID_pbe_WithSHA1And3_Key_TripleDES_CBC
p12 = c.PKCS12_create(None, b"k", key, cert, None, TDES, TDES, 2048, 2048, 0)
assert p12
out = c.BIO_new_file(sys.argv[3].encode(), b"wb")
assert c.i2d_PKCS12_bio(out, p12) == 1
c.BIO_free(out)
"#;

#[test]
fn a_pkcs12_with_the_null_password_opens_with_an_empty_password() {
    if !common::have(&["openssl", "python3"]) {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let certs = certs(t.path(), 1);
    let store = t.path().join("null.p12");
    peer(
        "python3",
        &[
            "-c",
            NULL_P12,
            p(&t.path().join("c0.key")),
            p(&certs[0]),
            p(&store),
        ],
    );
    // openssl reads it with an empty password.
    peer(
        "openssl",
        &["pkcs12", "-in", p(&store), "-passin", "pass:", "-noout"],
    );
    let out = ok(&["store", "list", p(&store), "--pass", "pass:", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["entries"][0]["kind"], "private-key", "{out}");
    // The key opens too (the shrouded key bag uses the NULL form as well).
    assert_exports_key(&store, "pass:", "k", &t.path().join("c0.key"));
    // A wrong password is still wrong.
    fails(&["store", "list", p(&store), "--pass", "pass:x"], 1);
}

#[test]
fn a_java_store_with_one_alias_twice_keeps_the_last_as_java_does() {
    if !common::have(&["keytool"]) {
        return;
    }
    use sha1::Digest;
    let t = tempfile::tempdir().unwrap();
    // c0 and c1 go in; c2 is the certificate of the edit below.
    let certs = certs(t.path(), 3);
    let store = t.path().join("dup.jks");
    for c in &certs[..2] {
        import_cert(&store, c);
    }
    // Rename the second entry's alias "c1" to "c0" in the file (writeUTF: u16 length, then
    // the bytes) and re-key the digest: SHA-1(password as UTF-16BE, "Mighty Aphrodite", body).
    let mut bytes = fs::read(&store).unwrap();
    bytes.truncate(bytes.len() - 20);
    let at = bytes
        .windows(4)
        .position(|w| w == b"\x00\x02c1")
        .expect("alias c1");
    bytes[at + 2..at + 4].copy_from_slice(b"c0");
    let mut h = sha1::Sha1::new();
    h.update(b"\x00p\x00w");
    h.update(b"Mighty Aphrodite");
    h.update(&bytes);
    let digest = h.finalize();
    bytes.extend_from_slice(&digest);
    fs::write(&store, &bytes).unwrap();

    let java = peer(
        "keytool",
        &["-list", "-keystore", p(&store), "-storepass", "pw"],
    );
    assert!(java.contains("contains 1 entry"), "{java}");
    let out = ok(&["store", "list", p(&store), "--pass", "pass:pw", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{out}");
    // The last one: c1's certificate.
    assert_eq!(entries[0]["alias"], "c0");
    assert_eq!(entries[0]["chain"][0]["subject"], "CN=c1");
    let warnings = v["warnings"].to_string();
    assert!(warnings.contains("appears more than once"), "{warnings}");
    // Nothing lost: an edit would drop the hidden entry, so it is refused, naming it, and
    // the file is left alone; --skip-unsupported drops it and says so.
    let before = fs::read(&store).unwrap();
    let edit = |extra: &[&'static str]| {
        let mut args = vec![
            "store",
            "import",
            p(&store),
            "--cert",
            p(&certs[2]),
            "--alias",
            "c2",
            "--pass",
            "pass:pw",
        ];
        args.extend_from_slice(extra);
        args
    };
    let out = run(&edit(&[]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("an earlier entry 'c0'"), "{err}");
    assert_eq!(fs::read(&store).unwrap(), before);
    let err = ok_stderr(&edit(&["--skip-unsupported"]));
    assert!(err.contains("dropped from"), "{err}");
    let java = peer(
        "keytool",
        &["-list", "-keystore", p(&store), "-storepass", "pw"],
    );
    assert!(java.contains("contains 2 entries"), "{java}");
}

#[test]
fn rewriting_a_pkcs12_with_unknown_content_is_refused_unless_skipped() {
    let t = tempfile::tempdir().unwrap();
    let certs = certs(t.path(), 2);
    // `-CSP` puts Microsoft's CSP-name attribute on the key bag: keychest does not model it.
    let store = t.path().join("csp.p12");
    openssl_pkcs12(
        &t.path().join("c0.key"),
        &certs[0],
        "pass:pw",
        &store,
        &["-CSP", "Test CSP"],
    );
    let before = fs::read(&store).unwrap();
    let err = fails(
        &[
            "store",
            "import",
            p(&store),
            "--cert",
            p(&certs[1]),
            "--pass",
            "pass:pw",
        ],
        1,
    );
    assert!(
        err.contains("cannot keep (bag attribute 1.3.6.1.4.1.311.17.1)"),
        "{err}"
    );
    assert!(err.contains("--skip-unsupported"), "{err}");
    assert_eq!(fs::read(&store).unwrap(), before);
    let out_p12 = t.path().join("out.jks");
    let err = fails(
        &[
            "store",
            "convert",
            p(&store),
            p(&out_p12),
            "--pass",
            "pass:pw",
        ],
        1,
    );
    assert!(err.contains("cannot keep"), "{err}");
    assert!(!out_p12.exists());
    // Listing is not a rewrite: it works, and says nothing is lost.
    ok(&["store", "list", p(&store), "--pass", "pass:pw"]);
    // Asked to, the import drops it and says so.
    let err = ok_stderr(&[
        "store",
        "import",
        p(&store),
        "--cert",
        p(&certs[1]),
        "--pass",
        "pass:pw",
        "--skip-unsupported",
    ]);
    assert!(err.contains("dropped from"), "{err}");
    assert_eq!(aliases(&store, "pass:pw").len(), 2);
    // Nothing unknown is left: the next edit needs no flag.
    ok(&["store", "delete", p(&store), "c1", "--pass", "pass:pw"]);
}
