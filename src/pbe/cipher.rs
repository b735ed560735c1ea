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
        let out = match self {
            Cipher::Aes128 => decrypt_with::<aes::Aes128>(key, iv, data),
            Cipher::Aes192 => decrypt_with::<aes::Aes192>(key, iv, data),
            Cipher::Aes256 => decrypt_with::<aes::Aes256>(key, iv, data),
            Cipher::DesEde3 => decrypt_with::<des::TdesEde3>(key, iv, data),
            Cipher::Des => decrypt_with::<des::Des>(key, iv, data),
            Cipher::Rc2(bits) => rc2_decrypt(key, bits, iv, data),
        }?;
        Ok(Zeroizing::new(out))
    }

    pub fn encrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, PbeError> {
        let mut buf = Vec::with_capacity(data.len() + self.block_len());
        buf.extend_from_slice(data);
        self.encrypt_in_place(key, iv, &mut buf, 0)?;
        Ok(buf)
    }

    /// Encrypts `buf[from..]` in place, padded (the buffer grows by at most one block): a
    /// large plaintext, such as a 50 MB certificate safe, is neither copied nor kept twice.
    pub fn encrypt_in_place(
        self,
        key: &[u8],
        iv: &[u8],
        buf: &mut Vec<u8>,
        from: usize,
    ) -> Result<(), PbeError> {
        let msg_len = buf.len().saturating_sub(from);
        let block = self.block_len();
        buf.resize(from + (msg_len / block + 1) * block, 0);
        let region = &mut buf[from..];
        match self {
            Cipher::Aes128 => encrypt_with::<aes::Aes128>(key, iv, region, msg_len),
            Cipher::Aes192 => encrypt_with::<aes::Aes192>(key, iv, region, msg_len),
            Cipher::Aes256 => encrypt_with::<aes::Aes256>(key, iv, region, msg_len),
            Cipher::DesEde3 => encrypt_with::<des::TdesEde3>(key, iv, region, msg_len),
            Cipher::Des => encrypt_with::<des::Des>(key, iv, region, msg_len),
            Cipher::Rc2(bits) => {
                let c = rc2::Rc2::new_with_eff_key_len(key, bits);
                let e = cbc::Encryptor::<rc2::Rc2>::inner_iv_slice_init(c, iv)
                    .map_err(|_| PbeError::Malformed("bad IV length".into()))?;
                e.encrypt_padded::<Pkcs7>(region, msg_len)
                    .map(|_| ())
                    .map_err(|_| PbeError::Malformed("padding".into()))
            }
        }
    }

    /// The cipher's block length: the IV is one block.
    fn block_len(self) -> usize {
        self.iv_len()
    }
}

fn bad_key_or_iv<E>(_: E) -> PbeError {
    PbeError::Malformed("bad key or IV length".into())
}

fn encrypt_with<C>(key: &[u8], iv: &[u8], region: &mut [u8], msg_len: usize) -> Result<(), PbeError>
where
    C: cbc::cipher::BlockCipherEncrypt + KeyInit,
{
    cbc::Encryptor::<C>::new_from_slices(key, iv)
        .map_err(bad_key_or_iv)?
        .encrypt_padded::<Pkcs7>(region, msg_len)
        .map(|_| ())
        .map_err(|_| PbeError::Malformed("padding".into()))
}

fn decrypt_with<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Vec<u8>, PbeError>
where
    C: cbc::cipher::BlockCipherDecrypt + KeyInit,
{
    cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(bad_key_or_iv)?
        .decrypt_padded_vec::<Pkcs7>(data)
        .map_err(|_| PbeError::Decrypt)
}

fn rc2_decrypt(key: &[u8], bits: usize, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, PbeError> {
    let c = rc2::Rc2::new_with_eff_key_len(key, bits);
    cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(c, iv)
        .map_err(|_| PbeError::Malformed("bad IV length".into()))?
        .decrypt_padded_vec::<Pkcs7>(data)
        .map_err(|_| PbeError::Decrypt)
}
