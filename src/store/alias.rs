//! Alias rules shared by store operations and codecs: making an alias unique among those
//! taken. (Codecs import this downward; nothing here knows a format's bytes.)

/// `base`, or `base-2`, `base-3`… so that it is unique among `taken` (case-insensitively,
/// since the store may be converted to a Java format later).
pub fn unique(base: &str, taken: &[String]) -> String {
    let clash = |a: &str| taken.iter().any(|t| t.eq_ignore_ascii_case(a));
    if !clash(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|a| !clash(a))
        .unwrap_or_else(|| base.to_string())
}
