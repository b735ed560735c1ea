//! Tests of the Java serialization reader and writer.

use super::*;
use crate::codec::java::JksError;

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
