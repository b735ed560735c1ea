//! Error messages say their cause once and name the file (issue 11): a sweep runs the
//! binary over a table of failing invocations across the commands and checks, for each,
//! the exit code, that stderr is exactly one line, that no clause of the message is
//! repeated, that the file involved is named exactly once, and that nothing panicked.

mod common;

use std::path::Path;

use common::der::{der, oid, pbes2_key_pem, seq, uint};
use common::{have, keychest, peer};

/// One failing invocation: the arguments (paths relative to the fixture folder), the exit
/// code docs/cli.md gives for it, and the file the message must name (if a file is the
/// subject of the failure).
struct Case {
    args: Vec<String>,
    code: i32,
    names: Option<&'static str>,
}

fn case(args: &str, code: i32, names: Option<&'static str>) -> Case {
    Case {
        args: args.split_whitespace().map(str::to_string).collect(),
        code,
        names,
    }
}

/// The clauses of an error line: the text after `keychest: error: `, split where anyhow
/// joins a context to its cause.
fn clauses(line: &str) -> Vec<String> {
    line.trim_start_matches("keychest: error: ")
        .split(": ")
        .map(|s| s.trim().to_string())
        .collect()
}

/// Clauses of three words or more that appear twice, or inside another clause (the shape
/// of "X: malformed key: X" and of a cause printed by both an error and its context).
fn repeated_clauses(line: &str) -> Vec<String> {
    let cs = clauses(line);
    let mut out = Vec::new();
    for (i, a) in cs.iter().enumerate() {
        if a.split_whitespace().count() < 3 {
            continue;
        }
        for (j, b) in cs.iter().enumerate() {
            if i != j && b.contains(a.as_str()) {
                out.push(a.clone());
            }
        }
    }
    out
}

/// Checks one case and returns what is wrong with it (empty when all is well).
fn check(dir: &Path, c: &Case) -> Vec<String> {
    let out = keychest()
        .current_dir(dir)
        .args(&c.args)
        .output()
        .expect("run keychest");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // Shown with --nocapture, to read the messages as a user would.
    println!(
        "{:?} {}: {}",
        out.status.code(),
        c.args.join(" "),
        stderr.trim_end()
    );
    let mut problems = Vec::new();
    if out.status.code() != Some(c.code) {
        problems.push(format!("exit {:?}, expected {}", out.status.code(), c.code));
    }
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        problems.push("panicked".into());
    }
    let lines: Vec<&str> = stderr.lines().collect();
    let line = lines.first().copied().unwrap_or("");
    if c.code == 2 {
        // Usage errors are clap's: its first line says what is wrong, then the usage.
        if !line.starts_with("error: ") {
            problems.push("not a usage error".into());
        }
    } else {
        if lines.len() != 1 {
            problems.push(format!("{} lines on stderr", lines.len()));
        }
        if !line.starts_with("keychest: error: ") {
            problems.push("not a keychest error line".into());
        }
    }
    for r in repeated_clauses(line) {
        problems.push(format!("clause repeated: {r:?}"));
    }
    if let Some(name) = c.names {
        let n = line.matches(name).count();
        if n != 1 {
            problems.push(format!("names {name} {n} times"));
        }
    }
    problems
        .into_iter()
        .map(|p| format!("keychest {}: {p}\n    {stderr}", c.args.join(" ")))
        .collect()
}

/// An encrypted PKCS#8 key whose PBKDF2 asks for 2^31 iterations.
fn hostile_key() -> String {
    let params = seq(&[&der(0x04, &[1; 8]), &uint(1 << 31)]);
    pbes2_key_pem(&seq(&[&oid("1.2.840.113549.1.5.12"), &params]))
}

fn make(dir: &Path, args: &[&str]) {
    let out = keychest().current_dir(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "keychest {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn truncate(dir: &Path, from: &str, to: &str, keep: usize) {
    let data = std::fs::read(dir.join(from)).unwrap();
    std::fs::write(dir.join(to), &data[..keep.min(data.len() / 2)]).unwrap();
}

/// The first half of a PEM file's base64, armor kept: a corrupt body, not a missing block.
fn truncate_pem(dir: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(dir.join(from)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let body = &lines[1..lines.len() - 1];
    let mut out = vec![lines[0]];
    out.extend(&body[..body.len() / 2]);
    out.push(lines[lines.len() - 1]);
    std::fs::write(dir.join(to), out.join("\n") + "\n").unwrap();
}

/// Builds every input the table refers to, with keychest itself where it can and
/// openssl for the CRL.
fn fixtures(dir: &Path) {
    let d = |s: &str| dir.join(s);
    make(dir, &["ca", "init", "ca", "--subject", "CN=Sweep CA"]);
    make(
        dir,
        &[
            "ca",
            "init",
            "lockedca",
            "--subject",
            "CN=Locked CA",
            "--pass",
            "pass:capw",
        ],
    );
    std::fs::create_dir_all(d("issued")).unwrap();
    make(dir, &["ca", "issue", "ca", "srv", "--out-dir", "issued"]);
    std::fs::create_dir_all(d("out")).unwrap();
    make(dir, &["key", "new", "--out", "k.pem"]);
    make(
        dir,
        &["key", "new", "--out", "enc.pem", "--pass", "pass:right"],
    );
    make(
        dir,
        &[
            "csr",
            "new",
            "--key",
            "k.pem",
            "--subject",
            "CN=req",
            "--out",
            "req.csr",
        ],
    );
    std::fs::write(d("pw.txt"), "storepw\n").unwrap();
    make(
        dir,
        &[
            "store",
            "import",
            "s.p12",
            "--key",
            "issued/srv.key",
            "--chain",
            "issued/srv.crt",
            "--alias",
            "srv",
            "--pass",
            "file:pw.txt",
        ],
    );
    make(
        dir,
        &[
            "store",
            "convert",
            "s.p12",
            "s.jks",
            "--to",
            "jks",
            "--pass",
            "file:pw.txt",
            "--out-pass",
            "pass:jkspass",
        ],
    );
    std::fs::copy(d("issued/srv.crt"), d("leaf.pem")).unwrap();
    std::fs::copy(d("ca/ca.crt"), d("ca.pem")).unwrap();
    truncate(dir, "s.p12", "trunc.p12", 300);
    truncate(dir, "s.jks", "trunc.jks", 300);
    truncate_pem(dir, "leaf.pem", "trunc.pem");
    truncate_pem(dir, "k.pem", "trunc.key");
    truncate_pem(dir, "req.csr", "trunc.csr");
    std::fs::write(d("hostile.key"), hostile_key()).unwrap();
    std::fs::write(d("garbage.bin"), [0x30, 0x82, 0xff, 0xff, 1, 2, 3]).unwrap();
    std::fs::write(d("names.txt"), "CN=ok\nCN=broken,=x\n").unwrap();
    std::fs::write(d("not-a-csr.pem"), std::fs::read(d("leaf.pem")).unwrap()).unwrap();
    std::fs::create_dir_all(d("adir.pem")).unwrap();
    // A JKS whose body is corrupt (a byte flipped after the header), not merely cut short.
    let mut jks = std::fs::read(d("s.jks")).unwrap();
    jks[40] ^= 0xff;
    std::fs::write(d("flipped.jks"), jks).unwrap();
    // A CA folder whose config is not JSON.
    make(
        dir,
        &["ca", "init", "brokenca", "--subject", "CN=Broken CA"],
    );
    std::fs::write(d("brokenca/ca.json"), "{ not json").unwrap();
    if have(&["openssl"]) {
        let crl = d("ca.crl");
        make(dir, &["ca", "crl", "ca", "--out", "ca.crl"]);
        peer("openssl", &["crl", "-in", crl.to_str().unwrap(), "-noout"]);
        truncate_pem(dir, "ca.crl", "trunc.crl");
    }
}

fn table() -> Vec<Case> {
    let mut t = vec![
        // show
        case("show missing.pem", 1, Some("missing.pem")),
        case("show trunc.p12", 1, Some("trunc.p12")),
        case("show trunc.pem", 1, Some("trunc.pem")),
        case("show trunc.csr", 1, Some("trunc.csr")),
        case("show trunc.key", 1, Some("trunc.key")),
        case("show garbage.bin", 1, Some("garbage.bin")),
        case("show adir.pem", 1, Some("adir.pem")),
        case("show leaf.pem/x", 1, Some("leaf.pem/x")),
        case("show enc.pem --pass pass:wrong", 1, Some("enc.pem")),
        case("show hostile.key --pass pass:x", 1, Some("hostile.key")),
        case("show s.p12 --pass pass:wrong", 1, Some("s.p12")),
        // key pub
        case("key pub missing.key", 1, Some("missing.key")),
        case("key pub trunc.key", 1, Some("trunc.key")),
        case("key pub enc.pem --pass pass:wrong", 1, Some("enc.pem")),
        case(
            "key pub enc.pem --pass file:nopass.txt",
            1,
            Some("nopass.txt"),
        ),
        case("key pub enc.pem --pass env:KEYCHEST_SWEEP_UNSET", 1, None),
        case("key pub hostile.key --pass pass:x", 1, Some("hostile.key")),
        case("key pub leaf.pem", 1, Some("leaf.pem")),
        case("key pub adir.pem", 1, Some("adir.pem")),
        case(
            "key pub k.pem --out leaf.pem/pub.pem",
            1,
            Some("leaf.pem/pub.pem"),
        ),
        // store list
        case("store list s.p12 --pass pass:wrong", 1, Some("s.p12")),
        case(
            "store list trunc.p12 --pass file:pw.txt",
            1,
            Some("trunc.p12"),
        ),
        case(
            "store list trunc.jks --pass pass:jkspass",
            1,
            Some("trunc.jks"),
        ),
        case("store list s.jks --pass pass:wrong", 1, Some("s.jks")),
        case("store list missing.p12", 1, Some("missing.p12")),
        case("store list garbage.bin", 1, Some("garbage.bin")),
        case("store list adir.pem", 1, Some("adir.pem")),
        // store import / export / convert
        case(
            "store import s.p12 --pass file:pw.txt --key k.pem --chain trunc.pem",
            1,
            Some("trunc.pem"),
        ),
        case(
            "store import s.p12 --pass file:pw.txt --key missing.key --chain leaf.pem",
            1,
            Some("missing.key"),
        ),
        case(
            "store import s.p12 --pass file:pw.txt --from trunc.jks --from-pass pass:jkspass",
            1,
            Some("trunc.jks"),
        ),
        case(
            "store export s.p12 --pass file:pw.txt --alias nope",
            1,
            Some("s.p12"),
        ),
        case(
            "store export s.p12 --pass pass:wrong --alias srv",
            1,
            Some("s.p12"),
        ),
        case(
            "store export s.p12 --pass file:pw.txt --alias srv --out adir.pem",
            1,
            Some("adir.pem"),
        ),
        case(
            "store convert trunc.p12 out/x.jks --to jks",
            1,
            Some("trunc.p12"),
        ),
        case(
            "store convert s.p12 out/y.jks --to jks --pass pass:wrong",
            1,
            Some("s.p12"),
        ),
        case(
            "store convert s.p12 s.jks --to jks --pass file:pw.txt --out-pass pass:x",
            1,
            Some("s.jks"),
        ),
        // csr new
        case(
            "csr new --key missing.key --subject CN=x",
            1,
            Some("missing.key"),
        ),
        case(
            "csr new --key trunc.key --subject CN=x",
            1,
            Some("trunc.key"),
        ),
        case("csr new --key k.pem --subject CN=x,=broken", 1, None),
        case("csr new --key k.pem --subject O=x,BOGUSATTR=y", 1, None),
        case(
            "csr new --type rsa:999 --key-out out/n.key --subject CN=x",
            2,
            None,
        ),
        case(
            "csr new --key enc.pem --pass pass:wrong --subject CN=x",
            1,
            Some("enc.pem"),
        ),
        // ca sign / issue
        case("ca sign ca --csr trunc.csr", 1, Some("trunc.csr")),
        case("ca sign ca --csr missing.csr", 1, Some("missing.csr")),
        case("ca sign ca --csr not-a-csr.pem", 1, Some("not-a-csr.pem")),
        case("ca sign noca --csr req.csr", 1, Some("noca")),
        case(
            "ca sign lockedca --csr req.csr --pass pass:wrong",
            1,
            Some("lockedca"),
        ),
        case("ca issue noca host1", 1, Some("noca")),
        case("ca issue ca host2 --type dsa:1024", 2, None),
        // verify
        case("verify missing.pem --trust ca.pem", 1, Some("missing.pem")),
        case("verify trunc.pem --trust ca.pem", 1, Some("trunc.pem")),
        case("verify leaf.pem --trust trunc.p12", 1, Some("trunc.p12")),
        case(
            "verify leaf.pem --trust ca.pem --crl trunc.csr",
            1,
            Some("trunc.csr"),
        ),
        case(
            "verify leaf.pem --trust ca.pem --crl missing.crl",
            1,
            Some("missing.crl"),
        ),
        // select --ca-names
        case(
            "select --store s.p12 --pass file:pw.txt --ca-names missing.txt",
            1,
            Some("missing.txt"),
        ),
        case(
            "select --store s.p12 --pass file:pw.txt --ca-names names.txt",
            1,
            Some("names.txt"),
        ),
        case(
            "select --store s.p12 --pass file:pw.txt --ca-names trunc.pem",
            1,
            Some("trunc.pem"),
        ),
        case(
            "select --store trunc.p12 --pass file:pw.txt --ca-names ca.pem",
            1,
            Some("trunc.p12"),
        ),
        // password sources
        case("store list s.p12 --pass bogus:x", 1, None),
        case("store list s.p12 --pass file:adir.pem", 1, Some("adir.pem")),
    ];
    t.extend([
        case(
            "store list flipped.jks --pass pass:jkspass",
            1,
            Some("flipped.jks"),
        ),
        case(
            "store rename s.p12 nope new --pass file:pw.txt",
            1,
            Some("s.p12"),
        ),
        case(
            "store delete s.jks nope --pass pass:jkspass",
            1,
            Some("s.jks"),
        ),
        case("ca init leaf.pem --subject CN=x", 1, Some("leaf.pem")),
        case("show brokenca", 1, Some("brokenca")),
        case("ca list brokenca", 1, Some("brokenca")),
        case("ca list noca", 1, Some("noca")),
        case("ca sign brokenca --csr req.csr", 1, Some("brokenca")),
        case(
            "csr new --key k.pem --subject CN=x --out leaf.pem/x.csr",
            1,
            Some("leaf.pem/x.csr"),
        ),
        case(
            "store convert s.p12 leaf.pem/x.jks --to jks --pass file:pw.txt --out-pass pass:x",
            1,
            Some("leaf.pem/x.jks"),
        ),
        case(
            "store import leaf.pem/new.p12 --pass pass:x --cert leaf.pem",
            1,
            Some("leaf.pem/new.p12"),
        ),
    ]);
    if have(&["openssl"]) {
        t.extend([
            case("show trunc.crl", 1, Some("trunc.crl")),
            case(
                "verify leaf.pem --trust ca.pem --crl trunc.crl",
                1,
                Some("trunc.crl"),
            ),
        ]);
    }
    t
}

#[test]
fn every_error_says_its_cause_once_and_names_its_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fixtures(dir);
    // Permission denied where the user is not root (root reads a mode 000 file anyway).
    let mut cases = table();
    let locked = dir.join("locked.p12");
    std::fs::copy(dir.join("s.p12"), &locked).unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_err() {
        cases.push(case("store list locked.p12", 1, Some("locked.p12")));
        cases.push(case("show locked.p12", 1, Some("locked.p12")));
    }
    assert!(cases.len() >= 30);
    let problems: Vec<String> = cases.iter().flat_map(|c| check(dir, c)).collect();
    assert!(
        problems.is_empty(),
        "{} of {} cases:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}

#[test]
fn the_clause_check_catches_a_doubled_cause() {
    assert_eq!(
        repeated_clauses(
            "keychest: error: cannot read a.p12: Permission denied (os error 13): Permission denied (os error 13)"
        ),
        vec!["Permission denied (os error 13)"; 2]
    );
    assert!(
        repeated_clauses("keychest: error: a.p12: wrong password or corrupted file").is_empty()
    );
}

/// The fields of a `thiserror` variant that `source()` returns: one marked `#[from]` or
/// `#[source]` (`0` in a tuple variant), or one named `source`.
fn source_fields(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for mark in ["#[from]", "#[source]"] {
        if let Some(at) = body.find(mark) {
            let rest = body[at + mark.len()..].trim_start();
            let ident: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            // `Name(#[from] Type)` is field 0; `name: Type` names itself.
            let after = rest[ident.len()..].trim_start();
            if after.starts_with(':') && !after.starts_with("::") {
                out.push(ident);
            } else {
                out.push("0".into());
            }
        }
    }
    let named_source = body.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'));
    if named_source.into_iter().any(|w| w == "source:") {
        out.push("source".into());
    }
    out.sort();
    out.dedup();
    out
}

/// Every `#[error("...")]` in src/: a variant that exposes a source must not also print
/// it, or anyhow's `{:#}` says the cause twice (the sweep above finds the cases that are
/// reachable today; this finds the ones that are not yet).
#[test]
fn no_error_variant_prints_the_source_it_exposes() {
    let mut files = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut offenders = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("#[error(") {
            rest = &rest[at + "#[error(".len()..];
            // The attribute runs to its matching parenthesis.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap_or(rest.len());
            let attr = &rest[..end];
            if attr.trim() == "transparent" {
                continue;
            }
            let after = &rest[end..];
            let body_end = [after.find("#[error("), after.find("\n}")]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(after.len());
            for field in source_fields(&after[..body_end]) {
                if attr.contains(&format!("{{{field}")) || attr.contains(&format!(".{field}")) {
                    offenders.push(format!("{}: #[error({attr})]", path.display()));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "print the cause or expose it, not both:\n{}",
        offenders.join("\n")
    );
}
