//! Java modified UTF-8 and a small, bounded reader/writer for Java object
//! serialization streams (`java.io.ObjectOutputStream`, protocol version 2).
//!
//! Hand-written because JCEKS embeds serialized objects (a `SealedObject` per secret
//! key entry, and inside it a `SecretKeySpec` or `KeyRep`) and no Rust crate reads
//! or writes this format with the exact bytes the JDK produces and accepts.
//! The reader only understands what those objects need (objects of serializable
//! classes, strings, byte arrays, enums, back-references) and is bounded in depth,
//! handle count and sizes so that hostile input cannot make it recurse or allocate
//! without limit. The writer reproduces the JDK's byte layout, including handle
//! numbering, because the JDK checks class names and serialVersionUIDs on read.

mod read;
#[cfg(test)]
mod tests;
mod write;

pub use read::{ClassDesc, EnumConstant, FieldDesc, Object, Value, read_stream};
pub use write::{
    BYTE_ARRAY, ClassSpec, ENUM, FLAGS_ENUM, FLAGS_SERIALIZABLE, FieldSpec, WriteValue,
    write_stream,
};

pub(super) const STREAM_MAGIC: [u8; 4] = [0xAC, 0xED, 0x00, 0x05];
pub(super) const TC_NULL: u8 = 0x70;
pub(super) const TC_REFERENCE: u8 = 0x71;
pub(super) const TC_CLASSDESC: u8 = 0x72;
pub(super) const TC_OBJECT: u8 = 0x73;
pub(super) const TC_STRING: u8 = 0x74;
pub(super) const TC_ARRAY: u8 = 0x75;
pub(super) const TC_BLOCKDATA: u8 = 0x77;
pub(super) const TC_ENDBLOCKDATA: u8 = 0x78;
pub(super) const TC_BLOCKDATALONG: u8 = 0x7A;
pub(super) const TC_ENUM: u8 = 0x7E;
pub(super) const BASE_HANDLE: u32 = 0x7E_0000;

pub(super) const SC_WRITE_METHOD: u8 = 0x01;
pub(super) const SC_SERIALIZABLE: u8 = 0x02;
pub(super) const SC_EXTERNALIZABLE: u8 = 0x04;
pub(super) const SC_ENUM: u8 = 0x10;

/// Nesting limit: the objects we read are at most three levels deep.
pub(super) const MAX_DEPTH: usize = 16;
/// Handle limit: the streams we read have about a dozen handles.
pub(super) const MAX_HANDLES: usize = 1024;
/// Class hierarchy limit (object -> superclasses).
pub(super) const MAX_HIERARCHY: usize = 8;

// ---------------------------------------------------------------------------
// Modified UTF-8 (DataOutput.writeUTF without the length prefix)
// ---------------------------------------------------------------------------

/// Encodes `s` as Java modified UTF-8: NUL as `C0 80`, supplementary characters
/// as two 3-byte surrogates (never 4-byte sequences).
pub fn encode_modified_utf8(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for unit in s.encode_utf16() {
        match unit {
            0x0001..=0x007F => out.push(unit as u8),
            0x0000 | 0x0080..=0x07FF => {
                out.push(0xC0 | (unit >> 6) as u8);
                out.push(0x80 | (unit & 0x3F) as u8);
            }
            _ => {
                out.push(0xE0 | (unit >> 12) as u8);
                out.push(0x80 | ((unit >> 6) & 0x3F) as u8);
                out.push(0x80 | (unit & 0x3F) as u8);
            }
        }
    }
    out
}

/// Decodes Java modified UTF-8. Like `DataInputStream.readUTF` it accepts any
/// 1-, 2- or 3-byte pattern; the UTF-16 result must be well formed (Rust strings
/// cannot hold lone surrogates). On error returns the index of the bad byte.
pub fn decode_modified_utf8(bytes: &[u8]) -> Result<String, usize> {
    let mut units = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b0) = bytes.get(i) {
        let cont = |k: usize| match bytes.get(i + k) {
            Some(&b) if b & 0xC0 == 0x80 => Ok(u16::from(b & 0x3F)),
            _ => Err(i + k),
        };
        match b0 >> 4 {
            0..=7 => {
                units.push(u16::from(b0));
                i += 1;
            }
            12 | 13 => {
                units.push((u16::from(b0 & 0x1F) << 6) | cont(1)?);
                i += 2;
            }
            14 => {
                units.push((u16::from(b0 & 0x0F) << 12) | (cont(1)? << 6) | cont(2)?);
                i += 3;
            }
            _ => return Err(i),
        }
    }
    String::from_utf16(&units).map_err(|_| bytes.len())
}
