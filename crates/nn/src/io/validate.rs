//! The checks a safetensors file must pass before a byte of it is used as a tensor.
//!
//! Order: the file's framing (length prefix, header cap, header inside the file), then each
//! entry on its own (dtype, shape, byte size, offsets), then the entries together (no two
//! share a byte, and every byte of the data section belongs to a tensor, as the format
//! requires so a file cannot carry hidden data). Every size is computed with checked
//! arithmetic from numbers the header states, and compared with the bytes actually present
//! before anything is allocated from it.

use tensor::FileErrorKind as K;

use super::header::{Fault, RawEntry, RawHeader};

/// The default cap on the header's length, the `safetensors` crate's own (100 MB).
pub const DEFAULT_MAX_HEADER_BYTES: usize = 100_000_000;

/// The dtypes safetensors defines, with their sizes in bits.
const DTYPES: &[(&str, usize)] = &[
    ("BOOL", 8),
    ("F4", 4),
    ("F6_E2M3", 6),
    ("F6_E3M2", 6),
    ("U8", 8),
    ("I8", 8),
    ("F8_E5M2", 8),
    ("F8_E4M3", 8),
    ("F8_E8M0", 8),
    ("F8_E4M3FNUZ", 8),
    ("F8_E5M2FNUZ", 8),
    ("I16", 16),
    ("U16", 16),
    ("F16", 16),
    ("BF16", 16),
    ("I32", 32),
    ("U32", 32),
    ("F32", 32),
    ("C64", 64),
    ("F64", 64),
    ("I64", 64),
    ("U64", 64),
];

/// A checked entry: its bytes are `data[start..end]` of the data section.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub name: String,
    pub dtype: &'static str,
    pub shape: Vec<usize>,
    pub start: usize,
    pub end: usize,
}

/// Splits a file into its header text and data section.
pub(crate) fn split(bytes: &[u8], max_header: usize) -> Result<(&str, &[u8]), Fault> {
    let Some((len, rest)) = bytes.split_first_chunk::<8>() else {
        return Err(Fault::new(
            K::Truncated,
            None,
            format!(
                "the file has {} bytes; it must start with an 8-byte header length",
                bytes.len()
            ),
        ));
    };
    let n = u64::from_le_bytes(*len);
    let cap = max_header.min(DEFAULT_MAX_HEADER_BYTES);
    if n > cap as u64 {
        return Err(Fault::new(
            K::HeaderTooLarge,
            None,
            format!("the header length is {n} bytes, above the cap of {cap}"),
        ));
    }
    // n <= cap fits in usize.
    let n = n as usize;
    if n > rest.len() {
        return Err(Fault::new(
            K::Truncated,
            None,
            format!(
                "the header length is {n} bytes but only {} follow the length prefix",
                rest.len()
            ),
        ));
    }
    let (header, data) = rest.split_at(n);
    let text = std::str::from_utf8(header).map_err(|e| {
        Fault::new(
            K::HeaderNotUtf8,
            None,
            format!("the header is not UTF-8 ({e})"),
        )
    })?;
    Ok((text, data))
}

/// Checks every entry against the data section's length; the entries in offset order.
pub(crate) fn entries(header: RawHeader, data_len: usize) -> Result<Vec<Entry>, Fault> {
    let mut out = Vec::with_capacity(header.entries.len());
    for (name, raw) in header.entries {
        out.push(entry(name, raw, data_len)?);
    }
    out.sort_by_key(|e| (e.start, e.end));
    let mut covered = 0;
    let mut previous: Option<&Entry> = None;
    for e in &out {
        if e.start < covered {
            let other = previous.map_or(String::new(), |p| {
                format!(" '{}' (bytes {}..{})", p.name, p.start, p.end)
            });
            return Err(Fault::new(
                K::OffsetsOverlap,
                Some(&e.name),
                format!("its bytes {}..{} overlap those of{other}", e.start, e.end),
            ));
        }
        if e.start > covered {
            return Err(Fault::new(
                K::Uncovered,
                Some(&e.name),
                format!(
                    "it starts at byte {} of the data, but bytes {covered}..{} belong to no tensor",
                    e.start, e.start
                ),
            ));
        }
        covered = e.end;
        previous = Some(e);
    }
    if covered != data_len {
        return Err(Fault::new(
            K::Uncovered,
            None,
            format!(
                "the data section has {data_len} bytes but the tensors cover only {covered}; \
                 bytes {covered}..{data_len} belong to no tensor"
            ),
        ));
    }
    Ok(out)
}

/// One entry's own checks.
fn entry(name: String, raw: RawEntry, data_len: usize) -> Result<Entry, Fault> {
    let fault = |kind, reason| Err(Fault::new(kind, Some(&name), reason));
    let Some(&(dtype, bits)) = DTYPES.iter().find(|(d, _)| *d == raw.dtype) else {
        return fault(
            K::UnknownDtype,
            format!("the dtype '{}' is not a safetensors dtype", raw.dtype),
        );
    };
    let shape: Option<Vec<usize>> = raw.shape.iter().map(|&d| usize::try_from(d).ok()).collect();
    let count = shape
        .as_ref()
        .and_then(|s| s.iter().try_fold(1usize, |n, &d| n.checked_mul(d)));
    let (Some(shape), Some(count)) = (shape, count) else {
        return fault(
            K::SizeOverflow,
            format!(
                "the shape {:?} has more elements than a usize can count",
                raw.shape
            ),
        );
    };
    let Some(total_bits) = count.checked_mul(bits) else {
        return fault(
            K::SizeOverflow,
            format!("the shape {shape:?} of {dtype} has more bits than a usize can count"),
        );
    };
    let [start, end] = raw.offsets;
    if end < start {
        return fault(
            K::OffsetsMisordered,
            format!("its data_offsets [{start}, {end}] end before they start"),
        );
    }
    if end > data_len as u64 {
        return fault(
            K::OffsetsOutOfRange,
            format!(
                "its data_offsets [{start}, {end}] reach beyond the data section's {data_len} bytes \
                 (the file is truncated, or the offsets are wrong)"
            ),
        );
    }
    // end <= data_len fits in usize, and so does start <= end.
    let (start, end) = (start as usize, end as usize);
    if total_bits % 8 != 0 || total_bits / 8 != end - start {
        return fault(
            K::ByteLength,
            format!(
                "{dtype} {shape:?} needs {} bytes but its data_offsets [{start}, {end}] hold {}",
                total_bits.div_ceil(8),
                end - start
            ),
        );
    }
    Ok(Entry {
        name,
        dtype,
        shape,
        start,
        end,
    })
}
