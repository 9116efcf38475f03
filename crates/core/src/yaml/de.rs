//! `Node` → any `Deserialize` type. Plain scalars are resolved by the type asked
//! for, as YAML 1.2's core schema says (so `name: 1500` is a name and
//! `mtu: 1500` a number). Every error carries the path of the element it is
//! about (`nodes.a.address`) and the place in the text of the innermost node.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};

use super::{words, Node, Style, Value};
use crate::diag::Span;

/// Why a node does not fit the type asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError {
    /// Map keys and `[index]` segments from the root to the element.
    pub path: Vec<String>,
    /// What went wrong, for the code that acts on it (never read from `message`).
    pub kind: DeErrorKind,
    /// The same in a person's words: of the field, never of serde.
    pub message: String,
    /// What to write instead, when there is something to say.
    pub hint: Option<String>,
    pub span: Option<Span>,
}

/// The kinds of misfit a caller tells apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeErrorKind {
    /// A key the mapping does not have; `expected` are the keys it has. The path
    /// is the mapping's.
    UnknownField { field: String, expected: Vec<String> },
    /// A required key that is not there. The path is the mapping's.
    MissingField { field: String },
    /// A name that is not one of the field's choices (`cni: weave`).
    UnknownChoice { value: String, expected: Vec<String> },
    /// A value of the wrong kind or form: `found` and `wanted` in a person's
    /// words, `plain` the text as written when it was a plain scalar.
    WrongType { found: String, wanted: String, plain: Option<String> },
    /// What a value type itself reports (an address that does not parse, …).
    Other,
}

/// The error while deserializing: boxed, so that every `Result` the many
/// monomorphized visitor paths pass around stays one pointer wide (smaller and
/// faster code than moving the whole error at each step).
#[derive(Debug)]
struct Failure(Box<DeError>);

impl Failure {
    fn new(kind: DeErrorKind, message: String) -> Failure {
        Failure(Box::new(DeError { path: Vec::new(), kind, message, hint: None, span: None }))
    }
    fn wrong(found: String, wanted: String, plain: Option<String>) -> Failure {
        Failure::new(DeErrorKind::WrongType { found, wanted, plain }, String::new())
    }
    /// Places an error that has no place yet at `span`.
    fn at(mut self, span: Option<Span>) -> Failure {
        if self.0.span.is_none() {
            self.0.span = span;
        }
        self
    }
    fn under(mut self, segment: String) -> Failure {
        self.0.path.insert(0, segment);
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Failure {}

/// serde's ways to fail, each kept as its kind; the message is written once the
/// path is known (`worded`).
impl de::Error for Failure {
    fn custom<T: fmt::Display>(msg: T) -> Failure {
        Failure::new(DeErrorKind::Other, msg.to_string())
    }
    fn invalid_type(found: de::Unexpected, wanted: &dyn de::Expected) -> Failure {
        Failure::wrong(words::unexpected(&found), words::wanted(&wanted.to_string()), None)
    }
    fn invalid_value(found: de::Unexpected, wanted: &dyn de::Expected) -> Failure {
        Failure::wrong(words::unexpected(&found), words::wanted(&wanted.to_string()), None)
    }
    fn invalid_length(len: usize, wanted: &dyn de::Expected) -> Failure {
        let found = if len == 1 { "a list of 1 entry".to_string() } else { format!("a list of {len} entries") };
        Failure::wrong(found, words::wanted(&wanted.to_string()), None)
    }
    fn unknown_variant(value: &str, expected: &'static [&'static str]) -> Failure {
        let expected = expected.iter().map(|s| s.to_string()).collect();
        Failure::new(DeErrorKind::UnknownChoice { value: value.to_string(), expected }, String::new())
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Failure {
        let expected = expected.iter().map(|s| s.to_string()).collect();
        Failure::new(DeErrorKind::UnknownField { field: field.to_string(), expected }, String::new())
    }
    fn missing_field(field: &'static str) -> Failure {
        Failure::new(DeErrorKind::MissingField { field: field.to_string() }, String::new())
    }
    fn duplicate_field(field: &'static str) -> Failure {
        Failure::new(DeErrorKind::Other, format!("`{field}` is written twice"))
    }
}

/// Reads `node` as a `T`. The error is boxed: it is rare and large, the value common.
pub fn from_node<T: DeserializeOwned>(node: &Node) -> Result<T, Box<DeError>> {
    T::deserialize(NodeDe(node)).map_err(|f| Box::new(worded(*f.0)))
}

/// The message and hint of an error, now that its path is known.
fn worded(mut e: DeError) -> DeError {
    let field = e.path.iter().rev().find(|s| !s.starts_with('['));
    let name = field.map_or("the file", String::as_str);
    let list = |v: &[String]| v.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
    let (message, hint) = match &e.kind {
        DeErrorKind::UnknownField { field, expected } => {
            (format!("unknown field `{field}`"), Some(format!("the fields here are {}", list(expected))))
        }
        DeErrorKind::MissingField { field: missing } => {
            let to = field.map(|f| format!(" to `{f}`")).unwrap_or_default();
            (format!("required field `{missing}` is missing"), Some(format!("add `{missing}:` with its value{to}")))
        }
        DeErrorKind::UnknownChoice { value, expected } => {
            (format!("`{name}` cannot be `{value}`"), Some(format!("write one of {}", list(expected))))
        }
        DeErrorKind::WrongType { found, wanted, plain } => {
            let asplain = plain.as_deref().and_then(|t| words::asdot(t).map(|n| (t, n)));
            match asplain {
                Some((text, n)) if name == "asn" || name.ends_with("_asn") => (
                    format!("`{name}: {text}` is an AS number in asdot notation, which is not accepted"),
                    Some(format!("write it in asplain: `{name}: {n}`")),
                ),
                _ if found == words::NOTHING => {
                    let hint = if wanted == words::MAPPING {
                        "write its entries indented below it (`key: value`), `{}` for none, or leave the line out"
                            .to_string()
                    } else if wanted == words::LIST {
                        "write `- item` lines below it, `[]` for none, or leave the line out".to_string()
                    } else {
                        format!("give it {wanted}, or leave the line out if it is optional")
                    };
                    (format!("`{name}` is empty; it needs {wanted}"), Some(hint))
                }
                _ => (format!("`{name}` is {found}; it needs {wanted}"), None),
            }
        }
        DeErrorKind::Other => (format!("`{name}`: {}", e.message), None),
    };
    e.message = message;
    e.hint = hint;
    e
}

/// What a plain scalar's text means in YAML 1.2's core schema.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    /// A float by its syntax; its value is computed only for a type that asks
    /// for one (`float`), which nothing in the format does.
    Float,
    Str,
}

pub(crate) fn resolve(text: &str) -> Resolved {
    if super::is_null_text(text) {
        return Resolved::Null;
    }
    match text {
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        _ => {}
    }
    if let Some(i) = int(text) {
        return i;
    }
    if float_parts(text).is_some() {
        Resolved::Float
    } else {
        Resolved::Str
    }
}

/// Decimal, `0x`, `0o` and `0b` integers with a sign; `0123` is a string (YAML 1.2).
fn int(text: &str) -> Option<Resolved> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (digits, radix) = match unsigned.get(..2) {
        Some("0x") => (&unsigned[2..], 16),
        Some("0o") => (&unsigned[2..], 8),
        Some("0b") => (&unsigned[2..], 2),
        _ if leading_zero(unsigned) => return None,
        _ => (unsigned, 10),
    };
    // from_str_radix takes a sign of its own; the text may have only one.
    if digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if !negative {
        return Some(Resolved::Unsigned(magnitude));
    }
    0i64.checked_sub_unsigned(magnitude).map(Resolved::Signed)
}

fn leading_zero(digits: &str) -> bool {
    digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A float's text taken apart: infinity, NaN, or the first 18 significant
/// digits and a power of ten.
enum FloatParts {
    Inf,
    NaN,
    Finite { mantissa: u64, exp10: i32 },
}

/// YAML 1.2's floats: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`,
/// `.inf` and `.nan`, by their syntax alone (integer arithmetic only), so that
/// telling a float from a string costs the browser's module no float reader.
fn float_parts(text: &str) -> Option<FloatParts> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(FloatParts::Inf),
        ".nan" | ".NaN" | ".NAN" if unsigned == text => return Some(FloatParts::NaN),
        _ => {}
    }
    // `0123` is a string in YAML 1.2, not a number.
    if leading_zero(unsigned) {
        return None;
    }
    let mut chars = unsigned.bytes().peekable();
    let (mut mantissa, mut exp10, mut digits) = (0u64, 0i32, 0);
    let mut push = |d: u8, fraction: bool| {
        digits += 1;
        if mantissa < 100_000_000_000_000_000 {
            mantissa = mantissa * 10 + u64::from(d - b'0');
            exp10 -= i32::from(fraction);
        } else {
            exp10 += i32::from(!fraction);
        }
    };
    while let Some(d) = chars.next_if(u8::is_ascii_digit) {
        push(d, false);
    }
    if chars.next_if_eq(&b'.').is_some() {
        while let Some(d) = chars.next_if(u8::is_ascii_digit) {
            push(d, true);
        }
    }
    if digits == 0 {
        return None;
    }
    if chars.next_if(|c| *c == b'e' || *c == b'E').is_some() {
        let negative = matches!(chars.next_if(|c| *c == b'+' || *c == b'-'), Some(b'-'));
        let mut e: i32 = 0;
        let mut any = false;
        while let Some(d) = chars.next_if(u8::is_ascii_digit) {
            e = e.saturating_mul(10).saturating_add(i32::from(d - b'0'));
            any = true;
        }
        if !any {
            return None;
        }
        exp10 = exp10.saturating_add(if negative { -e } else { e });
    }
    if chars.next().is_some() {
        return None;
    }
    // Past f64's largest value (1.7976931348623157e308, which the text rounds
    // to below 1.79769313486231580793e308) the text is no float: a string.
    let shown = mantissa.checked_ilog10().map_or(0, |d| d as i32);
    let magnitude = exp10.saturating_add(shown);
    if magnitude > 308
        || (magnitude == 308 && mantissa * 10u64.pow(17 - shown.unsigned_abs().min(17)) > 179_769_313_486_231_580)
    {
        return None;
    }
    Some(FloatParts::Finite { mantissa, exp10 })
}

/// A float's text as a JSON number of the same value (`+.5` → `0.5`, `1e3` →
/// `1000.0`), from its digits alone; `None` for infinity and NaN, which JSON
/// does not have.
pub(crate) fn float_json(text: &str) -> Option<String> {
    let FloatParts::Finite { mantissa, exp10 } = float_parts(text)? else {
        return None;
    };
    let sign = if text.starts_with('-') { "-" } else { "" };
    let digits = mantissa.to_string();
    let body = match usize::try_from(exp10.unsigned_abs()).unwrap_or(usize::MAX) {
        // Large or small powers keep their exponent rather than spell the zeros.
        k if k > 20 => format!("{digits}.0e{exp10}"),
        k if exp10 >= 0 => format!("{digits}{}.0", "0".repeat(k)),
        k if digits.len() > k => format!("{}.{}", &digits[..digits.len() - k], &digits[digits.len() - k..]),
        k => format!("0.{}{digits}", "0".repeat(k - digits.len())),
    };
    Some(format!("{sign}{body}"))
}

/// A float's value: computed from [`float_parts`] within some ulps of the
/// exact value, then made exact for every text the writer writes (see
/// `exact`). Only a type that asks for a float calls it: nothing in the
/// topology format is a fraction, and the app keeps canvas positions as
/// integers, so neither this nor std's exact decimal-to-float tables (10 KB)
/// are in the browser's module.
fn float(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let sign = if text.starts_with('-') { -1.0 } else { 1.0 };
    let (mantissa, exp10) = match float_parts(text)? {
        FloatParts::Inf => return Some(sign * f64::INFINITY),
        FloatParts::NaN => return Some(f64::NAN),
        FloatParts::Finite { mantissa, exp10 } => (mantissa, exp10),
    };
    // Dividing by a power of ten rounds less than multiplying by 10^-n; below
    // 1e-300 the division goes in two steps, since 10^n overflows past 10^308.
    let value = if exp10 < -300 {
        mantissa as f64 / 10f64.powi(exp10.saturating_neg().saturating_sub(300)) / 1e300
    } else if exp10 < 0 {
        mantissa as f64 / 10f64.powi(exp10.saturating_neg())
    } else {
        mantissa as f64 * 10f64.powi(exp10)
    };
    Some(sign * exact(value, unsigned)).filter(|f| f.is_finite())
}

/// The float near `approx` whose shortest text (Rust's `Display`, what the writer
/// writes, with `.0` on whole numbers) is `text`, when there is one within 64
/// ulps; else `approx`. So whatever the writer wrote reads back as exactly the
/// value it was written from, without an exact decimal parser.
fn exact(approx: f64, text: &str) -> f64 {
    let spelled = |f: f64| {
        let s = f.to_string();
        s == text || text.strip_suffix(".0") == Some(s.as_str())
    };
    if approx.is_nan() || spelled(approx) {
        return approx;
    }
    // Near f64::MAX the estimate may round past it; the search starts below.
    let start = if approx.is_infinite() { f64::MAX } else { approx };
    let bits = start.to_bits();
    (0..=64u64)
        .flat_map(|k| [bits.checked_add(k), bits.checked_sub(k)])
        .flatten()
        .map(f64::from_bits)
        .find(|f| f.is_finite() && *f >= 0.0 && spelled(*f))
        .unwrap_or(approx)
}

struct NodeDe<'a>(&'a Node);

/// Every integer type reads a plain integer the same way; the visitor checks the range.
macro_rules! integers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
            self.deserialize_u64(v)
        }
    )*};
}

impl NodeDe<'_> {
    fn scalar_text(&self) -> Option<&str> {
        match &self.0.value {
            Value::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }
    fn is_null(&self) -> bool {
        self.0.is_null()
    }
    fn place(&self) -> Option<Span> {
        self.0.place()
    }
    /// The meaning of a plain scalar; `None` for anything else.
    fn resolved(&self) -> Option<Resolved> {
        match &self.0.value {
            Value::Scalar(s) if s.style == Style::Plain => Some(resolve(&s.text)),
            _ => None,
        }
    }
    /// This node does not fit `expected`, placed at this node.
    fn invalid(&self, expected: &dyn de::Expected) -> Failure {
        let plain = match &self.0.value {
            Value::Scalar(s) if s.style == Style::Plain => Some(s.text.clone()),
            _ => None,
        };
        Failure::wrong(words::found(self.0), words::wanted(&expected.to_string()), plain).at(self.place())
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = Failure;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        let at = self.place();
        let out = match &self.0.value {
            Value::Scalar(s) if s.style == Style::Str => v.visit_str(&s.text),
            Value::Scalar(s) => match resolve(&s.text) {
                Resolved::Null => v.visit_unit(),
                Resolved::Bool(b) => v.visit_bool(b),
                Resolved::Unsigned(n) => v.visit_u64(n),
                Resolved::Signed(n) => v.visit_i64(n),
                // No type of the format takes a fraction through `any`: it is
                // the wrong type, in the words the person wrote it in.
                Resolved::Float => Err(self.invalid(&v)),
                Resolved::Str => v.visit_str(&s.text),
            },
            Value::Seq(items) => v.visit_seq(Items { items: items.iter(), index: 0 }),
            Value::Map(m) => v.visit_map(Entries { entries: m.entries.iter(), value: None }),
        };
        out.map_err(|e| e.at(at))
    }

    /// Any scalar reads as a string, as it was written.
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        match self.scalar_text() {
            Some(t) => v.visit_str(t).map_err(|e: Failure| e.at(self.place())),
            None => Err(self.invalid(&v)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        self.deserialize_str(v)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        if self.is_null() {
            v.visit_none().map_err(|e: Failure| e.at(self.place()))
        } else {
            v.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, v: V) -> Result<V::Value, Failure> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Failure> {
        let at = self.place();
        let out = match &self.0.value {
            Value::Scalar(_) if self.is_null() => Err(self.invalid(&words::one_of(variants).as_str())),
            Value::Scalar(s) => v.visit_enum(s.text.as_str().into_deserializer()),
            Value::Map(m) if m.entries.len() == 1 => match m.entries.first() {
                Some((key, value)) => v.visit_enum(Variant { key, value }),
                None => Err(self.invalid(&words::one_of(variants).as_str())),
            },
            _ => Err(self.invalid(&words::one_of(variants).as_str())),
        };
        out.map_err(|e| e.at(at))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        v.visit_unit()
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        match self.resolved() {
            Some(Resolved::Bool(b)) => v.visit_bool(b).map_err(|e: Failure| e.at(self.place())),
            _ => Err(self.invalid(&v)),
        }
    }

    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        let out = match self.resolved() {
            Some(Resolved::Unsigned(n)) => v.visit_u64(n),
            Some(Resolved::Signed(n)) => v.visit_i64(n),
            _ => return Err(self.invalid(&v)),
        };
        out.map_err(|e: Failure| e.at(self.place()))
    }

    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        let out = match self.resolved() {
            Some(Resolved::Unsigned(n)) => v.visit_u64(n),
            Some(Resolved::Signed(n)) => v.visit_i64(n),
            Some(Resolved::Float) => match self.scalar_text().and_then(float) {
                Some(f) => v.visit_f64(f),
                None => return Err(self.invalid(&v)),
            },
            _ => return Err(self.invalid(&v)),
        };
        out.map_err(|e: Failure| e.at(self.place()))
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        match self.resolved() {
            Some(Resolved::Null) => v.visit_unit().map_err(|e: Failure| e.at(self.place())),
            _ => Err(self.invalid(&v)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        match &self.0.value {
            Value::Seq(items) => v.visit_seq(Items { items: items.iter(), index: 0 }).map_err(|e| e.at(self.place())),
            _ => Err(self.invalid(&v)),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        match &self.0.value {
            Value::Map(m) => {
                v.visit_map(Entries { entries: m.entries.iter(), value: None }).map_err(|e| e.at(self.place()))
            }
            _ => Err(self.invalid(&v)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Failure> {
        self.deserialize_map(v)
    }

    // Each type asks for what it takes, and only that is compiled for it: the
    // browser's module pays for every visitor method a `deserialize_any` reaches.
    integers! { deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_u8 deserialize_u16 deserialize_u32 }

    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Failure> {
        self.deserialize_f64(v)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit_struct tuple tuple_struct
    }
}

struct Items<'a> {
    items: std::slice::Iter<'a, Node>,
    index: usize,
}

impl<'de> de::SeqAccess<'de> for Items<'_> {
    type Error = Failure;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Failure> {
        let Some(node) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(NodeDe(node)).map(Some).map_err(|e| e.under(format!("[{index}]")))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Entries<'a> {
    entries: std::slice::Iter<'a, (Node, Node)>,
    value: Option<&'a (Node, Node)>,
}

impl<'de> de::MapAccess<'de> for Entries<'_> {
    type Error = Failure;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Failure> {
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(entry);
        seed.deserialize(NodeDe(&entry.0)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Failure> {
        let Some((key, value)) = self.value.take() else {
            return Err(Failure::new(DeErrorKind::Other, "a value without its key".to_string()));
        };
        seed.deserialize(NodeDe(value))
            .map_err(|e| e.under(key.as_scalar().map(|s| s.text.clone()).unwrap_or_default()))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// `{variant: value}`: an enum variant that carries data.
struct Variant<'a> {
    key: &'a Node,
    value: &'a Node,
}

impl<'de, 'a> de::EnumAccess<'de> for Variant<'a> {
    type Error = Failure;
    type Variant = NodeDe<'a>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, NodeDe<'a>), Failure> {
        let name = seed.deserialize(NodeDe(self.key))?;
        Ok((name, NodeDe(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDe<'_> {
    type Error = Failure;

    fn unit_variant(self) -> Result<(), Failure> {
        de::Deserialize::deserialize(self)
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Failure> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, Failure> {
        de::Deserializer::deserialize_any(self, v)
    }
    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], v: V) -> Result<V::Value, Failure> {
        de::Deserializer::deserialize_any(self, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_yaml_writes_them() {
        for (text, want) in [
            ("1.5", Some(1.5)),
            ("-2.0", Some(-2.0)),
            ("+.5", Some(0.5)),
            ("1.", Some(1.0)),
            ("1e3", Some(1000.0)),
            ("2.5E-3", Some(0.0025)),
            ("123.4", Some(123.4)),
            ("0.1", Some(0.1)),
            ("-.inf", Some(f64::NEG_INFINITY)),
            ("1e400", None),
            (".", None),
            ("1e", None),
            ("1.2.3", None),
            ("inf", None),
            ("nan", None),
            ("1_000.5", None),
            ("0x1p3", None),
        ] {
            assert_eq!(float(text), want, "{text}");
        }
        assert!(float(".nan").is_some_and(f64::is_nan));
        // Close to std's exact reading where it matters: canvas positions.
        for t in ["1234.5678", "0.30000000000000004", "-98765.4321", "3.14159265358979"] {
            let (ours, std) = (float(t).unwrap(), t.parse::<f64>().unwrap());
            assert!((ours - std).abs() <= std.abs() * 4.0 * f64::EPSILON, "{t}: {ours} vs {std}");
        }
    }

    #[test]
    fn plain_scalars_resolve_as_the_core_schema_says() {
        assert_eq!(resolve("~"), Resolved::Null);
        assert_eq!(resolve("True"), Resolved::Bool(true));
        assert_eq!(resolve("1500"), Resolved::Unsigned(1500));
        assert_eq!(resolve("-12"), Resolved::Signed(-12));
        assert_eq!(resolve("0x1F"), Resolved::Unsigned(31));
        assert_eq!(resolve("0123"), Resolved::Str);
        assert_eq!(resolve("fd00::1"), Resolved::Str);
        assert_eq!(resolve("1.5"), Resolved::Float);
        for (yaml, json) in [
            ("1.5", Some("1.5")),
            ("-120.0", Some("-120.0")),
            ("+.5", Some("0.5")),
            ("1e3", Some("1000.0")),
            ("2.", Some("2.0")),
            ("0.001", Some("0.001")),
            ("1.5e-30", Some("15.0e-31")),
            ("-.inf", None),
            (".nan", None),
        ] {
            assert_eq!(float_json(yaml).as_deref(), json, "{yaml}");
        }
        assert_eq!(resolve("yes"), Resolved::Str);
    }
}
