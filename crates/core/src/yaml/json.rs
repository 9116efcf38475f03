//! A node as JSON, for stores that other programs read as JSON (the app's
//! localStorage, which the browser tests inspect). JSON is YAML's flow style,
//! so `read` takes it back; no JSON library is needed in the browser's module.

use std::fmt::Write;

use super::{Node, Resolved, Style, Value};

pub fn to_json(node: &Node) -> String {
    let mut out = String::new();
    write_node(&mut out, node);
    out
}

fn write_node(out: &mut String, node: &Node) {
    match &node.value {
        Value::Scalar(s) if s.style == Style::Str => write_str(out, &s.text),
        Value::Scalar(s) => match super::resolve(&s.text) {
            Resolved::Null => out.push_str("null"),
            Resolved::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Resolved::Unsigned(n) => {
                let _ = write!(out, "{n}");
            }
            Resolved::Signed(n) => {
                let _ = write!(out, "{n}");
            }
            // The number as written, in JSON's syntax (no float is read);
            // JSON has no infinity or NaN.
            Resolved::Float => match super::float_json(&s.text) {
                Some(n) => out.push_str(&n),
                None => out.push_str("null"),
            },
            Resolved::Str => write_str(out, &s.text),
        },
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_node(out, item);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, v)) in m.entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match k.as_scalar() {
                    Some(s) => write_str(out, &s.text),
                    None => write_str(out, ""),
                }
                out.push(':');
                write_node(out, v);
            }
            out.push('}');
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_serde_json_reads_back_the_same() {
        let v = serde_json::json!({
            "text": "version: 1\nname: \"x\"\t\u{1}é\\",
            "layout": {"devices": {"a": {"x": 1.5, "y": -2.0}}, "sites": {}},
            "n": [1, -3, true, null, []],
        });
        let node = crate::yaml::to_value(&v).unwrap();
        let json = to_json(&node);
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
        // And our own reader takes it back.
        let again = crate::yaml::read(&json).unwrap();
        assert_eq!(to_json(&again), json);
    }
}
