//! serde's vocabulary in a person's words. A type's `Deserialize` describes what
//! it wants in serde's terms (`u32`, `struct Node`, `a sequence`) and serde
//! describes what it found the same way (`unit value`, `floating point`); a
//! person wrote YAML and reads about fields, names, lists and numbers.

use serde::de::Unexpected;

use super::{Node, Resolved, Style, Value};

/// What a node is, as a person wrote it: `the number 1.10`, `a list`, `nothing`.
pub(super) fn found(node: &Node) -> String {
    match &node.value {
        Value::Scalar(s) if s.style == Style::Str => format!("the text \"{}\"", short(&s.text)),
        Value::Scalar(s) => match super::resolve(&s.text) {
            Resolved::Null => NOTHING.to_string(),
            Resolved::Bool(_) => format!("`{}` (yes/no)", s.text),
            Resolved::Unsigned(_) | Resolved::Signed(_) | Resolved::Float => format!("the number {}", s.text),
            Resolved::Str => format!("`{}`", short(&s.text)),
        },
        Value::Seq(_) => "a list".to_string(),
        Value::Map(_) => "a mapping (`key: value` entries)".to_string(),
    }
}

/// What serde found, when only its description is at hand.
pub(super) fn unexpected(u: &Unexpected) -> String {
    match u {
        Unexpected::Bool(b) => format!("`{b}` (yes/no)"),
        Unexpected::Unsigned(n) => format!("the number {n}"),
        Unexpected::Signed(n) => format!("the number {n}"),
        Unexpected::Float(f) => format!("the number {f}"),
        Unexpected::Char(c) => format!("`{c}`"),
        Unexpected::Str(s) => format!("`{}`", short(s)),
        Unexpected::Unit | Unexpected::Option => NOTHING.to_string(),
        Unexpected::Seq => "a list".to_string(),
        Unexpected::Map => "a mapping (`key: value` entries)".to_string(),
        Unexpected::Other(s) => s.to_string(),
        _ => "a value of another kind".to_string(),
    }
}

/// What a type wants, from its `expecting` text: `u32` → `a whole number from 0
/// to 4294967295`. Texts that are already a person's words pass through.
pub(super) fn wanted(expecting: &str) -> String {
    let whole = |max: &str| format!("a whole number from 0 to {max}");
    match expecting {
        "u8" => whole("255"),
        "u16" => whole("65535"),
        "u32" => whole("4294967295"),
        "u64" => whole("18446744073709551615"),
        "i8" | "i16" | "i32" | "i64" => "a whole number".to_string(),
        "f32" | "f64" => "a number".to_string(),
        "a boolean" => "`true` or `false`".to_string(),
        "a string" | "a borrowed string" | "a character" | "a char" | "string" => "a name or a text".to_string(),
        "unit" => NOTHING.to_string(),
        "a map" | "a mapping" => MAPPING.to_string(),
        // std's own address types describe themselves this way.
        "IP address" => "an IP address (`192.168.1.10` or `fd00::1`)".to_string(),
        "IPv4 address" => "an IPv4 address (`192.168.1.10`)".to_string(),
        "IPv6 address" => "an IPv6 address (`fd00::1`)".to_string(),
        "socket address" => "an address and port (`203.0.113.10:51820`)".to_string(),
        "IPv4 or IPv6 network address" => "a prefix (`10.42.0.0/16` or `fd00::/64`)".to_string(),
        "a sequence" | "a list" => LIST.to_string(),
        _ if expecting.starts_with("struct ") => MAPPING.to_string(),
        _ if expecting.starts_with("an array of length ") || expecting.starts_with("a tuple of size ") => {
            let n = expecting.rsplit(' ').next().unwrap_or("the right number of");
            format!("a list of exactly {n} entries")
        }
        _ if expecting.starts_with("enum ") || expecting.contains("variant") => {
            "one of the names this field takes".to_string()
        }
        other => other.to_string(),
    }
}

/// What an empty value is called; `de` gives it its own message.
pub(super) const NOTHING: &str = "nothing";
pub(super) const MAPPING: &str = "a mapping (`key: value` entries)";
pub(super) const LIST: &str = "a list (`- item` lines, or `[a, b]`)";

/// The names an enum field takes: "one of `a`, `b`, `c`".
pub(super) fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    format!("one of {}", quoted.join(", "))
}

/// A long text cut for a message.
fn short(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// `1.10` → 65546: an AS number in asdot notation (RFC 5396) as asplain, when
/// the text is one (two whole numbers up to 65535 around a dot).
pub(super) fn asdot(text: &str) -> Option<u64> {
    let (high, low) = text.split_once('.')?;
    let part = |p: &str| -> Option<u64> {
        let digits = !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| p.parse::<u64>().ok()).flatten().filter(|n| *n <= 65535)
    };
    Some(part(high)? * 65536 + part(low)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asdot_numbers_become_asplain() {
        assert_eq!(asdot("1.10"), Some(65546));
        assert_eq!(asdot("0.64512"), Some(64512));
        assert_eq!(asdot("65535.65535"), Some(4294967295));
        assert_eq!(asdot("1.65536"), None);
        assert_eq!(asdot("1.5e3"), None);
        assert_eq!(asdot("1."), None);
        assert_eq!(asdot("64512"), None);
    }

    #[test]
    fn serde_words_are_translated() {
        assert_eq!(wanted("u32"), "a whole number from 0 to 4294967295");
        assert_eq!(wanted("struct Node"), MAPPING);
        assert_eq!(wanted("an array of length 2"), "a list of exactly 2 entries");
        assert_eq!(wanted("`auto` or a number of bytes"), "`auto` or a number of bytes");
        assert_eq!(unexpected(&Unexpected::Unit), "nothing");
        assert_eq!(short(&"x".repeat(50)).chars().count(), 41);
    }
}
