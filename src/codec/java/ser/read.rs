//! The bounded reader of Java serialization streams: objects of serializable classes,
//! strings, byte arrays, enums and back-references, with limits on depth, handles and
//! class hierarchies so that hostile input cannot make it recurse or allocate without limit.

use std::rc::Rc;

use super::*;
use crate::codec::java::error::JksError;

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
