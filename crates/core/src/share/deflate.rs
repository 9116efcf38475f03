//! Raw deflate with the preset dictionary of `dict.rs`, and inflate with a hard
//! cap on the output. miniz_oxide is pure Rust, so this builds for wasm32 too.

use miniz_oxide::deflate::compress_to_vec;
use miniz_oxide::deflate::core::{
    compress_to_output, create_comp_flags_from_zip_params, CompressionStrategy, CompressorOxide, TDEFLFlush,
    TDEFLStatus,
};
use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

use super::dict::DICT;
use super::{ShareError, MAX_INFLATED};

/// The shortest of a few settings: on a few hundred bytes the fixed Huffman code
/// often beats a dynamic one that must ship its own table.
pub(super) fn deflate(raw: &[u8]) -> Vec<u8> {
    let strategies = [CompressionStrategy::Default, CompressionStrategy::Fixed, CompressionStrategy::Filtered];
    strategies
        .into_iter()
        .filter_map(|s| with_dict(raw, create_comp_flags_from_zip_params(10, 0, s as i32)))
        .min_by_key(Vec::len)
        // A stream that never refers to the dictionary inflates just as well.
        .unwrap_or_else(|| compress_to_vec(raw, 10))
}

/// Compresses the dictionary, flushes to a byte boundary and drops that output:
/// what follows is a deflate stream whose matches may reach into the dictionary.
fn with_dict(raw: &[u8], flags: u32) -> Option<Vec<u8>> {
    let mut c = CompressorOxide::new(flags);
    let (primed, _) = compress_to_output(&mut c, DICT, TDEFLFlush::Sync, |_| true);
    let mut out = Vec::new();
    let (done, _) = compress_to_output(&mut c, raw, TDEFLFlush::Finish, |chunk| {
        out.extend_from_slice(chunk);
        true
    });
    (primed == TDEFLStatus::Okay && done == TDEFLStatus::Done).then_some(out)
}

/// The bytes `data` inflates to, with the dictionary in the window first. Stops
/// with `TooLarge` at `MAX_INFLATED` bytes, however the stream is built; trailing
/// bytes after the end of the stream are refused, so a link has one spelling.
pub(super) fn inflate(data: &[u8]) -> Result<Vec<u8>, ShareError> {
    let cap = DICT.len() + MAX_INFLATED;
    let mut out = vec![0u8; data.len().saturating_mul(4).saturating_add(DICT.len()).min(cap)];
    out.iter_mut().zip(DICT).for_each(|(d, s)| *d = *s);
    let mut pos = DICT.len();
    let mut input = data;
    // Boxed: the decompressor state is ~11 KB, too much for a small wasm stack.
    let mut state = Box::<DecompressorOxide>::default();
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    loop {
        let (status, used_in, used_out) = decompress(&mut state, input, &mut out, pos, flags);
        pos += used_out;
        input = input.get(used_in..).unwrap_or_default();
        match status {
            TINFLStatus::Done if input.is_empty() => break,
            TINFLStatus::Done => return Err(ShareError::Corrupt),
            TINFLStatus::HasMoreOutput if out.len() < cap => {
                let grown = out.len().saturating_mul(2).min(cap);
                out.resize(grown, 0);
            }
            TINFLStatus::HasMoreOutput => return Err(ShareError::TooLarge { limit: MAX_INFLATED }),
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => return Err(ShareError::Truncated),
            _ => return Err(ShareError::Corrupt),
        }
    }
    out.truncate(pos);
    Ok(out.split_off(DICT.len().min(out.len())))
}
