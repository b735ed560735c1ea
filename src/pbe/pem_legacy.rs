//! OpenSSL's traditional PEM encryption (`Proc-Type: 4,ENCRYPTED` with `DEK-Info`): the key
//! comes from EVP_BytesToKey with MD5 and one iteration, the IV is the header's.

use sha1::Digest as _;
use zeroize::Zeroizing;

use super::PbeError;
use super::budget::{self, blocks};
use super::cipher::Cipher;

/// Decrypts a traditional OpenSSL PEM body given its `DEK-Info` header value.
pub fn decrypt_pem_legacy(
    dek_info: &str,
    password: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let (alg, iv_hex) = dek_info
        .split_once(',')
        .ok_or_else(|| PbeError::Malformed(format!("bad DEK-Info '{dek_info}'")))?;
    let cipher = match alg.trim().to_ascii_uppercase().as_str() {
        "DES-CBC" => Cipher::Des,
        "DES-EDE3-CBC" => Cipher::DesEde3,
        "AES-128-CBC" => Cipher::Aes128,
        "AES-192-CBC" => Cipher::Aes192,
        "AES-256-CBC" => Cipher::Aes256,
        other => return Err(PbeError::Unsupported(format!("PEM encryption {other}"))),
    };
    let iv = hex_decode(iv_hex.trim())
        .filter(|iv| iv.len() == cipher.iv_len())
        .ok_or_else(|| PbeError::Malformed(format!("bad IV in DEK-Info '{dek_info}'")))?;
    let key = evp_bytes_to_key_md5(password, &iv[..8], cipher.key_len())?;
    cipher.decrypt(&key, &iv, data)
}

/// OpenSSL's EVP_BytesToKey with MD5 and one iteration: D_i = MD5(D_{i-1} || P || S).
fn evp_bytes_to_key_md5(
    password: &[u8],
    salt: &[u8],
    len: usize,
) -> Result<Zeroizing<Vec<u8>>, PbeError> {
    let rounds = (len as u64).div_ceil(16);
    let cost = rounds * blocks(16 + (password.len() + salt.len()) as u64, 64);
    budget::charge("EVP_BytesToKey", cost)?;
    let mut out = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut prev: Vec<u8> = Vec::new();
    while out.len() < len {
        prev = md5::Md5::new_with_prefix(&prev)
            .chain_update(password)
            .chain_update(salt)
            .finalize()
            .to_vec();
        out.extend_from_slice(&prev);
    }
    out.truncate(len);
    Ok(out)
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evp_bytes_to_key_matches_openssl() {
        // `openssl enc -aes-128-cbc -pass pass:password -S 0102030405060708 -P -md md5`
        let key = evp_bytes_to_key_md5(b"password", &[1, 2, 3, 4, 5, 6, 7, 8], 16).unwrap();
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "e7b0971e52ca5cc8d0539fb3412f6316");
    }
}
