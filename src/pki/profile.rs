//! Issuance profiles: which key usages, extended key usages and basic constraints a
//! certificate gets. Plain data; the CLI maps `--profile` onto [`Profile`].

use der::flagset::FlagSet;
use spki::ObjectIdentifier;
use x509_cert::ext::pkix::KeyUsages;

use super::oids;

/// A certificate profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// TLS server: digitalSignature (+ keyEncipherment for RSA keys), id-kp-serverAuth.
    Server,
    /// TLS client: digitalSignature, id-kp-clientAuth.
    Client,
    /// Both TLS server and client.
    ServerClient,
    /// Subordinate CA: cA TRUE with a path length, keyCertSign + cRLSign.
    Ca,
}

impl Profile {
    pub const NAMES: &'static [&'static str] = &["server", "client", "server-client", "ca"];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Server => "server",
            Profile::Client => "client",
            Profile::ServerClient => "server-client",
            Profile::Ca => "ca",
        }
    }

    pub fn is_ca(self) -> bool {
        self == Profile::Ca
    }

    /// Whether the certificate authenticates a TLS server (so it needs a DNS or IP SAN).
    pub fn is_server(self) -> bool {
        matches!(self, Profile::Server | Profile::ServerClient)
    }

    /// keyUsage bits. keyEncipherment only for RSA keys: RSA key transport (TLS 1.2 RSA
    /// key exchange) is the only use of it; EC and Ed25519 keys cannot encipher.
    pub fn key_usage(self, rsa_key: bool) -> FlagSet<KeyUsages> {
        match self {
            Profile::Ca => KeyUsages::KeyCertSign | KeyUsages::CRLSign,
            Profile::Server | Profile::ServerClient if rsa_key => {
                KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment
            }
            _ => KeyUsages::DigitalSignature.into(),
        }
    }

    /// extKeyUsage purposes (none for a CA: an EKU on a CA would restrict its whole subtree).
    pub fn extended_key_usage(self) -> &'static [ObjectIdentifier] {
        match self {
            Profile::Server => &[oids::KP_SERVER_AUTH],
            Profile::Client => &[oids::KP_CLIENT_AUTH],
            Profile::ServerClient => &[oids::KP_SERVER_AUTH, oids::KP_CLIENT_AUTH],
            Profile::Ca => &[],
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "server" => Ok(Profile::Server),
            "client" => Ok(Profile::Client),
            "server-client" => Ok(Profile::ServerClient),
            "ca" => Ok(Profile::Ca),
            _ => Err(format!(
                "unknown profile '{s}' (expected one of: {})",
                Profile::NAMES.join(", ")
            )),
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
