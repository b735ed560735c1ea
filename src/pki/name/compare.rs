//! RFC 5280 §7.1 name comparison: byte-identical DER first, then a normalised key per RDN
//! (string type, case and white space ignored).

use der::asn1::Any;
use der::{Decode, Encode};
use x509_cert::name::{Name, RelativeDistinguishedName};

use super::{hex_lower, value_text};

/// RFC 5280 §7.1 comparison form of a string value: case folded, leading and trailing white
/// space removed and inner runs of white space collapsed (a simplification of RFC 4518's
/// string preparation that covers what real CA names differ by).
fn prepare(value: &Any) -> Option<String> {
    let text = value_text(value)?;
    Some(
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    )
}

/// Whether two names are equal: byte-identical DER, or equal after RFC 5280 §7.1
/// normalisation (string type, case and white space differences ignored; RDNs in order,
/// attributes within an RDN in any order).
pub fn names_equal(a: &Name, b: &Name) -> bool {
    if let (Ok(x), Ok(y)) = (a.to_der(), b.to_der())
        && x == y
    {
        return true;
    }
    comparison_key(a) == comparison_key(b)
}

/// A name in RFC 5280 §7.1 comparison form: per RDN (in order), its attributes as
/// (type, prepared value), sorted. Two names are equal when their keys are; callers that
/// compare one name against many compute its key once.
pub type NameKey = Vec<Vec<(String, String)>>;

pub fn comparison_key(name: &Name) -> NameKey {
    name.iter_rdn()
        .map(|rdn| {
            let mut k = rdn_key(rdn);
            k.sort();
            k
        })
        .collect()
}

/// The comparison key of a DER name, or None if it does not parse.
pub fn comparison_key_der(der: &[u8]) -> Option<NameKey> {
    #[cfg(test)]
    KEYS_COMPUTED.with(|c| c.set(c.get() + 1));
    Name::from_der(der).ok().map(|n| comparison_key(&n))
}

/// A name that many others are checked against (a CA name a server accepts), with its
/// comparison key computed once.
pub struct AcceptedName<'a> {
    pub der: &'a [u8],
    key: Option<NameKey>,
}

impl<'a> AcceptedName<'a> {
    pub fn new(der: &'a [u8]) -> AcceptedName<'a> {
        AcceptedName {
            der,
            key: comparison_key_der(der),
        }
    }

    /// Whether the DER name `der` is this name: byte equality first (the common case: the
    /// server sends the CA's subject bytes), then RFC 5280 comparison with `der`'s key, which
    /// `key` holds for the caller so that it is computed at most once per name.
    pub fn matches(&self, der: &[u8], key: &mut Option<Option<NameKey>>) -> bool {
        if self.der == der {
            return true;
        }
        let Some(mine) = &self.key else { return false };
        key.get_or_insert_with(|| comparison_key_der(der))
            .as_ref()
            .is_some_and(|k| k == mine)
    }
}

#[cfg(test)]
thread_local! {
    /// How many names [`comparison_key_der`] parsed on this thread: lets tests count work
    /// (linear vs. pairwise) instead of timing it.
    static KEYS_COMPUTED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Names parsed by [`comparison_key_der`] on this thread so far (tests only).
#[cfg(test)]
pub fn comparison_keys_computed() -> usize {
    KEYS_COMPUTED.with(|c| c.get())
}

fn rdn_key(rdn: &RelativeDistinguishedName) -> Vec<(String, String)> {
    rdn.iter()
        .map(|atv| {
            let v = prepare(&atv.value).unwrap_or_else(|| {
                // Non-string values compare by their exact encoding.
                format!("#{}", hex_lower(&atv.value.to_der().unwrap_or_default()))
            });
            (atv.oid.to_string(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::name::parse_dn;

    #[test]
    fn comparison_ignores_case_space_and_string_type() {
        let a = parse_dn("CN=Test  CA,O=Acme").unwrap();
        let b = parse_dn("CN=test ca, O=ACME").unwrap();
        assert!(names_equal(&a, &b));
        // PrintableString vs UTF8String
        let p = parse_dn("2.5.4.3=#130474657374").unwrap();
        let u = parse_dn("CN=TEST").unwrap();
        assert!(names_equal(&p, &u));
        let c = parse_dn("CN=Other CA,O=Acme").unwrap();
        assert!(!names_equal(&a, &c));
        let d = parse_dn("O=Acme,CN=Test CA").unwrap();
        assert!(!names_equal(&a, &d), "RDN order matters");
    }

    #[test]
    fn an_accepted_name_keys_each_candidate_once() {
        let der = |dn: &str| parse_dn(dn).unwrap().to_der().unwrap();
        let (ca, same, other) = (der("CN=Test CA"), der("CN=test  ca"), der("CN=Other"));
        let names = [AcceptedName::new(&ca), AcceptedName::new(&other)];
        let mut key = None;
        assert!(names[0].matches(&ca, &mut key));
        assert!(key.is_none(), "equal bytes need no key");
        let before = comparison_keys_computed();
        assert!(!names[1].matches(&same, &mut key));
        assert!(names[0].matches(&same, &mut key));
        assert_eq!(comparison_keys_computed() - before, 1);
        assert!(!AcceptedName::new(b"not a name").matches(&same, &mut None));
    }
}
