//! Format `4`: a link that carries the person's own text, so their comments
//! (and order and style) travel with the design. The compact formats carry the
//! topology only; a comment such as `# measured with ping -M do` is work a
//! person did, so a link keeps it whenever it can — within a length budget and
//! never when a comment looks like a secret — and says so when it cannot.
//!
//! Payload: the UTF-8 text, raw-deflated with the same preset dictionary and
//! limits as the compact formats, then base64url. Opening it reads the text
//! like a file: a text that does not read cleanly as a topology is refused.

use super::{base64url, deflate, ShareError};
use crate::model::Topology;

/// The format character of a link that carries the text.
pub const VERSION_CHAR_TEXT: char = '4';

/// The longest fragment (`t=4…`, without `#`) that carries a text. RFC 9110
/// §4.1 recommends that every sender and recipient support URIs of at least
/// 8,000 octets: a longer link may be cut by a chat tool or a proxy's log, so
/// past it the link carries the topology alone and says the comments stayed behind.
pub const TEXT_LINK_BUDGET: usize = 8_000;

/// What a link made from a person's text did with its comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comments {
    /// The text had none: the link is the compact one.
    None,
    /// The link carries the text with its `count` comments.
    Carried { count: usize },
    /// The link is the compact one and leaves the `count` comments out, for `why`.
    Dropped { count: usize, why: Dropped },
}

/// Why a link leaves the comments out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropped {
    /// With the text the fragment would be `chars` characters, over [`TEXT_LINK_BUDGET`].
    TooLong { chars: usize },
    /// The comment on `line` looks like `what` (a k3s token, a WireGuard key,
    /// a password): no secret ever enters a link.
    Secret { line: usize, what: &'static str },
    /// The text does not read back as exactly the topology (it had errors the
    /// reader repaired): the link carries what was read.
    NotExact,
}

/// A link's fragment and what it did with the comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    /// `t=<version char><payload>`, without the `#`.
    pub fragment: String,
    pub comments: Comments,
}

impl Comments {
    /// One sentence for the person who made the link; `None` when there were no comments.
    pub fn sentence(&self) -> Option<String> {
        let plural = |n: usize| if n == 1 { "comment" } else { "comments" };
        match self {
            Comments::None => None,
            Comments::Carried { count } => Some(format!("the link carries your {count} {} too", plural(*count))),
            Comments::Dropped { count, why } => Some(match why {
                Dropped::TooLong { chars } => format!(
                    "your {count} {} are not in the link: with them it would be {chars} characters, \
                     over the {TEXT_LINK_BUDGET} a link can safely have",
                    plural(*count)
                ),
                Dropped::Secret { line, what } => format!(
                    "your {count} {} are not in the link: the one on line {line} looks like {what}, \
                     and a link never carries a secret (remove it to share the comments)",
                    plural(*count)
                ),
                Dropped::NotExact => format!(
                    "your {count} {} are not in the link: the text has errors the reader had to skip; \
                     fix them to share the comments",
                    plural(*count)
                ),
            }),
        }
    }
}

/// The link of the person's `text`, whose topology is `t`: the text itself when
/// it has comments and may travel, else the compact link of `t`.
pub fn encode_text(text: &str, t: &Topology) -> Made {
    let compact = |comments| Made { fragment: super::encode(t), comments };
    let found = crate::parse::comments(text);
    let count = found.len();
    if count == 0 {
        return compact(Comments::None);
    }
    if let Some((line, what)) = found.iter().find_map(|(line, c)| secret_shape(c).map(|w| (*line, w))) {
        return compact(Comments::Dropped { count, why: Dropped::Secret { line, what } });
    }
    let read = crate::parse(text);
    if read.topology.as_ref() != Some(t) || crate::diag::has_errors(&read.diagnostics) {
        return compact(Comments::Dropped { count, why: Dropped::NotExact });
    }
    let deflated = deflate::deflate(text.as_bytes());
    let mut fragment = String::with_capacity(3 + deflated.len() / 3 * 4 + 4);
    fragment.push_str("t=");
    fragment.push(VERSION_CHAR_TEXT);
    base64url::encode_into(&deflated, &mut fragment);
    if fragment.len() > TEXT_LINK_BUDGET {
        return compact(Comments::Dropped { count, why: Dropped::TooLong { chars: fragment.len() } });
    }
    Made { fragment, comments: Comments::Carried { count } }
}

/// The text of a format-`4` payload (already inflated) and its topology.
pub(super) fn open(inflated: Vec<u8>) -> Result<(Topology, String), ShareError> {
    let text = String::from_utf8(inflated).map_err(|e| ShareError::Malformed {
        at: e.utf8_error().valid_up_to(),
        what: "the text is not UTF-8".into(),
    })?;
    let read = crate::parse(&text);
    let first_error = read.diagnostics.iter().find(|d| d.is_error());
    match (read.topology, first_error) {
        (Some(t), None) => Ok((t, text)),
        (_, Some(d)) => Err(ShareError::Malformed { at: 0, what: format!("its text has {} {}", d.code, d.message) }),
        (None, None) => Err(ShareError::Malformed { at: 0, what: "its text holds no topology".into() }),
    }
}

/// What a comment looks like when it holds a secret, if it does. The shapes:
/// a k3s token (`K10` and a 64-digit hex CA hash, k3s's `pkg/clientaccess`
/// token format), a WireGuard key (32 bytes in base64: 43 characters and `=`),
/// and a word such as `token`, `password` or `private key` followed by `:` or `=`.
fn secret_shape(comment: &str) -> Option<&'static str> {
    let lower = comment.to_ascii_lowercase();
    if let Some(at) = lower.find("k10") {
        let hex = lower[at + 3..].chars().take_while(char::is_ascii_hexdigit).count();
        if hex >= 64 {
            return Some("a k3s token");
        }
    }
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '+' || c == '/';
    let words = comment.split(|c: char| !(b64(c) || c == '='));
    if words.clone().any(|w| w.len() == 44 && w.ends_with('=') && w[..43].chars().all(b64)) {
        return Some("a WireGuard key");
    }
    const WORDS: [&str; 8] =
        ["token", "password", "passwd", "secret", "private key", "privatekey", "private_key", "presharedkey"];
    for word in WORDS {
        let mut from = 0;
        while let Some(i) = lower[from..].find(word) {
            let after = lower[from + i + word.len()..].trim_start();
            if after.starts_with(':') || after.starts_with('=') {
                return Some("a password or key");
            }
            from += i + word.len();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{secret_shape, VERSION_CHAR_TEXT};
    use crate::share::{base64url, deflate, open, ShareError};

    fn text_link(text: &str) -> String {
        let mut out = format!("t={VERSION_CHAR_TEXT}");
        base64url::encode_into(&deflate::deflate(text.as_bytes()), &mut out);
        out
    }

    #[test]
    fn a_carried_text_must_read_cleanly() {
        let good = "# a comment\nversion: 1\nname: x\ncluster: {cni: flannel, pod_cidr: [10.42.0.0/16], service_cidr: [10.43.0.0/16]}\n";
        assert_eq!(open(&text_link(good)).map(|o| o.text), Ok(Some(good.to_string())));
        let Err(ShareError::Malformed { what, .. }) = open(&text_link(
            "version: 1\nname: x\ncluster: {cni: nosuch, pod_cidr: [10.42.0.0/16], service_cidr: [10.43.0.0/16]}\n",
        )) else {
            panic!("a text with an error opened")
        };
        assert!(what.starts_with("its text has E0"), "{what}");
        assert!(matches!(open(&text_link("[1, 2")), Err(ShareError::Malformed { .. })));
        let bytes = base64url_of(&[0xff, 0xfe]);
        assert!(matches!(open(&bytes), Err(ShareError::Malformed { at: 0, .. })));
    }

    fn base64url_of(raw: &[u8]) -> String {
        let mut out = format!("t={VERSION_CHAR_TEXT}");
        base64url::encode_into(&deflate::deflate(raw), &mut out);
        out
    }

    #[test]
    fn secrets_are_recognised_by_shape() {
        let token = format!("# join with K10{}::server:abcdef", "0123456789abcdef".repeat(4));
        assert_eq!(secret_shape(&token), Some("a k3s token"));
        assert_eq!(secret_shape("# wg key yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="), Some("a WireGuard key"));
        assert_eq!(secret_shape("# token: abc"), Some("a password or key"));
        assert_eq!(secret_shape("# PrivateKey = abc"), Some("a password or key"));
        // Words about secrets are not secrets.
        assert_eq!(secret_shape("# the k3s token is in the vault, not here"), None);
        assert_eq!(secret_shape("# measured with ping -M do: 1370"), None);
        assert_eq!(secret_shape("# K10 is a fine name"), None);
    }
}
