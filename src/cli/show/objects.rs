//! Text rendering of the objects `show` finds: certificates (with their extensions and
//! time left), requests, CRLs, private and public keys. Every value read from the file is
//! escaped on its own (`escape`), so a line break inside a name or SAN cannot start a line.

use std::fmt::Write;

use crate::cli::common::render::{colon_hex, escape};
use crate::pki::inspect::{CertSummary, CrlSummary, CsrSummary, Extensions, Object};

pub fn render(out: &mut String, o: &Object) {
    match o {
        Object::Certificate(c) => render_cert(out, c),
        Object::Csr(c) => render_csr(out, c),
        Object::Crl(c) => render_crl(out, c),
        Object::PrivateKey(k) => {
            let _ = writeln!(out, "Private key");
            let _ = writeln!(out, "  Form:       {}", escape(&k.form));
            match &k.public_key {
                Some(p) => {
                    let _ = writeln!(out, "  Algorithm:  {}", escape(&p.label()));
                    let _ = writeln!(out, "  Public key SHA-256: {}", colon_hex(&p.spki_sha256));
                }
                None => match &k.unsupported_algorithm {
                    Some(alg) => {
                        let _ = writeln!(
                            out,
                            "  Algorithm:  {alg} (kept as PKCS#8; keychest does not derive its public key)"
                        );
                    }
                    None => {
                        let _ = writeln!(out, "  Algorithm:  (encrypted; give --pass to see it)");
                    }
                },
            }
        }
        Object::PublicKey(p) => {
            let _ = writeln!(out, "Public key");
            let _ = writeln!(out, "  Algorithm:  {}", escape(&p.public_key.label()));
            let _ = writeln!(
                out,
                "  SHA-256:    {}",
                colon_hex(&p.public_key.spki_sha256)
            );
        }
    }
}

fn render_csr(out: &mut String, c: &CsrSummary) {
    let _ = writeln!(out, "Certificate request");
    let _ = writeln!(out, "  Subject:    {}", escape(&c.subject));
    let _ = writeln!(out, "  Public key: {}", escape(&c.public_key.label()));
    let _ = writeln!(
        out,
        "  Signature:  {} ({})",
        escape(&c.signature_algorithm),
        if c.signature_valid {
            "valid"
        } else {
            "INVALID"
        }
    );
    render_extensions(out, &c.extensions, "Requested extensions");
}

fn render_crl(out: &mut String, c: &CrlSummary) {
    let _ = writeln!(out, "Certificate revocation list");
    let _ = writeln!(out, "  Issuer:      {}", escape(&c.issuer));
    let _ = writeln!(out, "  This update: {}", escape(&c.this_update));
    if let Some(n) = &c.next_update {
        let _ = writeln!(out, "  Next update: {}", escape(n));
    }
    if let Some(n) = &c.crl_number {
        let _ = writeln!(out, "  CRL number:  {}", escape(n));
    }
    let _ = writeln!(out, "  Signature:   {}", escape(&c.signature_algorithm));
    let _ = writeln!(out, "  Revoked:     {}", c.revoked.len());
    for r in &c.revoked {
        let reason = r
            .reason
            .as_deref()
            .map(|r| format!(" ({})", escape(r)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    serial {} on {}{}",
            escape(&r.serial),
            escape(&r.date),
            reason
        );
    }
}

pub fn render_cert(out: &mut String, c: &CertSummary) {
    let _ = writeln!(out, "Certificate");
    let _ = writeln!(out, "  Subject:     {}", escape(&c.subject));
    let _ = writeln!(
        out,
        "  Issuer:      {}{}",
        escape(&c.issuer),
        if c.self_signed { " (self-signed)" } else { "" }
    );
    let _ = writeln!(out, "  Serial:      {}", escape(&c.serial));
    let _ = writeln!(out, "  Valid from:  {}", escape(&c.not_before));
    let _ = writeln!(
        out,
        "  Valid until: {}{}",
        escape(&c.not_after),
        expiry_note(&c.not_after)
    );
    let _ = writeln!(out, "  Public key:  {}", escape(&c.public_key.label()));
    let _ = writeln!(out, "  Signature:   {}", escape(&c.signature_algorithm));
    render_extensions(out, &c.extensions, "Extensions");
    let _ = writeln!(out, "  SHA-1:       {}", colon_hex(&c.fingerprints.sha1));
    let _ = writeln!(out, "  SHA-256:     {}", colon_hex(&c.fingerprints.sha256));
}

fn expiry_note(not_after: &str) -> String {
    let Ok(t) =
        time::OffsetDateTime::parse(not_after, &time::format_description::well_known::Rfc3339)
    else {
        return String::new();
    };
    let days = (t - time::OffsetDateTime::now_utc()).whole_days();
    if days < 0 {
        format!(" (EXPIRED {} days ago)", -days)
    } else {
        format!(" ({days} days left)")
    }
}

/// Values from the file, each escaped, joined by keychest's separator.
fn join(values: &[String]) -> String {
    values
        .iter()
        .map(|v| escape(v))
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_extensions(out: &mut String, e: &Extensions, title: &str) {
    let crit = |name: &str| {
        if e.critical.iter().any(|c| c == name) {
            " (critical)"
        } else {
            ""
        }
    };
    let mut lines: Vec<String> = Vec::new();
    if let Some(s) = &e.subject_alt_names {
        lines.push(format!(
            "Subject Alternative Name{}: {}",
            crit("subjectAltName"),
            join(s)
        ));
    }
    if let Some(b) = &e.basic_constraints {
        let pl = b
            .path_len
            .map(|p| format!(", pathlen:{p}"))
            .unwrap_or_default();
        lines.push(format!(
            "Basic Constraints{}: CA:{}{}",
            crit("basicConstraints"),
            if b.ca { "TRUE" } else { "FALSE" },
            pl
        ));
    }
    if let Some(k) = &e.key_usage {
        lines.push(format!("Key Usage{}: {}", crit("keyUsage"), join(k)));
    }
    if let Some(k) = &e.extended_key_usage {
        lines.push(format!(
            "Extended Key Usage{}: {}",
            crit("extendedKeyUsage"),
            join(k)
        ));
    }
    if let Some(s) = &e.subject_key_id {
        lines.push(format!("Subject Key Identifier: {}", colon_hex(s)));
    }
    if let Some(s) = &e.authority_key_id {
        lines.push(format!("Authority Key Identifier: {}", colon_hex(s)));
    }
    if let Some(d) = &e.crl_distribution_points {
        lines.push(format!("CRL Distribution Points: {}", join(d)));
    }
    if let Some(a) = &e.authority_info_access {
        let items: Vec<String> = a
            .iter()
            .map(|x| format!("{} - {}", escape(&x.method), escape(&x.location)))
            .collect();
        lines.push(format!(
            "Authority Information Access: {}",
            items.join(", ")
        ));
    }
    if let Some(n) = &e.name_constraints {
        lines.push(format!(
            "Name Constraints{}: permitted [{}], excluded [{}]",
            crit("nameConstraints"),
            join(&n.permitted),
            join(&n.excluded)
        ));
    }
    for o in &e.other {
        lines.push(format!("Other: {}", escape(o)));
    }
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {title}:");
    for l in lines {
        let _ = writeln!(out, "    {l}");
    }
}
