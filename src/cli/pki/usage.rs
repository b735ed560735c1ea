//! What `pki new` prints when it is done: the files it wrote and commands that use them.

use std::path::Path;

pub fn print_usage(dir: &Path, host: &str, clients: &[&str], generated: bool, jks: bool) {
    let d = dir.display();
    let pw = if generated {
        format!("$(cat {d}/password.txt)")
    } else {
        "<your --pass>".to_string()
    };
    let c = clients.first().copied().unwrap_or("client");
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    println!("Test PKI written to {d}:");
    let rows = [
        (
            "root-ca/, intermediate-ca/".to_string(),
            if generated {
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
            format!("server.p12, {c}.p12"),
            format!(
                "key + chain (PKCS#12{})",
                if jks { "; JKS too" } else { "" }
            ),
        ),
        (
            "truststore.p12".to_string(),
            "the root CA as a trusted entry".to_string(),
        ),
        (
            format!("server.crt/.key, {c}.crt/.key"),
            "leaf + intermediate, and the key (unencrypted, 0600)".to_string(),
        ),
        ("ca-bundle.pem".to_string(), "the root CA".to_string()),
    ];
    for (file, what) in rows {
        println!("  {file:<34} {what}");
    }
    if generated {
        println!(
            "  {:<34} the store and CA key password (0600)",
            "password.txt"
        );
    }
    println!();
    println!("Try it:");
    println!(
        "  openssl s_server -accept 8443 -cert {d}/server.crt -cert_chain {d}/server.crt -key {d}/server.key -CAfile {d}/ca-bundle.pem -Verify 1 -www"
    );
    println!(
        "  curl --cacert {d}/ca-bundle.pem --cert {d}/{c}.crt --key {d}/{c}.key https://{host}:8443/"
    );
    println!(
        "  openssl s_client -connect {host}:8443 -CAfile {d}/ca-bundle.pem -cert {d}/{c}.crt -cert_chain {d}/{c}.crt -key {d}/{c}.key"
    );
    println!(
        "  java -Djavax.net.ssl.keyStore={d}/server.p12 -Djavax.net.ssl.keyStorePassword={pw} \\"
    );
    println!(
        "       -Djavax.net.ssl.trustStore={d}/truststore.p12 -Djavax.net.ssl.trustStorePassword={pw} ..."
    );
}
