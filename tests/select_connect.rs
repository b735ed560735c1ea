//! End-to-end tests of `keychest select` and `keychest connect` against real peers
//! (`openssl s_server`, a Java `SSLServerSocket`, tmux for the prompt), with a test PKI made
//! by keychest's own CA: roots A, B, C and an intermediate under A. A missing peer fails a
//! test (see `tests/common/peers.rs`).

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::kept::{KeptDir, kept_dir};
use common::server::{Server, free_port, openssl_s_server, poll};
use common::tmux::{Tmux, shell_quote};
use common::{expect_exit, have, mode, p, peer};

const PASS: &str = "pass:changeit";
const ROOT_A: &str = "CN=Root A,O=Keychest Test";
const ROOT_B: &str = "CN=Root B,O=Keychest Test";

fn kc_env(xdg: &Path, envs: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = common::keychest();
    c.env("XDG_CONFIG_HOME", xdg);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.args(args).output().expect("run keychest")
}

/// Runs keychest (stdin closed, a private XDG_CONFIG_HOME) and asserts the exit code.
fn kc(code: i32, args: &[&str]) -> (String, String) {
    let out = kc_env(&pki().path("xdg"), &[], args);
    expect_exit(&out, code, &format!("keychest {args:?}"))
}

/// The shared test PKI (built once per test process).
fn pki() -> &'static KeptDir {
    static PKI: OnceLock<KeptDir> = OnceLock::new();
    PKI.get_or_init(build_pki)
}

fn build_pki() -> KeptDir {
    let pki = kept_dir("select-connect-");
    std::fs::create_dir_all(pki.path("out")).unwrap();
    std::fs::create_dir_all(pki.path("xdg")).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let past = (now - 10 * 86_400).to_string();
    let run = |envs: &[(&str, &str)], args: &[&str]| {
        let out = kc_env(&pki.path("xdg"), envs, args);
        expect_exit(&out, 0, &format!("keychest {args:?}"));
    };
    let then: &[(&str, &str)] = &[("KEYCHEST_TEST_NOW", &past)];
    // The CAs exist since ten days, so that an expired leaf can be issued in the past.
    for (dir, cn) in [("A", "Root A"), ("B", "Root B"), ("C", "Root C")] {
        let subject = format!("CN={cn},O=Keychest Test");
        run(then, &["ca", "init", &pki.s(dir), "--subject", &subject]);
    }
    run(
        then,
        &[
            "ca",
            "init",
            &pki.s("IA"),
            "--subject",
            "CN=Issuing A1,O=Keychest Test",
            "--parent",
            &pki.s("A"),
        ],
    );
    let out = pki.s("out");
    let issue = |envs: &[(&str, &str)], ca: &str, profile: &str, name: &str, extra: &[&str]| {
        let mut args = vec!["ca", "issue", ca, "--profile", profile, "--out-dir", &out];
        args.push(name);
        args.extend_from_slice(extra);
        run(envs, &args);
    };
    issue(&[], &pki.s("IA"), "client", "inter-client", &[]);
    issue(&[], &pki.s("B"), "client", "b-client", &[]);
    issue(
        then,
        &pki.s("B"),
        "client",
        "expired-client",
        &["--days", "1"],
    );
    issue(&[], &pki.s("B"), "server", "server-only", &[]);
    issue(&[], &pki.s("C"), "client", "c-client", &[]);
    issue(&[], &pki.s("A"), "server", "localhost", &["127.0.0.1"]);
    let import = |store: &str, names: &[&str]| {
        for n in names {
            run(
                &[],
                &[
                    "store",
                    "import",
                    &pki.s(store),
                    "--key",
                    &pki.s(&format!("out/{n}.key")),
                    "--chain",
                    &pki.s(&format!("out/{n}.crt")),
                    "--alias",
                    n,
                    "--pass",
                    PASS,
                ],
            );
        }
    };
    import(
        "all.p12",
        &[
            "inter-client",
            "b-client",
            "expired-client",
            "server-only",
            "c-client",
        ],
    );
    import(
        "one.p12",
        &["inter-client", "expired-client", "server-only"],
    );
    run(
        &[],
        &[
            "store",
            "convert",
            &pki.s("all.p12"),
            &pki.s("all.jks"),
            "--pass",
            PASS,
        ],
    );
    let mut names = std::fs::read(pki.path("A/ca.crt")).unwrap();
    names.extend(std::fs::read(pki.path("B/ca.crt")).unwrap());
    std::fs::write(pki.path("names.pem"), names).unwrap();
    pki
}

fn spawn_server(cmd: Command, port: u16, name: &str) -> Server {
    common::server::spawn_server(cmd, port, name, &pki().root)
}

/// `openssl s_server` with the server certificate issued by root A, plus `extra`.
fn s_server(extra: &[&str]) -> Server {
    let pki = pki();
    openssl_s_server(
        free_port(),
        &pki.path("out/localhost.crt"),
        &pki.path("out/localhost.key"),
        extra,
        &pki.root,
    )
}

/// A server requiring a client certificate and naming roots A and B.
fn mtls_server(version: &str) -> Server {
    let names = pki().s("names.pem");
    s_server(&[
        "-Verify",
        "1",
        "-CAfile",
        &names,
        "-verify_return_error",
        version,
    ])
}

fn first_field(stdout: &str) -> &str {
    stdout.split('\t').next().unwrap_or_default()
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {stdout}"))
}

#[test]
fn select_and_connect_against_openssl_tls12_and_tls13() {
    if !have(&["openssl"]) {
        return;
    }
    let pki = pki();
    let (all12, alljks, one) = (pki.s("all.p12"), pki.s("all.jks"), pki.s("one.p12"));
    for version in ["-tls1_2", "-tls1_3"] {
        let srv = mtls_server(version);
        let t = srv.target();
        let sel = |store: &str, extra: &[&str], code: i32| {
            let mut args = vec!["select", "--store", store, "--pass", PASS, "--connect", &t];
            args.extend_from_slice(extra);
            kc(code, &args)
        };
        for store in [&all12, &alljks] {
            let (out, _) = sel(store, &["--alias", "inter-client"], 0);
            assert_eq!(first_field(&out), "inter-client", "{version}");
            let (out, _) = sel(store, &["--alias", "b-client"], 0);
            assert_eq!(first_field(&out), "b-client", "{version}");
            // The leaf issued directly by a named CA ranks before the chain match.
            let (out, _) = sel(store, &["--first"], 0);
            assert_eq!(first_field(&out), "b-client", "{version}");
            let (_, err) = sel(store, &["--alias", "c-client"], 3);
            assert!(err.contains("never reaches a named CA"), "{err}");
        }
        // Only one entry of this store fits: chosen without any flag.
        let (out, err) = sel(&one, &["--explain"], 0);
        assert_eq!(first_field(&out), "inter-client", "{version}: {err}");
        assert!(
            err.contains(&format!(
                "inter-client [{one}]: candidate: chain reaches {ROOT_A} (depth 1)"
            )),
            "{err}"
        );
        // --explain names the reason of each rejected entry.
        let (_, err) = sel(&alljks, &["--explain", "--first"], 0);
        for (alias, why) in [
            ("expired-client", "expired on "),
            ("server-only", "extendedKeyUsage lacks clientAuth"),
            ("c-client", "issuer chain never reaches a named CA"),
        ] {
            let line = err
                .lines()
                .find(|l| l.starts_with(&format!("{alias} [")))
                .unwrap_or_else(|| panic!("no --explain line for {alias}: {err}"));
            assert!(line.contains(why), "{version} {alias}: {line}");
            assert!(!line.contains("candidate"), "{line}");
        }
        assert!(err.contains(&format!(
            "b-client [{alljks}]: candidate: issued by {ROOT_B}"
        )));
        // A mutual TLS handshake the server accepts (it verifies with -verify_return_error).
        for (n, alias) in ["inter-client", "b-client"].iter().enumerate() {
            let (out, err) = kc(
                0,
                &[
                    "connect",
                    &t,
                    "--store",
                    &alljks,
                    "--pass",
                    PASS,
                    "--truststore",
                    &pki.s("A/ca.crt"),
                    "--alias",
                    alias,
                ],
            );
            assert!(out.contains(&format!("client cert:   {alias} [")), "{out}");
            assert!(out.contains("result:        handshake succeeded"), "{out}");
            assert!(err.contains("Certificate sent"), "{err}");
            assert!(
                srv.wait_log(&format!("subject=CN = {alias}"), 1),
                "{version}: server did not see {alias} (connect #{n}): {}",
                srv.log()
            );
        }
        assert!(!srv.log().contains("alert"), "{}", srv.log());
    }
}

#[test]
fn server_rejecting_the_client_certificate_gives_7() {
    if !have(&["openssl"]) {
        return;
    }
    let pki = pki();
    for version in ["-tls1_2", "-tls1_3"] {
        // Names A and B but verifies client certificates against A only.
        let srv = s_server(&[
            "-Verify",
            "1",
            "-CAfile",
            &pki.s("names.pem"),
            "-verifyCAfile",
            &pki.s("A/ca.crt"),
            "-verify_return_error",
            version,
        ]);
        let (_, err) = kc(
            7,
            &[
                "connect",
                &srv.target(),
                "--store",
                &pki.s("all.p12"),
                "--pass",
                PASS,
                "--truststore",
                &pki.s("A/ca.crt"),
                "--alias",
                "b-client",
            ],
        );
        assert!(err.contains("alert UnknownCA"), "{version}: {err}");
        // The certificate was sent (TLS 1.3 servers reject it after the handshake).
        assert!(
            err.contains("Certificate sent: b-client"),
            "{version}: {err}"
        );
    }
}

#[test]
fn several_candidates_without_a_terminal() {
    let pki = pki();
    let names = pki.s("names.pem");
    let all = pki.s("all.p12");
    let base = [
        "select",
        "--store",
        &all,
        "--pass",
        PASS,
        "--ca-names",
        &names,
    ];
    let with = |extra: &[&str], code: i32| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        kc(code, &args)
    };
    let (out, err) = with(&[], 4);
    assert!(out.is_empty(), "{out}");
    let listed: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(listed, ["b-client", "inter-client"], "{err}");
    assert!(err.contains("--alias"), "{err}");
    with(&["--non-interactive"], 4);
    assert_eq!(first_field(&with(&["--first"], 0).0), "b-client");
    assert_eq!(
        first_field(&with(&["--alias", "inter-client"], 0).0),
        "inter-client"
    );
    // --json still reports the entries and no choice when none is possible.
    let (out, _) = with(&["--json"], 4);
    let doc = json(&out);
    assert!(doc["chosen"].is_null(), "{doc}");
}

/// Runs select under tmux, sends `keys` once the prompt shows, returns (exit, stdout).
fn select_in_tmux(keys: &[&str], extra: &str, tag: &str) -> (String, String) {
    let pki = pki();
    let exit_file = pki.path(&format!("tmux-{tag}.exit"));
    let out_file = pki.path(&format!("tmux-{tag}.out"));
    let cmd = format!(
        "XDG_CONFIG_HOME={} {} select --store {} --pass {PASS} --ca-names {} {extra} > {}; echo EXIT=$? > {}",
        shell_quote(&pki.s("xdg")),
        shell_quote(env!("CARGO_BIN_EXE_keychest")),
        shell_quote(&pki.s("all.p12")),
        shell_quote(&pki.s("names.pem")),
        shell_quote(p(&out_file)),
        shell_quote(p(&exit_file)),
    );
    let tmux = Tmux::start(&cmd, 200, 50);
    if !keys.is_empty() {
        let shown = poll(Duration::from_secs(15), || {
            let s = tmux.screen();
            (s.contains("Client certificate") && s.contains("inter-client")).then_some(s)
        });
        assert!(shown.is_some(), "no prompt: {}", tmux.screen());
        for k in keys {
            tmux.run(&["send-keys", k]);
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let exit = poll(Duration::from_secs(15), || {
        std::fs::read_to_string(&exit_file)
            .ok()
            .filter(|s| s.ends_with('\n'))
    })
    .unwrap_or_else(|| panic!("select did not finish: {}", tmux.screen()));
    let out = std::fs::read_to_string(&out_file).unwrap_or_default();
    (exit.trim().to_string(), out)
}

#[test]
fn prompt_under_a_terminal() {
    if !have(&["tmux"]) {
        return;
    }
    let (exit, out) = select_in_tmux(&["Down", "Enter"], "", "pick");
    assert_eq!(exit, "EXIT=0");
    assert_eq!(first_field(&out), "inter-client", "the second candidate");
    let (exit, out) = select_in_tmux(&["Escape"], "", "cancel");
    assert_eq!(exit, "EXIT=5", "{out}");
    assert!(out.is_empty(), "{out}");
    let (exit, _) = select_in_tmux(&[], "--non-interactive", "nonint");
    assert_eq!(exit, "EXIT=4");
}

const JAVA_SERVER: &str = r#"
import javax.net.ssl.*;

public class MtlsServer {
    public static void main(String[] args) throws Exception {
        SSLServerSocketFactory f = SSLContext.getDefault().getServerSocketFactory();
        SSLServerSocket s = (SSLServerSocket) f.createServerSocket(
            Integer.parseInt(args[0]), 50, java.net.InetAddress.getLoopbackAddress());
        s.setNeedClientAuth(true);
        System.out.println("READY");
        System.out.flush();
        while (true) {
            try (SSLSocket c = (SSLSocket) s.accept()) {
                c.setSoTimeout(5000);
                c.startHandshake();
                System.out.println("CLIENT " + c.getSession().getPeerPrincipal());
                System.out.flush();
                c.getOutputStream().write("OK\n".getBytes());
                c.getOutputStream().flush();
            } catch (Exception e) {
                System.out.println("FAIL " + e);
                System.out.flush();
            }
        }
    }
}
"#;

#[test]
fn java_server_with_a_two_ca_truststore() {
    if !have(&["java", "javac"]) {
        return;
    }
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    let d = |f: &str| p(&dir.path().join(f)).to_string();
    std::fs::write(dir.path().join("MtlsServer.java"), JAVA_SERVER).unwrap();
    peer("javac", &["-d", &d(""), &d("MtlsServer.java")]);
    kc(
        0,
        &[
            "store",
            "import",
            &d("server.p12"),
            "--key",
            &pki.s("out/localhost.key"),
            "--chain",
            &pki.s("out/localhost.crt"),
            "--alias",
            "server",
            "--pass",
            PASS,
        ],
    );
    for ca in ["A", "B"] {
        kc(
            0,
            &[
                "store",
                "import",
                &d("trust.p12"),
                "--cert",
                &pki.s(&format!("{ca}/ca.crt")),
                "--alias",
                ca,
                "--pass",
                PASS,
            ],
        );
    }
    let port = free_port();
    let mut cmd = Command::new("java");
    cmd.args([
        &format!("-Djavax.net.ssl.keyStore={}", d("server.p12")),
        "-Djavax.net.ssl.keyStorePassword=changeit",
        "-Djavax.net.ssl.keyStoreType=PKCS12",
        &format!("-Djavax.net.ssl.trustStore={}", d("trust.p12")),
        "-Djavax.net.ssl.trustStorePassword=changeit",
        "-Djavax.net.ssl.trustStoreType=PKCS12",
        "-cp",
        &d(""),
        "MtlsServer",
        &port.to_string(),
    ]);
    let srv = spawn_server(cmd, port, "java");
    let t = srv.target();
    let (out, err) = kc(
        0,
        &[
            "select",
            "--store",
            &pki.s("all.p12"),
            "--pass",
            PASS,
            "--connect",
            &t,
            "--json",
            "--first",
        ],
    );
    let doc = json(&out);
    let mut names: Vec<&str> = doc["ca_names"]
        .as_array()
        .unwrap_or_else(|| panic!("{doc} {err}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [ROOT_A, ROOT_B], "{}", srv.log());
    assert_eq!(doc["chosen"]["alias"], "b-client");
    let (out, _) = kc(
        0,
        &[
            "connect",
            &t,
            "--store",
            &pki.s("one.p12"),
            "--pass",
            PASS,
            "--truststore",
            &pki.s("A/ca.crt"),
        ],
    );
    assert!(out.contains("client cert:   inter-client"), "{out}");
    assert!(
        srv.wait_log("CLIENT CN=inter-client", 1),
        "java did not accept: {}",
        srv.log()
    );
}

#[test]
fn ca_names_file_variants_choose_alike() {
    if !have(&["openssl"]) {
        return;
    }
    let pki = pki();
    // A server that asks for (but does not require) a certificate, so s_client completes.
    let srv = s_server(&["-verify", "1", "-CAfile", &pki.s("names.pem")]);
    let s_client = peer(
        "openssl",
        &["s_client", "-connect", &srv.target(), "-tls1_2"],
    );
    assert!(
        s_client.contains("Acceptable client certificate CA names"),
        "{s_client}"
    );
    let block = pki.path("s_client.txt");
    std::fs::write(&block, &s_client).unwrap();
    let dns = pki.path("names.txt");
    std::fs::write(
        &dns,
        "# Java style\nCN=Root A, O=Keychest Test\n\nCN=Root B, O=Keychest Test\n",
    )
    .unwrap();
    let mut seen = Vec::new();
    for file in [pki.path("names.pem"), dns, block] {
        let f = p(&file);
        let (out, _) = kc(
            0,
            &[
                "select",
                "--store",
                &pki.s("all.jks"),
                "--pass",
                PASS,
                "--ca-names",
                f,
                "--json",
                "--first",
            ],
        );
        let doc = json(&out);
        let candidates: Vec<String> = doc["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{}={}", e["alias"], e["candidate"]))
            .collect();
        seen.push((doc["ca_names"].clone(), doc["chosen"].clone(), candidates));
        let (out, _) = kc(
            0,
            &[
                "select",
                "--store",
                &pki.s("one.p12"),
                "--pass",
                PASS,
                "--ca-names",
                f,
            ],
        );
        assert_eq!(first_field(&out), "inter-client", "{f}");
    }
    assert_eq!(seen[0].0, serde_json::json!([ROOT_A, ROOT_B]));
    assert_eq!(seen[0].1["alias"], "b-client");
    assert!(seen.iter().all(|s| *s == seen[0]), "{seen:?}");
}

#[test]
fn remember_and_forget() {
    if !have(&["openssl"]) {
        return;
    }
    let pki = pki();
    let xdg = tempfile::tempdir().unwrap();
    let srv = mtls_server("-tls1_3");
    let t = srv.target();
    let store = pki.path("remember.p12");
    std::fs::copy(pki.path("all.p12"), &store).unwrap();
    let run = |extra: &[&str], code: i32| {
        let mut args = vec!["select", "--store", p(&store), "--pass", PASS];
        args.extend_from_slice(extra);
        let out = kc_env(xdg.path(), &[], &args);
        expect_exit(&out, code, &format!("keychest {args:?}"))
    };
    let (_, err) = run(
        &["--connect", &t, "--alias", "inter-client", "--remember"],
        0,
    );
    assert!(err.contains("remembered 'inter-client'"), "{err}");
    let file = xdg.path().join("keychest/remembered.json");
    assert_eq!(mode(&file), 0o600);
    let (out, err) = run(&["--connect", &t], 0);
    assert_eq!(first_field(&out), "inter-client");
    assert!(
        err.contains("using the remembered choice 'inter-client'"),
        "{err}"
    );
    // --alias still overrides the remembered choice.
    let (out, _) = run(&["--connect", &t, "--alias", "b-client"], 0);
    assert_eq!(first_field(&out), "b-client");
    let (_, err) = run(&["--forget", &t], 0);
    assert!(err.contains("forgotten"), "{err}");
    assert!(!std::fs::read_to_string(&file).unwrap().contains(&t));
    run(&["--connect", &t], 4);
    let (_, err) = run(&["--forget", &t], 0);
    assert!(err.contains("nothing was remembered"), "{err}");
    // A remembered entry that no longer matches (its store changed) is ignored, with a
    // warning, and the choice is made again.
    run(&["--connect", &t, "--alias", "b-client", "--remember"], 0);
    std::fs::copy(pki.path("one.p12"), &store).unwrap();
    let (out, err) = run(&["--connect", &t], 0);
    assert_eq!(first_field(&out), "inter-client");
    assert!(err.contains("warning: the remembered choice"), "{err}");
    assert!(!err.contains("using the remembered"), "{err}");
}

#[test]
fn exports_are_accepted_by_openssl() {
    if !have(&["openssl"]) {
        return;
    }
    let pki = pki();
    let dir = tempfile::tempdir().unwrap();
    let d = |f: &str| p(&dir.path().join(f)).to_string();
    let base = [
        "select",
        "--store",
        &pki.s("all.jks"),
        "--pass",
        PASS,
        "--ca-names",
        &pki.s("names.pem"),
        "--alias",
        "inter-client",
    ];
    let with = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        kc(0, &args)
    };
    with(&["--export-cert", &d("c.pem"), "--export-key", &d("k.pem")]);
    assert_eq!(mode(&dir.path().join("k.pem")), 0o600);
    peer("openssl", &["pkey", "-check", "-noout", "-in", &d("k.pem")]);
    let certs = std::fs::read_to_string(dir.path().join("c.pem")).unwrap();
    assert_eq!(certs.matches("BEGIN CERTIFICATE").count(), 2, "leaf + IA");
    let subject = peer(
        "openssl",
        &["x509", "-noout", "-subject", "-in", &d("c.pem")],
    );
    assert!(subject.contains("inter-client"), "{subject}");
    // The key matches the certificate.
    let a = peer("openssl", &["pkey", "-pubout", "-in", &d("k.pem")]);
    let b = peer(
        "openssl",
        &["x509", "-noout", "-pubkey", "-in", &d("c.pem")],
    );
    assert_eq!(a, b);
    // An encrypted key with --out-pass.
    with(&[
        "--export-cert",
        &d("c2.pem"),
        "--export-key",
        &d("k2.pem"),
        "--out-pass",
        "pass:s3cret",
    ]);
    assert_eq!(mode(&dir.path().join("k2.pem")), 0o600);
    peer(
        "openssl",
        &[
            "pkey",
            "-check",
            "-noout",
            "-in",
            &d("k2.pem"),
            "-passin",
            "pass:s3cret",
        ],
    );
    with(&["--export-p12", &d("x.p12"), "--out-pass", "pass:s3cret"]);
    let info = Command::new("openssl")
        .args([
            "pkcs12",
            "-info",
            "-noenc",
            "-in",
            &d("x.p12"),
            "-passin",
            "pass:s3cret",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(info.status.success(), "{info:?}");
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(text.contains("PRIVATE KEY"), "{text}");
    assert!(text.contains("subject=CN = inter-client"), "{text}");
    // Without --force an existing export is not replaced.
    let x = d("x.p12");
    let mut args = base.to_vec();
    args.extend_from_slice(&["--export-p12", &x, "--out-pass", "pass:s3cret"]);
    kc(1, &args);
}

#[test]
fn bad_input_and_bad_peers() {
    if !have(&["openssl"]) {
        return;
    }
    let pki = pki();
    let all = pki.s("all.p12");
    let sel = |target: &str, extra: &[&str], code: i32| {
        let mut args = vec![
            "select",
            "--store",
            &all,
            "--pass",
            PASS,
            "--connect",
            target,
        ];
        args.extend_from_slice(extra);
        kc(code, &args)
    };
    // A closed port: refused at once.
    let closed = format!("127.0.0.1:{}", free_port());
    let start = Instant::now();
    let (_, err) = sel(&closed, &[], 1);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(err.contains("cannot connect"), "{err}");
    // Not a TLS server.
    let http = TcpListener::bind("127.0.0.1:0").unwrap();
    let http_port = http.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in http.incoming().flatten() {
            let _ = s.write_all(b"HTTP/1.0 400\r\n\r\n");
        }
    });
    let (_, err) = sel(&format!("127.0.0.1:{http_port}"), &[], 1);
    assert!(err.contains("not a TLS server"), "{err}");
    // Accepts TCP and never answers: bounded by --timeout.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().flatten() {
            held.push(s);
        }
    });
    let start = Instant::now();
    let (_, err) = sel(&format!("127.0.0.1:{silent_port}"), &["--timeout", "2"], 1);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(6),
        "{took:?}"
    );
    assert!(err.contains("timed out"), "{err}");
    // A CA-names file with garbage.
    let garbage = pki.path("garbage.txt");
    std::fs::write(&garbage, "CN=Root A, O=Keychest Test\n%%% not a name %%%\n").unwrap();
    let (_, err) = kc(
        1,
        &[
            "select",
            "--store",
            &all,
            "--pass",
            PASS,
            "--ca-names",
            p(&garbage),
        ],
    );
    assert!(err.contains("line 2"), "{err}");
    // A server that asks for no client certificate.
    let plain = s_server(&[]);
    let (_, err) = sel(&plain.target(), &["--first"], 6);
    assert!(
        err.contains("did not ask for a client certificate"),
        "{err}"
    );
    // connect: untrusted chain → 7; --insecure goes on; the right anchor is trusted.
    let plain_target = plain.target();
    let connect = |extra: &[&str], code: i32| {
        let mut args = vec!["connect", plain_target.as_str()];
        args.extend_from_slice(extra);
        kc(code, &args)
    };
    let (out, _) = connect(&["--truststore", &pki.s("B/ca.crt")], 7);
    assert!(out.contains("NOT trusted"), "{out}");
    let (_, err) = connect(&["--truststore", &pki.s("B/ca.crt"), "--insecure"], 0);
    assert!(err.contains("--insecure"), "{err}");
    let (out, _) = connect(&["--truststore", &pki.s("A/ca.crt")], 0);
    assert!(out.contains("verification:  trusted"), "{out}");
}

#[test]
fn trust_fetch_adds_the_top_of_the_chain() {
    if !have(&["openssl"]) {
        return;
    }
    let pki = pki();
    // The server sends its chain up to root A.
    let srv = s_server(&["-cert_chain", &pki.s("A/ca.crt")]);
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("trust.p12");
    let (_, err) = kc(
        0,
        &[
            "trust",
            "fetch",
            &srv.target(),
            "--into",
            p(&into),
            "--pass",
            PASS,
            "--yes",
        ],
    );
    assert!(err.contains("added"), "{err}");
    let (list, _) = kc(0, &["store", "list", p(&into), "--pass", PASS, "--long"]);
    assert!(list.contains(&format!("subject: {ROOT_A}")), "{list}");
    assert!(!list.contains("CN=localhost"), "{list}");
    // Fetching the same certificate again adds nothing and leaves the file as it was.
    let before = std::fs::read(&into).unwrap();
    let (_, err) = kc(
        0,
        &[
            "trust",
            "fetch",
            &srv.target(),
            "--into",
            p(&into),
            "--pass",
            PASS,
            "--yes",
        ],
    );
    assert!(err.contains("already trusted"), "{err}");
    assert_eq!(std::fs::read(&into).unwrap(), before);
    // Without --yes and without a terminal: refused, the store byte-identical.
    let other = dir.path().join("other.p12");
    kc(
        0,
        &[
            "store",
            "import",
            p(&other),
            "--cert",
            &pki.s("B/ca.crt"),
            "--pass",
            PASS,
        ],
    );
    let before = std::fs::read(&other).unwrap();
    let (_, err) = kc(
        1,
        &[
            "trust",
            "fetch",
            &srv.target(),
            "--into",
            p(&other),
            "--pass",
            PASS,
        ],
    );
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(std::fs::read(&other).unwrap(), before);
}
