//! The report of a decoded PKCS#12 file ([`Pkcs12Info`]): how its keys, certificates and
//! MAC are protected, which write preset it matches, and which consumers will fail on it.

use super::safes::{Bag, Item};
use super::{Compat, MacInfo, Pkcs12Info};
use crate::pbe::{self, MacParams, Pkcs12Pbe, Scheme};

/// Describes the distinct schemes, in order of first appearance.
fn describe_all<'a>(schemes: impl Iterator<Item = Option<&'a Scheme>>, none: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in schemes {
        let d = s.map_or_else(|| none.to_string(), Scheme::describe);
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// Warnings for consumers that cannot read these schemes.
fn scheme_warnings<'a>(schemes: impl Iterator<Item = &'a Scheme>, warnings: &mut Vec<String>) {
    let (mut rc2_40, mut rc2_128, mut pbes2) = (false, false, false);
    for s in schemes {
        match s {
            Scheme::Pkcs12 {
                kind: Pkcs12Pbe::Rc2_40,
                ..
            } => rc2_40 = true,
            Scheme::Pkcs12 {
                kind: Pkcs12Pbe::Rc2_128,
                ..
            } => rc2_128 = true,
            Scheme::Pbes2 { .. } => pbes2 = true,
            _ => {}
        }
    }
    if rc2_40 {
        warnings.push("RC2-40: OpenSSL 3 needs -legacy (the legacy provider) to read it".into());
    }
    if rc2_128 {
        warnings.push("RC2-128: OpenSSL 3 needs -legacy (the legacy provider) to read it".into());
    }
    if pbes2 {
        warnings.push(
            "AES (PBES2): macOS Keychain and Windows before 10 1709 cannot import it (--compat legacy can)"
                .into(),
        );
    }
}

fn mac_warnings(mac: Option<&MacParams>, warnings: &mut Vec<String>) {
    match mac {
        None => warnings.push("no MAC: integrity not protected".into()),
        Some(m) if m.digest != pbe::Digest::Sha1 => warnings.push(format!(
            "{} MAC: Java before 8u301/11.0.12 cannot verify it (--compat java11 uses SHA-1)",
            m.digest.name()
        )),
        Some(_) => {}
    }
}

/// The report; `no_attr` are the aliases of trusted certificates without Java's attribute.
pub(super) fn info(
    bags: &[Bag],
    cert_safes: &[Option<Scheme>],
    mac: Option<&MacParams>,
    no_attr: Vec<String>,
    mut warnings: Vec<String>,
) -> Pkcs12Info {
    let key_schemes: Vec<Option<&Scheme>> = bags
        .iter()
        .filter_map(|b| match &b.item {
            Item::Key { scheme, .. } => Some(scheme.as_ref()),
            Item::Secret { scheme, .. } => Some(Some(scheme)),
            Item::Cert(_) => None,
        })
        .collect();
    let key_encryption = describe_all(key_schemes.iter().copied(), "none (keyBag)");
    let cert_encryption = (!cert_safes.is_empty())
        .then(|| describe_all(cert_safes.iter().map(Option::as_ref), "none").join("; "));
    let all = key_schemes
        .iter()
        .copied()
        .chain(cert_safes.iter().map(Option::as_ref));
    scheme_warnings(all.flatten(), &mut warnings);
    mac_warnings(mac, &mut warnings);
    let plain_keys = key_schemes.iter().filter(|s| s.is_none()).count();
    if plain_keys > 0 {
        // Checked with JDK 17: `keytool -list` shows "0 entries" for such a file.
        warnings.push(format!(
            "{plain_keys} unencrypted private key(s) (keyBag): Java does not list them (keytool sees 0 entries for them)"
        ));
    }
    if !no_attr.is_empty() {
        warnings.push(format!(
            "no trust attribute on {}: Java does not list these certificates (it sees 0 entries for them)",
            no_attr.join(", ")
        ));
    }
    Pkcs12Info {
        mac: mac.map(|m| MacInfo {
            digest: m.digest.name().to_string(),
            iterations: m.iterations,
            salt_len: m.salt.len(),
        }),
        cert_encryption,
        key_encryption,
        trusted_without_java_attribute: no_attr,
        preset: detect_preset(&key_schemes, cert_safes, mac),
        warnings,
        unkept: Vec::new(),
    }
}

fn detect_preset(
    keys: &[Option<&Scheme>],
    cert_safes: &[Option<Scheme>],
    mac: Option<&MacParams>,
) -> Option<Compat> {
    let aes256_sha256 = |s: Option<&Scheme>| {
        matches!(
            s,
            Some(Scheme::Pbes2 {
                prf: pbe::Digest::Sha256,
                cipher: pbe::Cipher::Aes256,
                ..
            })
        )
    };
    let des3 = |s: Option<&Scheme>| {
        matches!(
            s,
            Some(Scheme::Pkcs12 {
                kind: Pkcs12Pbe::Des3,
                ..
            })
        )
    };
    let rc2_or_des3 = |s: Option<&Scheme>| {
        des3(s)
            || matches!(
                s,
                Some(Scheme::Pkcs12 {
                    kind: Pkcs12Pbe::Rc2_40,
                    ..
                })
            )
    };
    let Some(mac) = mac else {
        return (keys.is_empty() && cert_safes.iter().all(Option::is_none))
            .then_some(Compat::Passwordless);
    };
    let keys_aes = keys.iter().all(|s| aes256_sha256(*s));
    let certs_aes = cert_safes.iter().all(|s| aes256_sha256(s.as_ref()));
    match mac.digest {
        pbe::Digest::Sha256 if keys_aes && certs_aes => Some(Compat::Modern),
        pbe::Digest::Sha1 if keys_aes && certs_aes => Some(Compat::Java11),
        pbe::Digest::Sha1
            if keys.iter().all(|s| des3(*s))
                && cert_safes.iter().all(|s| rc2_or_des3(s.as_ref())) =>
        {
            Some(Compat::Legacy)
        }
        _ => None,
    }
}
