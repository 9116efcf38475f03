//! Any `Serialize` type → [`Node`], in the shapes serde_yaml_ng gives them, so
//! that [`super::emit`] writes the same text. Where they differ (no topology
//! field has these): an enum variant with data becomes a one-entry map
//! `{variant: data}` where serde_yaml_ng writes a tag (`!variant data`), which our
//! reader does not take; a char is a string like any other, where serde_yaml_ng
//! always single-quotes it; bytes are a list of numbers, which serde_yaml_ng refuses.

use std::fmt::Display;

use serde::ser::{self, Serialize};

use super::{Map, Node, Value};

pub fn to_value<T: Serialize + ?Sized>(v: &T) -> Result<Node, String> {
    v.serialize(Ser).map_err(|e| e.0)
}

/// What a `Serialize` impl reports; only its text is kept.
#[derive(Debug)]
struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

type Res = Result<Node, Error>;

struct Ser;

/// A map `{variant: inner}` for a variant, else `inner`.
fn wrap(variant: Option<&'static str>, inner: Node) -> Node {
    match variant {
        Some(v) => Node::new(Value::Map(Map { entries: vec![(Node::string(v), inner)] })),
        None => inner,
    }
}

/// Floats: `.inf`, `-.inf`, `.nan`, else Rust's shortest form (`shortest`, the
/// value's own `Display`) with `.0` on whole numbers, which reads back as the
/// same value. serde_yaml_ng (ryu) writes an exponent for very large and very
/// small values instead; no topology field is a float, and matching it would
/// take std's exact float printer into the browser's module.
fn float(v: f64, shortest: String) -> Node {
    let text = if v.is_nan() {
        ".nan".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { ".inf" } else { "-.inf" }.to_string()
    } else if shortest.contains('.') {
        shortest
    } else {
        format!("{shortest}.0")
    };
    Node::plain(text)
}

macro_rules! integers {
    ($($method:ident: $t:ty),*) => {
        $(fn $method(self, v: $t) -> Res {
            Ok(Node::plain(v.to_string()))
        })*
    };
}

impl ser::Serializer for Ser {
    type Ok = Node;
    type Error = Error;
    type SerializeSeq = Collect;
    type SerializeTuple = Collect;
    type SerializeTupleStruct = Collect;
    type SerializeTupleVariant = Collect;
    type SerializeMap = Collect;
    type SerializeStruct = Collect;
    type SerializeStructVariant = Collect;

    integers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_i128: i128,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_u128: u128);

    fn serialize_bool(self, v: bool) -> Res {
        Ok(Node::plain(if v { "true" } else { "false" }))
    }
    fn serialize_f32(self, v: f32) -> Res {
        Ok(float(v.into(), v.to_string()))
    }
    fn serialize_f64(self, v: f64) -> Res {
        Ok(float(v, v.to_string()))
    }
    fn serialize_char(self, v: char) -> Res {
        Ok(Node::string(v))
    }
    fn serialize_str(self, v: &str) -> Res {
        Ok(Node::string(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Res {
        Ok(Node::new(Value::Seq(v.iter().map(|b| Node::plain(b.to_string())).collect())))
    }
    fn serialize_none(self) -> Res {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Res {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Res {
        Ok(Node::plain("null"))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Res {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Res {
        Ok(Node::string(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Res {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Res {
        Ok(wrap(Some(variant), v.serialize(self)?))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Collect, Error> {
        Ok(Collect::new(None, false))
    }
    fn serialize_tuple(self, _: usize) -> Result<Collect, Error> {
        Ok(Collect::new(None, false))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Collect, Error> {
        Ok(Collect::new(None, false))
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, v: &'static str, _: usize) -> Result<Collect, Error> {
        Ok(Collect::new(Some(v), false))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Collect, Error> {
        Ok(Collect::new(None, true))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Collect, Error> {
        Ok(Collect::new(None, true))
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, v: &'static str, _: usize) -> Result<Collect, Error> {
        Ok(Collect::new(Some(v), true))
    }
}

/// The one builder behind every compound: the items of a sequence, or the keys
/// and values of a map one after the other, and the variant that wraps them.
struct Collect {
    variant: Option<&'static str>,
    map: bool,
    items: Vec<Node>,
}

impl Collect {
    fn new(variant: Option<&'static str>, map: bool) -> Collect {
        Collect { variant, map, items: Vec::new() }
    }
    fn push<T: Serialize + ?Sized>(&mut self, key: Option<&'static str>, v: &T) -> Result<(), Error> {
        self.items.extend(key.map(Node::string));
        self.items.push(v.serialize(Ser)?);
        Ok(())
    }
    fn finish(self) -> Res {
        let value = if self.map {
            let mut items = self.items.into_iter();
            let entries = std::iter::from_fn(|| Some((items.next()?, items.next()?))).collect();
            Value::Map(Map { entries })
        } else {
            Value::Seq(self.items)
        };
        Ok(wrap(self.variant, Node::new(value)))
    }
}

/// `SerializeSeq` and its kin: `$method` pushes (a field name and) a value.
macro_rules! compound {
    ($($tr:ident $method:ident $(($key:ident))?),*) => {
        $(impl ser::$tr for Collect {
            type Ok = Node;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, $($key: &'static str,)? v: &T) -> Result<(), Error> {
                self.push(compound!(@key $($key)?), v)
            }
            fn end(self) -> Res {
                self.finish()
            }
        })*
    };
    (@key) => { None };
    (@key $key:ident) => { Some($key) };
}

compound!(
    SerializeSeq serialize_element,
    SerializeTuple serialize_element,
    SerializeTupleStruct serialize_field,
    SerializeTupleVariant serialize_field,
    SerializeStruct serialize_field(key),
    SerializeStructVariant serialize_field(key)
);

impl ser::SerializeMap for Collect {
    type Ok = Node;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        self.push(None, k)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(None, v)
    }
    fn end(self) -> Res {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Serialize;

    use super::super::{Map, Node, Value};
    use super::to_value;

    fn map(entries: Vec<(Node, Node)>) -> Node {
        Node::new(Value::Map(Map { entries }))
    }

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Wrapper(u8);

    #[derive(Serialize)]
    struct Pair(u8, &'static str);

    #[derive(Serialize)]
    enum E {
        A,
        B(u8),
        C(u8, u8),
        D { x: u8 },
    }

    #[derive(Serialize)]
    struct S {
        b: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        none: Option<u8>,
        a: char,
        unit: (),
        u: Unit,
        w: Wrapper,
        p: Pair,
        e: Vec<E>,
        #[serde(with = "bytes")]
        raw: Vec<u8>,
        m: BTreeMap<i8, f32>,
    }

    mod bytes {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    #[test]
    fn shapes() {
        let s = S {
            b: true,
            skipped: None,
            none: None,
            a: 'x',
            unit: (),
            u: Unit,
            w: Wrapper(7),
            p: Pair(1, "one"),
            e: vec![E::A, E::B(2), E::C(3, 4), E::D { x: 5 }],
            raw: vec![0, 255],
            m: BTreeMap::from([(-1, 0.5), (2, f32::INFINITY)]),
        };
        let (p, st) = (Node::plain, Node::string);
        let seq = |v: Vec<Node>| Node::new(Value::Seq(v));
        let want = map(vec![
            (st("b"), p("true")),
            (st("none"), p("null")),
            (st("a"), st("x")),
            (st("unit"), p("null")),
            (st("u"), p("null")),
            (st("w"), p("7")),
            (st("p"), seq(vec![p("1"), st("one")])),
            (
                st("e"),
                seq(vec![
                    st("A"),
                    map(vec![(st("B"), p("2"))]),
                    map(vec![(st("C"), seq(vec![p("3"), p("4")]))]),
                    map(vec![(st("D"), map(vec![(st("x"), p("5"))]))]),
                ]),
            ),
            (st("raw"), seq(vec![p("0"), p("255")])),
            (st("m"), map(vec![(p("-1"), p("0.5")), (p("2"), p(".inf"))])),
        ]);
        assert_eq!(to_value(&s), Ok(want));
    }

    #[test]
    fn errors_keep_their_text() {
        struct Bad;
        impl Serialize for Bad {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("no way"))
            }
        }
        assert_eq!(to_value(&vec![Bad]), Err("no way".to_string()));
    }

    /// Our text for a float and serde_yaml_ng's.
    fn spelled<T: Serialize>(v: T) -> (String, String) {
        let ours = to_value(&v).unwrap().as_scalar().map(|s| s.text.clone()).unwrap_or_default();
        (ours, serde_yaml_ng::to_string(&v).unwrap().trim_end().to_string())
    }

    #[test]
    fn everyday_floats_as_serde_yaml_ng_spells_them() {
        for v in [0.0, 1.0, 1.5, -2.25, 1e15, 0.1, 1e-4, 123.456, f64::NAN, f64::NEG_INFINITY, 1.0 / 3.0] {
            let (ours, theirs) = spelled(v);
            assert_eq!(ours, theirs, "{v:e}");
        }
        for v in [0.0f32, 1.0, 1e12, 0.3, 1e-4] {
            let (ours, theirs) = spelled(v);
            assert_eq!(ours, theirs, "{v:e}");
        }
    }

    /// What our reader makes of the text our writer wrote for `v`.
    fn read_back(v: f64) -> (String, f64) {
        let text = to_value(&v).unwrap().as_scalar().map(|s| s.text.clone()).unwrap_or_default();
        let node = crate::yaml::read(&format!("v: {text}\n")).unwrap();
        let back = crate::yaml::from_node::<std::collections::BTreeMap<String, f64>>(&node).unwrap()["v"];
        (text, back)
    }

    #[test]
    fn extreme_floats_read_back_as_themselves() {
        let tiny = f64::from_bits(1);
        for v in [tiny, -tiny, f64::MIN_POSITIVE, f64::MAX, f64::MIN, 1e-300, 1e-310, 5e-324, 1e300, -0.0, 0.1 + 0.2] {
            let (text, back) = read_back(v);
            assert!(back.to_bits() == v.to_bits(), "{v:e}: {text} read back as {back:e}");
        }
    }

    proptest! {
        /// Every float our writer writes, our reader reads back exactly (the
        /// browser stores canvas positions this way).
        #[test]
        fn any_float_reads_back_as_itself(bits in any::<u64>(), small in any::<u32>()) {
            for v in [f64::from_bits(bits), f64::from(f32::from_bits(small))] {
                let (text, back) = read_back(v);
                prop_assert!(back.to_bits() == v.to_bits() || (back.is_nan() && v.is_nan()), "{} read back as {:e}", text, back);
            }
        }
    }
}
