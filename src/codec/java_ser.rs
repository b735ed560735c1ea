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

use std::rc::Rc;

use super::jks::JksError;

const STREAM_MAGIC: [u8; 4] = [0xAC, 0xED, 0x00, 0x05];
const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_STRING: u8 = 0x74;
const TC_ARRAY: u8 = 0x75;
const TC_BLOCKDATA: u8 = 0x77;
const TC_ENDBLOCKDATA: u8 = 0x78;
const TC_BLOCKDATALONG: u8 = 0x7A;
const TC_ENUM: u8 = 0x7E;
const BASE_HANDLE: u32 = 0x7E_0000;

const SC_WRITE_METHOD: u8 = 0x01;
const SC_SERIALIZABLE: u8 = 0x02;
const SC_EXTERNALIZABLE: u8 = 0x04;
const SC_ENUM: u8 = 0x10;

/// Nesting limit: the objects we read are at most three levels deep.
const MAX_DEPTH: usize = 16;
/// Handle limit: the streams we read have about a dozen handles.
const MAX_HANDLES: usize = 1024;
/// Class hierarchy limit (object -> superclasses).
const MAX_HIERARCHY: usize = 8;

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

// ---------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------

/// A class descriptor as read from the stream.
#[derive(Debug)]
pub struct ClassDesc {
    pub name: String,
    pub suid: i64,
    pub flags: u8,
    pub fields: Vec<FieldDesc>,
    pub superclass: Option<Rc<ClassDesc>>,
}

/// One serializable field of a class descriptor.
#[derive(Debug)]
pub struct FieldDesc {
    /// Java type code: `B C D F I J S Z` for primitives, `L` or `[` for objects.
    pub type_code: u8,
    pub name: String,
}

/// A deserialized value; objects are shared so back-references are cheap.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    /// A primitive field, as its big-endian bits.
    Primitive(u64),
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    Object(Rc<Object>),
    Enum(Rc<EnumConstant>),
}

/// An object of a serializable class with its field values (all classes of its
/// hierarchy, superclass fields first).
#[derive(Debug)]
pub struct Object {
    pub class: Rc<ClassDesc>,
    pub fields: Vec<(String, Value)>,
}

impl Object {
    /// The value of the field `name` (the first one, if a subclass shadows it).
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// True if the object's class or one of its superclasses is `name`.
    pub fn is_instance_of(&self, name: &str) -> bool {
        let mut class = Some(&self.class);
        while let Some(c) = class {
            if c.name == name {
                return true;
            }
            class = c.superclass.as_ref();
        }
        false
    }
}

#[derive(Debug)]
pub struct EnumConstant {
    pub class: Rc<ClassDesc>,
    pub constant: String,
}

/// What a handle refers to. Objects under construction are `Pending` so that a
/// (cyclic) reference to them is rejected instead of followed.
enum Handle {
    Desc(Rc<ClassDesc>),
    Value(Value),
    Pending,
}

/// Parses one serialization stream (magic, version, one top-level object) that
/// starts at `start` in `buf`. Returns the object and the offset just past it, so
/// that callers embedding a stream in a larger file (JCEKS) know where it ends.
/// Error offsets are absolute positions in `buf`.
pub fn read_stream(buf: &[u8], start: usize) -> Result<(Value, usize), JksError> {
    let mut p = Parser {
        buf,
        pos: start,
        handles: Vec::new(),
        depth: 0,
    };
    if p.take(4)? != STREAM_MAGIC {
        return Err(p.err_at(start, "not a Java serialization stream (bad magic)"));
    }
    let value = p.content()?;
    Ok((value, p.pos))
}

struct Parser<'a> {
    buf: &'a [u8],
    pos: usize,
    handles: Vec<Handle>,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn err_at(&self, offset: usize, reason: &str) -> JksError {
        JksError::JavaSerialization {
            offset,
            reason: reason.to_owned(),
        }
    }

    fn err(&self, reason: &str) -> JksError {
        self.err_at(self.pos, reason)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], JksError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(JksError::Truncated {
                offset: self.pos,
                needed: n,
                available: self.buf.len().saturating_sub(self.pos),
            });
        };
        let s = self.buf.get(self.pos..end).unwrap_or_default();
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, JksError> {
        Ok(self.take(1)?.first().copied().unwrap_or_default())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], JksError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn peek(&self) -> Result<u8, JksError> {
        self.buf.get(self.pos).copied().ok_or(JksError::Truncated {
            offset: self.pos,
            needed: 1,
            available: 0,
        })
    }

    fn utf(&mut self) -> Result<String, JksError> {
        let len = usize::from(u16::from_be_bytes(self.array()?));
        let at = self.pos;
        let bytes = self.take(len)?;
        decode_modified_utf8(bytes).map_err(|i| JksError::BadModifiedUtf8 { offset: at + i })
    }

    fn new_handle(&mut self, h: Handle) -> Result<usize, JksError> {
        if self.handles.len() >= MAX_HANDLES {
            return Err(self.err("too many objects in stream"));
        }
        self.handles.push(h);
        Ok(self.handles.len() - 1)
    }

    fn set_handle(&mut self, idx: usize, h: Handle) {
        if let Some(slot) = self.handles.get_mut(idx) {
            *slot = h;
        }
    }

    fn reference(&mut self) -> Result<&Handle, JksError> {
        let at = self.pos;
        let raw = u32::from_be_bytes(self.array()?);
        let idx = raw.wrapping_sub(BASE_HANDLE) as usize;
        self.handles
            .get(idx)
            .ok_or_else(|| self.err_at(at, "reference to unknown handle"))
    }

    /// `content` in the grammar: one object-like value.
    fn content(&mut self) -> Result<Value, JksError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err("objects nested too deeply"));
        }
        self.depth += 1;
        let result = self.content_inner();
        self.depth -= 1;
        result
    }

    fn content_inner(&mut self) -> Result<Value, JksError> {
        let at = self.pos;
        match self.u8()? {
            TC_NULL => Ok(Value::Null),
            TC_REFERENCE => match self.reference()? {
                Handle::Value(v) => Ok(v.clone()),
                _ => Err(self.err_at(at, "reference to a class or unfinished object")),
            },
            TC_STRING => {
                let s: Rc<str> = self.utf()?.into();
                self.new_handle(Handle::Value(Value::Str(s.clone())))?;
                Ok(Value::Str(s))
            }
            TC_OBJECT => self.object(),
            TC_ARRAY => self.byte_array(),
            TC_ENUM => self.enum_constant(),
            _ => Err(self.err_at(at, "unsupported type code")),
        }
    }

    /// `classDesc`: a new descriptor, a reference to one, or null.
    fn class_desc(&mut self) -> Result<Option<Rc<ClassDesc>>, JksError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err("class descriptors nested too deeply"));
        }
        let at = self.pos;
        match self.u8()? {
            TC_NULL => Ok(None),
            TC_REFERENCE => match self.reference()? {
                Handle::Desc(d) => Ok(Some(d.clone())),
                _ => Err(self.err_at(at, "reference is not a class descriptor")),
            },
            TC_CLASSDESC => {
                self.depth += 1;
                let d = self.new_class_desc();
                self.depth -= 1;
                d.map(Some)
            }
            _ => Err(self.err_at(at, "expected a class descriptor")),
        }
    }

    fn new_class_desc(&mut self) -> Result<Rc<ClassDesc>, JksError> {
        let name = self.utf()?;
        let suid = i64::from_be_bytes(self.array()?);
        let handle = self.new_handle(Handle::Pending)?;
        let flags = self.u8()?;
        let count = usize::from(u16::from_be_bytes(self.array()?));
        // Each field takes at least 3 bytes: check before allocating.
        if count.saturating_mul(3) > self.buf.len().saturating_sub(self.pos) {
            return Err(self.err("field count exceeds the stream"));
        }
        let mut fields = Vec::with_capacity(count);
        for _ in 0..count {
            fields.push(self.field_desc()?);
        }
        self.skip_annotation()?;
        let superclass = self.class_desc()?;
        let desc = Rc::new(ClassDesc {
            name,
            suid,
            flags,
            fields,
            superclass,
        });
        self.set_handle(handle, Handle::Desc(desc.clone()));
        Ok(desc)
    }

    fn field_desc(&mut self) -> Result<FieldDesc, JksError> {
        let at = self.pos;
        let type_code = self.u8()?;
        let name = self.utf()?;
        match type_code {
            b'B' | b'C' | b'D' | b'F' | b'I' | b'J' | b'S' | b'Z' => {}
            b'L' | b'[' => {
                // The field's class name: a string or a reference to one.
                if !matches!(self.content()?, Value::Str(_)) {
                    return Err(self.err_at(at, "field type is not a string"));
                }
            }
            _ => return Err(self.err_at(at, "unknown field type code")),
        }
        Ok(FieldDesc { type_code, name })
    }

    /// Skips `classAnnotation` / `objectAnnotation`: block data and objects up to
    /// the end-of-block marker.
    fn skip_annotation(&mut self) -> Result<(), JksError> {
        loop {
            match self.peek()? {
                TC_ENDBLOCKDATA => {
                    self.pos += 1;
                    return Ok(());
                }
                TC_BLOCKDATA => {
                    self.pos += 1;
                    let n = usize::from(self.u8()?);
                    self.take(n)?;
                }
                TC_BLOCKDATALONG => {
                    self.pos += 1;
                    let n = u32::from_be_bytes(self.array()?) as usize;
                    self.take(n)?;
                }
                _ => {
                    self.content()?;
                }
            }
        }
    }

    fn object(&mut self) -> Result<Value, JksError> {
        let at = self.pos;
        let class = self
            .class_desc()?
            .ok_or_else(|| self.err_at(at, "object without a class"))?;
        let handle = self.new_handle(Handle::Pending)?;
        let mut fields = Vec::new();
        for c in hierarchy(&class).ok_or_else(|| self.err_at(at, "class hierarchy too deep"))? {
            if c.flags & SC_EXTERNALIZABLE != 0 || c.flags & SC_SERIALIZABLE == 0 {
                return Err(self.err_at(at, "class is not plain Serializable"));
            }
            for f in &c.fields {
                let v = self.field_value(f.type_code)?;
                fields.push((f.name.clone(), v));
            }
            if c.flags & SC_WRITE_METHOD != 0 {
                self.skip_annotation()?;
            }
        }
        let obj = Value::Object(Rc::new(Object { class, fields }));
        self.set_handle(handle, Handle::Value(obj.clone()));
        Ok(obj)
    }

    fn field_value(&mut self, type_code: u8) -> Result<Value, JksError> {
        let size = match type_code {
            b'B' | b'Z' => 1,
            b'C' | b'S' => 2,
            b'I' | b'F' => 4,
            b'J' | b'D' => 8,
            _ => return self.content(),
        };
        let bits = self
            .take(size)?
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        Ok(Value::Primitive(bits))
    }

    /// Arrays: only `byte[]` occurs in the objects we read.
    fn byte_array(&mut self) -> Result<Value, JksError> {
        let at = self.pos;
        let class = self.class_desc()?;
        if class.as_ref().map(|c| c.name.as_str()) != Some("[B") {
            return Err(self.err_at(at, "unsupported array type (only byte[] is expected)"));
        }
        let handle = self.new_handle(Handle::Pending)?;
        let len_at = self.pos;
        let len = i32::from_be_bytes(self.array()?);
        let len = usize::try_from(len).map_err(|_| self.err_at(len_at, "negative array length"))?;
        let bytes: Rc<[u8]> = self.take(len)?.into();
        let v = Value::Bytes(bytes);
        self.set_handle(handle, Handle::Value(v.clone()));
        Ok(v)
    }

    fn enum_constant(&mut self) -> Result<Value, JksError> {
        let at = self.pos;
        let class = self
            .class_desc()?
            .ok_or_else(|| self.err_at(at, "enum without a class"))?;
        if class.flags & SC_ENUM == 0 {
            return Err(self.err_at(at, "enum constant of a non-enum class"));
        }
        let handle = self.new_handle(Handle::Pending)?;
        let Value::Str(name) = self.content()? else {
            return Err(self.err_at(at, "enum constant name is not a string"));
        };
        let v = Value::Enum(Rc::new(EnumConstant {
            class,
            constant: name.to_string(),
        }));
        self.set_handle(handle, Handle::Value(v.clone()));
        Ok(v)
    }
}

/// The class chain from the topmost serializable superclass down to `class`,
/// which is the order the JDK writes field values in.
fn hierarchy(class: &Rc<ClassDesc>) -> Option<Vec<Rc<ClassDesc>>> {
    let mut chain = vec![class.clone()];
    while let Some(sup) = chain.last().and_then(|c| c.superclass.clone()) {
        if chain.len() >= MAX_HIERARCHY {
            return None;
        }
        chain.push(sup);
    }
    chain.reverse();
    Some(chain)
}

// ---------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf8_round_trips_nul_bmp_and_supplementary() {
        let s = "a\u{0}é€😀";
        let enc = encode_modified_utf8(s);
        assert_eq!(
            enc,
            [
                b'a', 0xC0, 0x80, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, // a NUL é €
                0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80 // 😀 as a surrogate pair
            ]
        );
        assert_eq!(decode_modified_utf8(&enc).as_deref(), Ok(s));
    }

    #[test]
    fn modified_utf8_rejects_bad_input() {
        assert_eq!(decode_modified_utf8(&[b'a', 0xC3]), Err(2)); // truncated
        assert_eq!(decode_modified_utf8(&[0xF0, 0x9F, 0x98, 0x80]), Err(0)); // 4-byte form
        assert!(decode_modified_utf8(&[0xED, 0xA0, 0xBD]).is_err()); // lone surrogate
    }

    static TYPE: ClassSpec = ClassSpec {
        name: "T",
        suid: 7,
        flags: FLAGS_SERIALIZABLE,
        fields: &[
            FieldSpec {
                type_code: b'[',
                name: "a",
                signature: "[B",
            },
            FieldSpec {
                type_code: b'[',
                name: "b",
                signature: "[B",
            },
            FieldSpec {
                type_code: b'L',
                name: "s",
                signature: "Ljava/lang/String;",
            },
        ],
        superclass: None,
    };

    #[test]
    fn written_streams_read_back() {
        let v = WriteValue::Object(
            &TYPE,
            vec![
                WriteValue::Bytes(b"xy"),
                WriteValue::Bytes(b""),
                WriteValue::Str("hi"),
            ],
        );
        let bytes = write_stream(&v).unwrap();
        let (value, end) = read_stream(&bytes, 0).unwrap();
        assert_eq!(end, bytes.len());
        let Value::Object(o) = value else { panic!() };
        assert_eq!(o.class.suid, 7);
        assert!(matches!(o.field("a"), Some(Value::Bytes(b)) if &b[..] == b"xy"));
        assert!(matches!(o.field("s"), Some(Value::Str(s)) if &s[..] == "hi"));
    }

    #[test]
    fn hostile_streams_are_rejected() {
        let v = WriteValue::Object(
            &TYPE,
            vec![
                WriteValue::Bytes(b"xy"),
                WriteValue::Bytes(b""),
                WriteValue::Str("hi"),
            ],
        );
        let bytes = write_stream(&v).unwrap();
        for cut in 0..bytes.len() {
            assert!(read_stream(&bytes[..cut], 0).is_err(), "cut at {cut}");
        }
        // Huge array length.
        let mut huge = STREAM_MAGIC.to_vec();
        huge.extend_from_slice(&[TC_ARRAY, TC_CLASSDESC, 0, 2, b'[', b'B']);
        huge.extend_from_slice(&BYTE_ARRAY.suid.to_be_bytes());
        huge.extend_from_slice(&[2, 0, 0, TC_ENDBLOCKDATA, TC_NULL, 0x7F, 0xFF, 0xFF, 0xFF]);
        assert!(matches!(
            read_stream(&huge, 0),
            Err(JksError::Truncated { .. })
        ));
        // Deep nesting of class descriptors via superclasses.
        let mut deep = STREAM_MAGIC.to_vec();
        deep.push(TC_OBJECT);
        for _ in 0..100 {
            deep.extend_from_slice(&[TC_CLASSDESC, 0, 1, b'X', 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0]);
            deep.push(TC_ENDBLOCKDATA);
        }
        assert!(read_stream(&deep, 0).is_err());
        // Reference to an unknown handle.
        let mut bad_ref = STREAM_MAGIC.to_vec();
        bad_ref.extend_from_slice(&[TC_REFERENCE, 0x00, 0x7E, 0x00, 0x05]);
        assert!(matches!(
            read_stream(&bad_ref, 0),
            Err(JksError::JavaSerialization { offset: 5, .. })
        ));
    }
}
