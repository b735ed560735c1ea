//! Crash safety of file output: `store convert`, `store import` and `ca sign` are killed
//! (SIGKILL) at random moments, hundreds of times; after every kill each file they write is
//! either as before or a complete, valid new file — never partial — and after the next
//! successful run no temporary file (`.NAME.keychest-tmp.PID.RANDOM`) is left behind.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use keychest::ca::index::Index;
use keychest::codec;
use keychest::store::{EntryKind, Format};

const KC: &str = env!("CARGO_BIN_EXE_keychest");
const PASS: &str = "changeit";
/// Total time spent killing (the setup and final checks come on top).
const BUDGET: Duration = Duration::from_secs(20);

fn run(dir: &Path, args: &[&str]) {
    let o = Command::new(KC)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "keychest {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Runs `args`, killing it after `delay` unless it finished; returns its exit status.
fn run_killed(dir: &Path, args: &[String], delay: Duration) -> ExitStatus {
    let mut child = Command::new(KC)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    // SIGKILL on Unix; an error only means the process already exited.
    let _ = child.kill();
    child.wait().unwrap()
}

/// xorshift64*: enough randomness for delays without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn read(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

fn temps_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .contains(".keychest-tmp.")
        })
        .collect()
}

/// Every certificate file of the CA is complete (PEM that parses to a certificate).
fn check_ca_certs(dir: &Path) -> usize {
    let certs = dir.join("ca/certs");
    let mut n = 0;
    for e in std::fs::read_dir(&certs).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains(".keychest-tmp.") {
            continue;
        }
        check_cert_pem(&std::fs::read(&p).unwrap(), &name);
        n += 1;
    }
    n
}

fn check_cert_pem(bytes: &[u8], what: &str) {
    let blocks = keychest::pem::parse_all(bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(blocks.len(), 1, "{what}");
    keychest::pki::inspect::certificate(&blocks[0].der).unwrap_or_else(|e| panic!("{what}: {e}"));
}

fn p12_entries(bytes: &[u8]) -> Vec<EntryKind> {
    let (store, _) = codec::decode(Format::Pkcs12, bytes, Some(PASS))
        .unwrap_or_else(|e| panic!("out.p12 is not a complete store: {e}"));
    store.entries.iter().map(|e| e.kind()).collect()
}

fn jks_len(bytes: &[u8]) -> usize {
    let (store, info) = codec::decode(Format::Jks, bytes, Some(PASS))
        .unwrap_or_else(|e| panic!("ts.jks is not a complete store: {e}"));
    assert!(info.integrity_checked);
    store.entries.len()
}

fn index_len(bytes: &[u8]) -> usize {
    let text = std::str::from_utf8(bytes).expect("index.tsv is UTF-8");
    Index::parse(text)
        .unwrap_or_else(|e| panic!("index.tsv is not complete: {e}\n{text}"))
        .records
        .len()
}

#[test]
fn killed_writers_never_leave_partial_files() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    run(d, &["ca", "init", "ca", "--subject", "CN=Crash CA"]);
    run(d, &["ca", "issue", "ca", "host.test", "--out-dir", "."]);
    run(
        d,
        &[
            "csr",
            "new",
            "--subject",
            "CN=req.test",
            "--key-out",
            "req.key",
            "--out",
            "req.csr",
        ],
    );
    // A PEM store (key + chain) to convert. The certificate imported is the one `ca sign`
    // wrote last, so an import after a complete sign adds an entry (an import that adds
    // nothing writes nothing).
    let mut pem = std::fs::read(d.join("host.test.key")).unwrap();
    pem.extend(std::fs::read(d.join("host.test.crt")).unwrap());
    std::fs::write(d.join("in.pem"), pem).unwrap();

    let pass = format!("pass:{PASS}");
    let convert: Vec<String> = ["store", "convert", "in.pem", "out.p12", "--out-pass", &pass]
        .iter()
        .map(|s| s.to_string())
        .chain(["--force".to_string()])
        .collect();
    let sign: Vec<String> = [
        "ca",
        "sign",
        "ca",
        "--csr",
        "req.csr",
        "--out",
        "signed.crt",
        "--force",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let import = |i: usize| -> Vec<String> {
        [
            "store",
            "import",
            "ts.jks",
            "--cert",
            "signed.crt",
            "--alias",
            &format!("t{i}"),
            "--pass",
            &pass,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    // First versions of every target, made by complete runs.
    run(d, &convert.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    run(d, &sign.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    run(d, &import(0).iter().map(|s| s.as_str()).collect::<Vec<_>>());

    let out_p12 = d.join("out.p12");
    let ts_jks = d.join("ts.jks");
    let index = d.join("ca/index.tsv");
    let signed = d.join("signed.crt");
    let mut jks_count = jks_len(&read(&ts_jks).unwrap());
    let mut index_count = index_len(&read(&index).unwrap());
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64);
    let (mut runs, mut killed, mut changed, mut leftovers) = (0usize, 0usize, 0usize, 0usize);
    let start = Instant::now();
    let mut i = 1;
    while start.elapsed() < BUDGET {
        let delay = Duration::from_micros(rng.next() % 30_000);
        let which = i % 3;
        let args = match which {
            0 => convert.clone(),
            1 => import(i),
            _ => sign.clone(),
        };
        let before: Vec<Option<Vec<u8>>> = [&out_p12, &ts_jks, &index, &signed]
            .iter()
            .map(|p| read(p))
            .collect();
        let status = run_killed(d, &args, delay);
        runs += 1;
        if !status.success() {
            killed += 1;
            leftovers += [d.to_path_buf(), d.join("ca"), d.join("ca/certs")]
                .iter()
                .map(|f| temps_in(f).len())
                .sum::<usize>();
        }
        let after: Vec<Option<Vec<u8>>> = [&out_p12, &ts_jks, &index, &signed]
            .iter()
            .map(|p| read(p))
            .collect();
        // Each file is the old one, or a complete new one.
        for (k, (b, a)) in before.iter().zip(&after).enumerate() {
            let a = a.as_ref().expect("a target file vanished");
            if Some(a) == b.as_ref() {
                continue;
            }
            changed += 1;
            match k {
                0 => assert_eq!(p12_entries(a), vec![EntryKind::PrivateKey]),
                1 => {
                    let n = jks_len(a);
                    assert_eq!(n, jks_count + 1, "ts.jks: one entry added");
                    jks_count = n;
                }
                2 => {
                    let n = index_len(a);
                    assert_eq!(n, index_count + 1, "index.tsv: one record added");
                    index_count = n;
                }
                _ => check_cert_pem(a, "signed.crt"),
            }
        }
        if status.success() && after != before {
            // A complete run leaves no temporary file in the folders it wrote, including
            // those of earlier killed runs.
            let folders: Vec<PathBuf> = if which == 2 {
                vec![d.to_path_buf(), d.join("ca"), d.join("ca/certs")]
            } else {
                vec![d.to_path_buf()]
            };
            for f in folders {
                let left = temps_in(&f);
                assert!(left.is_empty(), "after {args:?}: {left:?}");
            }
        }
        i += 1;
    }
    let certs = check_ca_certs(d);
    assert!(
        certs >= index_count,
        "{certs} certificates, {index_count} records"
    );
    // One more complete run of each: nothing temporary is left anywhere.
    run(d, &convert.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    run(d, &import(i).iter().map(|s| s.as_str()).collect::<Vec<_>>());
    run(d, &sign.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    for f in [d.to_path_buf(), d.join("ca"), d.join("ca/certs")] {
        let left = temps_in(&f);
        assert!(left.is_empty(), "{left:?}");
    }
    eprintln!(
        "{runs} runs, {killed} killed before finishing, {changed} files replaced, \
         {leftovers} temporary files seen after kills"
    );
    assert!(killed > 0, "no run was killed mid-way ({runs} runs)");
}
