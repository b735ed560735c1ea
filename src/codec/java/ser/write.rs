//! The writer of Java serialization streams, reproducing the JDK's byte layout (handle
//! numbering, class descriptors written once), because the JDK checks class names and
//! serialVersionUIDs on read.

use super::*;
use crate::codec::java::error::JksError;

/// A serializable class as the JDK describes it. `fields` must be in the JDK's
/// order (primitives first, then by name), which is the order values are written.
pub struct ClassSpec {
    pub name: &'static str,
    pub suid: u64,
    pub flags: u8,
    pub fields: &'static [FieldSpec],
    pub superclass: Option<&'static ClassSpec>,
}

/// An object-typed field: type code (`L` or `[`), name and JVM type signature.
pub struct FieldSpec {
    pub type_code: u8,
    pub name: &'static str,
    pub signature: &'static str,
}

/// A value to write: only what the JCEKS objects contain.
pub enum WriteValue<'a> {
    Str(&'a str),
    Bytes(&'a [u8]),
    /// An object; `values` cover the whole hierarchy, superclass fields first.
    Object(&'static ClassSpec, Vec<WriteValue<'a>>),
    Enum(&'static ClassSpec, &'a str),
}

/// `byte[]` as the JDK describes it.
pub static BYTE_ARRAY: ClassSpec = ClassSpec {
    name: "[B",
    suid: 0xACF3_17F8_0608_54E0,
    flags: SC_SERIALIZABLE,
    fields: &[],
    superclass: None,
};

/// `java.lang.Enum` (enums always have serialVersionUID 0).
pub static ENUM: ClassSpec = ClassSpec {
    name: "java.lang.Enum",
    suid: 0,
    flags: SC_SERIALIZABLE | SC_ENUM,
    fields: &[],
    superclass: None,
};

/// Class flags for a plain `Serializable` class.
pub const FLAGS_SERIALIZABLE: u8 = SC_SERIALIZABLE;
/// Class flags for an enum class.
pub const FLAGS_ENUM: u8 = SC_SERIALIZABLE | SC_ENUM;

/// Serializes `value` as a complete stream, as `new ObjectOutputStream(out)
/// .writeObject(value)` does: class descriptors and field type strings are
/// written once and referenced afterwards; values get fresh handles.
pub fn write_stream(value: &WriteValue<'_>) -> Result<Vec<u8>, JksError> {
    let mut w = Writer::default();
    w.out.extend_from_slice(&STREAM_MAGIC);
    w.value(value)?;
    Ok(w.out)
}

#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    next_handle: u32,
    /// Class descriptors and type-signature strings already written.
    descs: Vec<(&'static str, u32)>,
    signatures: Vec<(&'static str, u32)>,
}

impl Writer {
    fn assign(&mut self) -> u32 {
        let h = BASE_HANDLE + self.next_handle;
        self.next_handle += 1;
        h
    }

    fn utf(&mut self, s: &str) -> Result<(), JksError> {
        let bytes = encode_modified_utf8(s);
        let len = u16::try_from(bytes.len()).map_err(|_| JksError::TooLarge {
            what: "serialized string",
        })?;
        self.out.extend_from_slice(&len.to_be_bytes());
        self.out.extend_from_slice(&bytes);
        Ok(())
    }

    fn reference(&mut self, handle: u32) {
        self.out.push(TC_REFERENCE);
        self.out.extend_from_slice(&handle.to_be_bytes());
    }

    fn class_desc(&mut self, spec: &'static ClassSpec) -> Result<(), JksError> {
        if let Some(&(_, h)) = self.descs.iter().find(|(n, _)| *n == spec.name) {
            self.reference(h);
            return Ok(());
        }
        self.out.push(TC_CLASSDESC);
        self.utf(spec.name)?;
        self.out.extend_from_slice(&spec.suid.to_be_bytes());
        let h = self.assign();
        self.descs.push((spec.name, h));
        self.out.push(spec.flags);
        let count = u16::try_from(spec.fields.len()).unwrap_or(u16::MAX);
        self.out.extend_from_slice(&count.to_be_bytes());
        for f in spec.fields {
            self.out.push(f.type_code);
            self.utf(f.name)?;
            self.signature(f.signature)?;
        }
        self.out.push(TC_ENDBLOCKDATA);
        match spec.superclass {
            Some(sup) => self.class_desc(sup),
            None => {
                self.out.push(TC_NULL);
                Ok(())
            }
        }
    }

    fn signature(&mut self, sig: &'static str) -> Result<(), JksError> {
        if let Some(&(_, h)) = self.signatures.iter().find(|(s, _)| *s == sig) {
            self.reference(h);
            return Ok(());
        }
        self.out.push(TC_STRING);
        self.utf(sig)?;
        let h = self.assign();
        self.signatures.push((sig, h));
        Ok(())
    }

    fn value(&mut self, v: &WriteValue<'_>) -> Result<(), JksError> {
        match v {
            WriteValue::Str(s) => {
                self.out.push(TC_STRING);
                self.utf(s)?;
                self.assign();
            }
            WriteValue::Bytes(b) => {
                self.out.push(TC_ARRAY);
                self.class_desc(&BYTE_ARRAY)?;
                self.assign();
                let len = i32::try_from(b.len()).map_err(|_| JksError::TooLarge {
                    what: "serialized byte array",
                })?;
                self.out.extend_from_slice(&len.to_be_bytes());
                self.out.extend_from_slice(b);
            }
            WriteValue::Object(spec, values) => {
                self.out.push(TC_OBJECT);
                self.class_desc(spec)?;
                self.assign();
                for v in values {
                    self.value(v)?;
                }
            }
            WriteValue::Enum(spec, name) => {
                self.out.push(TC_ENUM);
                self.class_desc(spec)?;
                self.assign();
                self.value(&WriteValue::Str(name))?;
            }
        }
        Ok(())
    }
}
