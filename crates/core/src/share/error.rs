//! Why a share link could not be opened, in words a person can act on.

use std::fmt;

/// Every way `decode` can refuse a link. None of them is a panic: hostile links end
/// here, with the place of the problem where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareError {
    /// Nothing to decode: an empty string, or `t=` with nothing after it.
    Empty,
    /// A link or text without a `t=` fragment.
    NoFragment,
    /// The character after `t=` names a share format this build does not read.
    UnknownVersion(char),
    /// A character that base64url cannot hold, or stray bits in the last one;
    /// `at` counts characters from the start of the data (after the version char).
    BadBase64 { at: usize, found: char },
    /// The data stops before its end: the link was cut.
    Truncated,
    /// The compressed data is not valid deflate.
    Corrupt,
    /// The data expands beyond `limit` bytes: no topology is that large.
    TooLarge { limit: usize },
    /// The decompressed payload does not describe a topology: `what` was wrong
    /// at byte `at` of it.
    Malformed { at: usize, what: String },
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareError::Empty => {
                f.write_str("the share link is empty: paste the whole link, or at least the part from `#t=` on")
            }
            ShareError::NoFragment => f.write_str(
                "this is not a meshplan share link: it has no `#t=` part \
                 (copy the whole link, including everything after `#`)",
            ),
            ShareError::UnknownVersion(c) => write!(
                f,
                "the link uses share format `{c}`, which this meshplan cannot read (it reads {}): \
                 open it with a newer meshplan",
                super::READS.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
            ),
            ShareError::BadBase64 { at, found } => write!(
                f,
                "the link's data has `{}` at character {at}, which cannot be there in a share link: \
                 the link was changed while being copied; copy it again",
                found.escape_default()
            ),
            ShareError::Truncated => {
                f.write_str("the link is cut short: its data ends early; copy the whole link again")
            }
            ShareError::Corrupt => {
                f.write_str("the link's data is damaged (it does not decompress): copy the whole link again")
            }
            ShareError::TooLarge { limit } => write!(
                f,
                "the link's data expands to more than {limit} bytes, far more than any topology: \
                 refusing to open it"
            ),
            ShareError::Malformed { at, what } => write!(
                f,
                "the link's data is not a valid topology (byte {at} of the payload: {what}); \
                 the link was altered or made by another program"
            ),
        }
    }
}

impl std::error::Error for ShareError {}
