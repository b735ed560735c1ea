//! The block ciphers of the PBE schemes, all in CBC mode with PKCS#7 padding: AES, 3DES,
//! single DES (PBES1 and old PBES2 files) and RC2 with its effective key length (PKCS#12).
//! A padding failure on decryption is reported as [`PbeError::Decrypt`]: a wrong key.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyInit, KeyIvInit};
use zeroize::Zeroizing;

use super::PbeError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cipher {
    Aes128,
    Aes192,
    Aes256,
    DesEde3,
    Des,
    /// RC2 with this effective key length in bits (the key is `bits / 8` bytes).
    Rc2(usize),
}

impl Cipher {
    pub fn key_len(self) -> usize {
        match self {
            Cipher::Aes128 => 16,
            Cipher::Aes192 | Cipher::DesEde3 => 24,
            Cipher::Aes256 => 32,
            Cipher::Des => 8,
            Cipher::Rc2(bits) => bits / 8,
        }
    }
    pub fn iv_len(self) -> usize {
        match self {
            Cipher::DesEde3 | Cipher::Des | Cipher::Rc2(_) => 8,
            _ => 16,
        }
    }
    pub fn name(self) -> String {
        match self {
            Cipher::Aes128 => "AES-128-CBC".into(),
            Cipher::Aes192 => "AES-192-CBC".into(),
            Cipher::Aes256 => "AES-256-CBC".into(),
            Cipher::DesEde3 => "3DES-CBC".into(),
            Cipher::Des => "DES-CBC".into(),
            Cipher::Rc2(bits) => format!("RC2-{bits}-CBC"),
        }
    }

    pub fn decrypt(
        self,
        key: &[u8],
        iv: &[u8],
        data: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, PbeError> {
        self.run(key, iv, data, false)
    }

    pub fn encrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, PbeError> {
        Ok(self.run(key, iv, data, true)?.to_vec())
    }

    fn run(
        self,
        key: &[u8],
        iv: &[u8],
        data: &[u8],
        encrypt: bool,
    ) -> Result<Zeroizing<Vec<u8>>, PbeError> {
        let out = match self {
            Cipher::Aes128 => run::<aes::Aes128>(key, iv, data, encrypt),
            Cipher::Aes192 => run::<aes::Aes192>(key, iv, data, encrypt),
            Cipher::Aes256 => run::<aes::Aes256>(key, iv, data, encrypt),
            Cipher::DesEde3 => run::<des::TdesEde3>(key, iv, data, encrypt),
            Cipher::Des => run::<des::Des>(key, iv, data, encrypt),
            Cipher::Rc2(bits) => rc2(key, bits, iv, data, encrypt),
        }?;
        Ok(Zeroizing::new(out))
    }
}

fn run<C>(key: &[u8], iv: &[u8], data: &[u8], encrypt: bool) -> Result<Vec<u8>, PbeError>
where
    C: cbc::cipher::BlockCipherDecrypt + cbc::cipher::BlockCipherEncrypt + KeyInit,
{
    let bad = |_| PbeError::Malformed("bad key or IV length".into());
    if encrypt {
        let e = cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(bad)?;
        Ok(e.encrypt_padded_vec::<Pkcs7>(data))
    } else {
        let d = cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(bad)?;
        d.decrypt_padded_vec::<Pkcs7>(data)
            .map_err(|_| PbeError::Decrypt)
    }
}

fn rc2(
    key: &[u8],
    bits: usize,
    iv: &[u8],
    data: &[u8],
    encrypt: bool,
) -> Result<Vec<u8>, PbeError> {
    let bad_iv = |_| PbeError::Malformed("bad IV length".into());
    let c = rc2::Rc2::new_with_eff_key_len(key, bits);
    if encrypt {
        Ok(cbc::Encryptor::<rc2::Rc2>::inner_iv_slice_init(c, iv)
            .map_err(bad_iv)?
            .encrypt_padded_vec::<Pkcs7>(data))
    } else {
        cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(c, iv)
            .map_err(bad_iv)?
            .decrypt_padded_vec::<Pkcs7>(data)
            .map_err(|_| PbeError::Decrypt)
    }
}
