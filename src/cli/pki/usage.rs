//! What `pki new` prints when it is done: the files it wrote and commands that use them
//! (a server bound to 127.0.0.1 on a port that is free now, sending its chain without
//! repeating the leaf).

use std::path::Path;

/// What `pki new` made, for the summary.
pub struct Made<'a> {
    pub dir: &'a Path,
    pub host: &'a str,
    pub clients: &'a [&'a str],
    /// The password was generated into password.txt (and the CA keys are unencrypted).
    pub generated: bool,
    pub jks: bool,
}

/// A port nothing listens on now (the OS picks it), for the "Try it" commands; 8443 when
/// none can be had.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(8443)
}

pub fn print_usage(m: &Made) {
    let d = m.dir.display();
    let pw = if m.generated {
        format!("$(cat {d}/password.txt)")
    } else {
        "<your --pass>".to_string()
    };
    let c = m.clients.first().copied().unwrap_or("client");
    let stems = |ext: &str| {
        std::iter::once("server")
            .chain(m.clients.iter().copied())
            .map(|s| format!("{s}{ext}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("Test PKI written to {d}:");
    let rows = [
        (
            "root-ca/, intermediate-ca/".to_string(),
            if m.generated {
                format!(
                    "the CAs, keys unencrypted 0600 (more: keychest ca issue {d}/intermediate-ca NAME)"
                )
            } else {
                format!(
                    "the CAs, keys encrypted with your --pass (more: keychest ca issue {d}/intermediate-ca NAME --pass ...)"
                )
            },
        ),
        (
            stems(".p12"),
            format!(
                "key + chain (PKCS#12{})",
                if m.jks { "; .jks too" } else { "" }
            ),
        ),
        (
            "truststore.p12".to_string(),
            "the root CA as a trusted entry".to_string(),
        ),
        (
            stems(".crt/.key"),
            "leaf + intermediate, and the key (unencrypted, 0600)".to_string(),
        ),
        ("ca-bundle.pem".to_string(), "the root CA".to_string()),
    ];
    for (file, what) in rows {
        println!("  {file:<34} {what}");
    }
    if m.generated {
        println!(
            "  {:<34} the password of the .p12{} stores (0600); the CA keys are not encrypted",
            "password.txt",
            if m.jks { "/.jks" } else { "" }
        );
    }
    let port = free_port();
    // The server's address as the clients name it: the certificate holds `host`.
    let host = if m.host.contains(':') {
        format!("[{}]", m.host)
    } else {
        m.host.to_string()
    };
    println!();
    println!("Try it (port {port} is free now):");
    println!(
        "  openssl s_server -accept 127.0.0.1:{port} -cert {d}/server.crt -cert_chain {d}/intermediate-ca/chain.pem -key {d}/server.key -CAfile {d}/ca-bundle.pem -Verify 1 -www"
    );
    println!(
        "  curl --cacert {d}/ca-bundle.pem --cert {d}/{c}.crt --key {d}/{c}.key --resolve {host}:{port}:127.0.0.1 https://{host}:{port}/"
    );
    println!(
        "  openssl s_client -connect 127.0.0.1:{port} -servername {} -CAfile {d}/ca-bundle.pem -cert {d}/{c}.crt -cert_chain {d}/intermediate-ca/chain.pem -key {d}/{c}.key",
        m.host
    );
    println!(
        "  java -Djavax.net.ssl.keyStore={d}/server.p12 -Djavax.net.ssl.keyStorePassword={pw} -Djavax.net.ssl.trustStore={d}/truststore.p12 -Djavax.net.ssl.trustStorePassword={pw} ..."
    );
}
