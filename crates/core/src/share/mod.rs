//! Share links: a whole topology in a URL fragment, `#t=<version char><payload>`,
//! so a design travels by pasting a link and no server stores anything.
//!
//! The payload is a hand-packed binary form of the [`Topology`], raw-deflated with
//! a preset dictionary of common words (`dict.rs`), then base64url without padding.
//! It carries no field names (the version char fixes the layout), stores each string
//! once, leaves out values at their defaults and writes addresses as bytes: for the
//! examples the fragment is 32–47% of the length of base64 deflated JSON
//! (`tests/share.rs` measures it and fails above 65%).
//!
//! Layout of version `2` (varints are LEB128; "ref" is a varint index into the
//! string table; every optional part is present only when its flag bit says so;
//! the bits are in `layout.rs`):
//!
//! ```text
//! payload   = strings topology
//! strings   = count*2+mode (utf8 NUL | len utf8)*   each string once, in order of first use
//! topology  = flags [version] name:ref [description:ref] cluster
//!             [sites] [routers] [hosts] [nodes] [links] [backbone]
//! cluster   = flags (CNI, presence bits, three-state dns/asn) then the present fields
//!             in declaration order; pod/service CIDRs only when not K3s's defaults
//! site      = name:ref flag-byte (label and lan_mtu three-state, kind, lan) [label] [mtu]
//! router    = name:ref flag-byte (daemon, router_id three-state, ...) byte (platform, machine?, netns?)
//!             [site] [addresses] ... [machine:ref] [netns:ref]
//! host      = name:ref site (0 = none, i + 1 = ref i)
//! node      = name:ref flags site:ref addresses [public] [labels]
//! link      = flag-byte (kind, mtu and cost three-state) end:ref end:ref [mtu] [cost]
//! addresses = head-byte (count, one family bit per address) address*
//! address   = shared-byte rest      bytes shared with the previous address of its run
//! prefix    = code-byte (family, length, host bits?) the bytes the length covers
//! ```
//!
//! Version `2` is version `1`'s layout and dictionary with more: kilo flags
//! 4–5 `encapsulate` (0 always, 1 crosssubnet, 2 never); cilium flags 6
//! `external_ips` and 7 `lb_reserve_first_last` (then its names, after the pools,
//! as `count ref*`); and a second byte after each router's flags (platform,
//! machine and netns present). A `1` link still opens: its flag words may not
//! have those bits, its routers have no second byte, and it means the defaults
//! (every router on Debian, on a machine of its own).
//!
//! Version `3` is version `2` with topology flag 8,
//! `resilience.survive_single_failures`; it is written only when that is set.
//!
//! Version `4` carries the person's own text instead of the packed topology,
//! so comments travel: made by [`encode_text`] when the text has comments,
//! none looks like a secret, and the fragment stays within
//! [`TEXT_LINK_BUDGET`]; otherwise that function says why the comments stayed
//! behind (`text.rs`).
//!
//! Three-state fields are absent, present with the value the context implies (the
//! kind's default MTU, the site's own name, the router's first IPv4 address), or
//! present with another value, so `Some(default)` and `None` stay distinct and every
//! topology comes back exactly: `decode(&encode(&t)) == Ok(t)`.
//!
//! Decoding trusts nothing: the text is at most a bounded length, inflating stops
//! at [`MAX_INFLATED`] bytes, every count is checked against the bytes left before
//! anything is allocated, and strings made from the table are capped at
//! [`MAX_EXPANDED`] bytes in all. Hostile links get a [`ShareError`], never a panic.

mod base64url;
mod deflate;
mod dict;
mod error;
mod layout;
mod pack;
mod text;
mod unpack;
mod wire;

pub use error::ShareError;
pub use text::{encode_text, Comments, Dropped, Made, TEXT_LINK_BUDGET, VERSION_CHAR_TEXT};

use crate::model::Topology;

/// The share format this build writes for a topology without
/// `resilience.survive_single_failures`. A future format gets another
/// character, and this build refuses it by name instead of misreading it.
pub const VERSION_CHAR: char = '2';

/// The format that carries `resilience.survive_single_failures` (topology flag
/// 8). It is written only for a topology that sets it, so every other link
/// stays a `2` link that pages built before it still open.
pub const VERSION_CHAR_RESILIENCE: char = '3';

/// Every format this build reads: the older ones keep opening forever.
pub const READS: &[char] = &['1', '2', '3', '4'];

/// The most bytes a link's payload may inflate to.
pub const MAX_INFLATED: usize = 1 << 20;

/// The most bytes of strings (each counted with its bookkeeping) a payload may
/// make, since table references can repeat one long string many times.
pub const MAX_EXPANDED: usize = 4 << 20;

/// Longest base64 text that can inflate to at most `MAX_INFLATED` bytes: deflate's
/// worst case is stored blocks, 5 bytes of header per 64 KiB.
const MAX_ENCODED_CHARS: usize = (MAX_INFLATED + 1024) / 3 * 4;

/// The fragment for `t`, `t=<version char><payload>`, without the `#`.
///
/// A topology whose packed form exceeds [`MAX_INFLATED`] bytes (megabytes of
/// descriptions) gives a fragment that [`decode`] refuses.
pub fn encode(t: &Topology) -> String {
    let deflated = deflate::deflate(&pack::pack(t));
    let mut out = String::with_capacity(3 + deflated.len() / 3 * 4 + 4);
    out.push_str("t=");
    out.push(if t.resilience.survive_single_failures { VERSION_CHAR_RESILIENCE } else { VERSION_CHAR });
    base64url::encode_into(&deflated, &mut out);
    out
}

/// The whole link: `base` (the app's address) with the fragment of `t`.
pub fn link(base: &str, t: &Topology) -> String {
    link_with(base, &encode(t))
}

/// `base` (the app's address, any old fragment dropped) with `fragment` (`t=…`).
pub fn link_with(base: &str, fragment: &str) -> String {
    let base = base.split_once('#').map_or(base, |(b, _)| b);
    format!("{base}#{fragment}")
}

/// The topology of a full link, a `#t=…` fragment or a bare `t=…`.
pub fn decode(s: &str) -> Result<Topology, ShareError> {
    open(s).map(|o| o.topology)
}

/// What a link opens to: the topology, and the person's text when the link
/// carries it (format `4`), to be opened as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub topology: Topology,
    pub text: Option<String>,
}

/// As [`decode`], keeping the text a format-`4` link carries.
pub fn open(s: &str) -> Result<Opened, ShareError> {
    let body = fragment(s)?;
    let mut chars = body.chars();
    let version = chars.next().ok_or(ShareError::Empty)?;
    if !READS.contains(&version) {
        return Err(ShareError::UnknownVersion(version));
    }
    let data = chars.as_str();
    if data.len() > MAX_ENCODED_CHARS {
        return Err(ShareError::TooLarge { limit: MAX_INFLATED });
    }
    let inflated = deflate::inflate(&base64url::decode(data)?)?;
    if version == VERSION_CHAR_TEXT {
        let (topology, text) = text::open(inflated)?;
        return Ok(Opened { topology, text: Some(text) });
    }
    Ok(Opened { topology: unpack::unpack(&inflated, version)?, text: None })
}

/// The `t=` value of the fragment, after `#` when there is one.
fn fragment(s: &str) -> Result<&str, ShareError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ShareError::Empty);
    }
    let frag = s.split_once('#').map_or(s, |(_, f)| f);
    frag.split('&').find_map(|p| p.strip_prefix("t=")).ok_or(ShareError::NoFragment)
}

#[cfg(test)]
mod tests;
