//! Small text rules shared by the checks and the renderers: what a safe name is,
//! and the nearest known word for a typo.

/// Lowercase RFC 1123 subdomain, as Kubernetes requires of node names.
pub fn is_k8s_node_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// `[A-Za-z0-9][A-Za-z0-9_.-]{0,62}`: the names of sites, routers and hosts. Nothing
/// outside this set can reach a generated script.
pub fn is_safe_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// A Kubernetes label key (optional DNS prefix, then a name of up to 63 characters).
pub fn is_label_key(s: &str) -> bool {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    prefix.is_none_or(|p| p.len() <= 253 && is_k8s_node_name(p)) && is_label_value(name) && !name.is_empty()
}

/// A Kubernetes label value: empty, or up to 63 of `[A-Za-z0-9_.-]`, alphanumeric at both ends.
pub fn is_label_value(s: &str) -> bool {
    let b = s.as_bytes();
    b.is_empty()
        || (b.len() <= 63
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')))
}

/// Characters allowed in free values that end up in scripts (versions, mirrors,
/// URLs): no quotes, spaces, `$`, backticks, semicolons or other shell syntax.
pub fn is_plain_token(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"+-._~:/@%=".contains(&c))
}

/// The known word closest to `word`, if one is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, known: &'a [String]) -> Option<&'a str> {
    let limit = (word.len() / 3).clamp(1, 3);
    known
        .iter()
        .map(|k| (edit_distance(word, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, k)| (*d, k.as_str()))
        .map(|(_, k)| k.as_str())
}

/// Where `span` (line and column in characters, as diagnostics give them) is in
/// `text` counted in UTF-16 code units, as a browser's text selection counts:
/// a character outside the Basic Multilingual Plane (an emoji) is two units.
/// Line ends count as one unit whatever they are in the text (`\r\n`, a lone
/// `\r` or `\n`): the reader counts lines so, and a textarea's value has
/// them as `\n`. A column past its line's end stops at the end of the line, a
/// line past the text's end at the end of the text.
pub fn utf16_offset(text: &str, span: crate::diag::Span) -> usize {
    let mut offset = 0;
    let mut chars = text.chars().peekable();
    for _ in 1..span.line {
        loop {
            match chars.next() {
                None => return offset,
                Some('\r') => {
                    chars.next_if_eq(&'\n');
                    offset += 1;
                    break;
                }
                Some('\n') => {
                    offset += 1;
                    break;
                }
                Some(c) => offset += c.len_utf16(),
            }
        }
    }
    for c in chars.take(span.column.saturating_sub(1)) {
        if c == '\r' || c == '\n' {
            break;
        }
        offset += c.len_utf16();
    }
    offset
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;

    #[test]
    fn utf16_offsets_count_what_a_browser_selection_counts() {
        let at = |text, line, column| utf16_offset(text, Span { line, column });
        // `ü` is one unit, as in the reader's columns.
        assert_eq!(at("a: 1\nZürich: {site: x}\n", 2, 11), 5 + 10);
        // 🛰 (U+1F6F0) is two units: what follows it is one further on.
        let sat = "nodes:\n  🛰-1: {site: x}\n  b: {site: y}\n";
        assert_eq!(at(sat, 2, 9), 7 + 9);
        assert_eq!(&sat.encode_utf16().collect::<Vec<_>>()[16..20], &"site".encode_utf16().collect::<Vec<_>>()[..]);
        assert_eq!(at(sat, 3, 3), 7 + 18 + 2);
        // CRLF: one unit per line end, as in the textarea's value.
        let crlf = "a: 1\r\nb: Zürich\r\nc: 🛰\r\n";
        let lf = crlf.replace("\r\n", "\n");
        for (line, column) in [(1, 1), (2, 4), (3, 4), (3, 9), (4, 1), (9, 9)] {
            assert_eq!(at(crlf, line, column), at(&lf, line, column), "{line}:{column}");
        }
        assert_eq!(at(crlf, 3, 4), 5 + 10 + 3);
        // Past the end of a line or of the text.
        assert_eq!(at("ab\ncd", 1, 9), 2);
        assert_eq!(at("ab\ncd", 9, 1), 5);
    }

    #[test]
    fn names() {
        assert!(is_k8s_node_name("ty1.k3s"));
        assert!(!is_k8s_node_name("KubeMaster"));
        assert!(!is_k8s_node_name("a;rm -rf /"));
        assert!(is_safe_name("zt-domestic"));
        assert!(!is_safe_name("a b"));
        assert!(!is_safe_name("$(id)"));
        assert!(is_label_key("kilo.squat.ai/location"));
        assert!(!is_label_value("-x"));
    }

    #[test]
    fn suggestions() {
        let known = vec!["address".to_string(), "site".to_string(), "role".to_string()];
        assert_eq!(did_you_mean("addres", &known), Some("address"));
        assert_eq!(did_you_mean("zzzzzz", &known), None);
    }
}
