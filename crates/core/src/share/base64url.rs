//! Base64url without padding (RFC 4648 §5): the alphabet that survives URLs,
//! chat clients and Markdown unescaped. Decoding is strict: a stray character or
//! stray bits in the last one are an error, so one link has one spelling.

use super::ShareError;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Appends the base64url form of `data` to `out`.
pub(super) fn encode_into(data: &[u8], out: &mut String) {
    for chunk in data.chunks(3) {
        let mut group = [0u8; 3];
        for (slot, b) in group.iter_mut().zip(chunk) {
            *slot = *b;
        }
        let n = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        // n bytes of input give n + 1 characters.
        for i in 0..=chunk.len() {
            let sextet = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[sextet as usize]));
        }
    }
}

/// The bytes that `s` spells.
pub(super) fn decode(s: &str) -> Result<Vec<u8>, ShareError> {
    let text = s.as_bytes();
    if let Some(at) = text.iter().position(|&c| sextet(c).is_none()) {
        return Err(bad_char(s, at));
    }
    if text.len() % 4 == 1 {
        // No byte count gives this length: characters were lost.
        return Err(ShareError::Truncated);
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for (c, chunk) in text.chunks(4).enumerate() {
        let mut n = 0u32;
        for (i, &ch) in chunk.iter().enumerate() {
            let at = c * 4 + i;
            let v = sextet(ch).ok_or_else(|| bad_char(s, at))?;
            n |= u32::from(v) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        let keep = chunk.len() - 1;
        // The bits below the last whole byte must be zero in a canonical encoding.
        if n & (0x00FF_FFFF >> (8 * keep)) != 0 {
            return Err(bad_char(s, c * 4 + keep));
        }
        out.extend(bytes.iter().skip(1).take(keep));
    }
    Ok(out)
}

fn sextet(ch: u8) -> Option<u8> {
    match ch {
        b'A'..=b'Z' => Some(ch - b'A'),
        b'a'..=b'z' => Some(ch - b'a' + 26),
        b'0'..=b'9' => Some(ch - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// The error for the character at byte `at`; every byte before it is ASCII, so
/// `at` is also its character position.
fn bad_char(s: &str, at: usize) -> ShareError {
    let found = s.get(at..).and_then(|r| r.chars().next()).unwrap_or('\u{FFFD}');
    ShareError::BadBase64 { at, found }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(data: &[u8]) -> String {
        let mut s = String::new();
        encode_into(data, &mut s);
        assert_eq!(decode(&s).as_deref(), Ok(data), "{s}");
        s
    }

    #[test]
    fn rfc4648_vectors() {
        // RFC 4648 §10, without padding.
        assert_eq!(round(b""), "");
        assert_eq!(round(b"f"), "Zg");
        assert_eq!(round(b"fo"), "Zm8");
        assert_eq!(round(b"foo"), "Zm9v");
        assert_eq!(round(b"foob"), "Zm9vYg");
        assert_eq!(round(b"fooba"), "Zm9vYmE");
        assert_eq!(round(b"foobar"), "Zm9vYmFy");
        assert_eq!(round(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn all_byte_values_round_trip() {
        let data: Vec<u8> = (0..=255).collect();
        for n in 0..data.len() {
            round(&data[..n]);
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(decode("Z"), Err(ShareError::Truncated));
        assert_eq!(decode("Zm9v+g"), Err(ShareError::BadBase64 { at: 4, found: '+' }));
        assert_eq!(decode("Zm=v"), Err(ShareError::BadBase64 { at: 2, found: '=' }));
        assert_eq!(decode("Zé9v"), Err(ShareError::BadBase64 { at: 1, found: 'é' }));
        // "Zh" spells 'f' with a stray low bit.
        assert_eq!(decode("Zh"), Err(ShareError::BadBase64 { at: 1, found: 'h' }));
    }
}
