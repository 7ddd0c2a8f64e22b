//! Named tensors to and from safetensors files: [`save_tensors`], [`load_tensors`] and the
//! byte-level [`read_tensors`] they share with the model loaders.

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::tensor::{Dtype, View};
use tensor::{Error, FileErrorKind as K, Float, Result, Tensor};

use super::any::AnyTensor;
use super::header::{self, Fault};
use super::validate::{self, DEFAULT_MAX_HEADER_BYTES, Entry};

/// A tensor [`save_tensors`] can write: `Tensor<f32>`, `Tensor<f64>` or [`AnyTensor`].
pub trait SaveTensor {
    /// The tensor with its element type as a value (a cheap clone: storage is shared).
    fn to_any(&self) -> AnyTensor;
}

impl<T: Float> SaveTensor for Tensor<T> {
    fn to_any(&self) -> AnyTensor {
        AnyTensor::from(self.clone())
    }
}

impl SaveTensor for AnyTensor {
    fn to_any(&self) -> AnyTensor {
        self.clone()
    }
}

/// Everything a safetensors file holds: its tensors by name and its `__metadata__` strings.
#[derive(Clone, Debug, Default)]
pub struct TensorFile {
    /// The tensors, by name.
    pub tensors: BTreeMap<String, AnyTensor>,
    /// The `__metadata__` map (empty if the file has none).
    pub metadata: BTreeMap<String, String>,
}

/// Writes named tensors to `path` in the safetensors format (replacing the file atomically:
/// the bytes go to a temporary file beside it, which is then renamed). Views and
/// non-contiguous tensors are written in their logical row-major order, as NumPy would save
/// them.
///
/// # Errors
/// [`Error::File`] naming the tensor for a repeated or reserved (`__metadata__`) name, and
/// naming the file for an I/O error.
///
/// ```
/// use nn::io::{load_tensors, save_tensors};
/// use tensor::Tensor;
///
/// let dir = std::env::temp_dir().join(format!("tapegrad-doc-save-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("pair.safetensors");
/// let w = Tensor::<f32>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
/// let wt = w.t()?; // a transposed view: written as the [3, 2] it shows
/// save_tensors(&path, &[("w", &w), ("wt", &wt)])?;
/// let back = load_tensors(&path)?;
/// assert_eq!(back["wt"].shape(), &[3, 2]);
/// assert_eq!(back["wt"].to::<f32>().to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn save_tensors<S: AsRef<str>, V: SaveTensor + ?Sized>(
    path: impl AsRef<Path>,
    tensors: &[(S, &V)],
) -> Result<()> {
    let any: Vec<(&str, AnyTensor)> = tensors
        .iter()
        .map(|(n, t)| (n.as_ref(), t.to_any()))
        .collect();
    write_file(path.as_ref(), &any, &BTreeMap::new())
}

/// Writes a [`TensorFile`], its tensors and its `__metadata__` (safetensors'
/// `save_file(tensors, path, metadata)`).
///
/// # Errors
/// As [`save_tensors`].
pub fn save_file(path: impl AsRef<Path>, file: &TensorFile) -> Result<()> {
    let any: Vec<(&str, AnyTensor)> = file
        .tensors
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone()))
        .collect();
    write_file(path.as_ref(), &any, &file.metadata)
}

/// Reads every tensor of the safetensors file at `path`, after checking the whole file (see
/// [`read_tensors`]).
///
/// # Errors
/// As [`read_tensors`], and [`Error::File`] of kind `Io` naming the file if it cannot be read.
pub fn load_tensors(path: impl AsRef<Path>) -> Result<BTreeMap<String, AnyTensor>> {
    Ok(load_file(path)?.tensors)
}

/// Reads the tensors and the `__metadata__` of the file at `path`.
///
/// # Errors
/// As [`load_tensors`].
pub fn load_file(path: impl AsRef<Path>) -> Result<TensorFile> {
    let path = path.as_ref();
    let bytes = read_bytes(path)?;
    read_tensors(&bytes, &path.display().to_string())
}

/// Reads the tensors of a safetensors file held in memory; `file` names it in errors. Every
/// header field is checked before any tensor is built: a malformed buffer is an
/// [`Error::File`] saying which check failed, naming `file` and (where one is at fault) the
/// tensor; never a panic, and nothing is allocated from a size the header states before it
/// is checked against the bytes present. Reads `F32` and `F64` tensors; other dtypes are
/// errors of kind `UnsupportedDtype`.
///
/// ```
/// use nn::io::read_tensors;
/// use tensor::FileErrorKind;
///
/// // An 8-byte header length of 2^40: far beyond the cap, refused before reading on.
/// let bytes = [0, 0, 0, 0, 0, 1, 0, 0];
/// let e = read_tensors(&bytes, "x.safetensors").unwrap_err();
/// assert!(matches!(e, tensor::Error::File { kind: FileErrorKind::HeaderTooLarge, .. }));
/// assert!(e.to_string().starts_with("file 'x.safetensors': header too large"), "{e}");
/// ```
///
/// # Errors
/// [`Error::File`], of the kind of the first check that failed.
pub fn read_tensors(bytes: &[u8], file: &str) -> Result<TensorFile> {
    let parsed = Parsed::new(bytes, file, DEFAULT_MAX_HEADER_BYTES)?;
    let mut tensors = BTreeMap::new();
    for e in &parsed.entries {
        tensors.insert(e.name.clone(), parsed.decode(e)?);
    }
    Ok(TensorFile {
        tensors,
        metadata: parsed.metadata,
    })
}

/// A checked file: its entries (in offset order) over its data section.
pub(crate) struct Parsed<'a> {
    pub file: String,
    pub entries: Vec<Entry>,
    pub metadata: BTreeMap<String, String>,
    data: &'a [u8],
}

impl<'a> Parsed<'a> {
    /// Runs every check of [`validate`] on `bytes`, then has the `safetensors` crate parse it
    /// too, so a file we accept is one the reference reader accepts.
    pub fn new(bytes: &'a [u8], file: &str, max_header: usize) -> Result<Parsed<'a>> {
        let at = |f: Fault| file_error(file, f);
        let (text, data) = validate::split(bytes, max_header).map_err(at)?;
        let mut header = header::parse(text).map_err(at)?;
        let metadata = std::mem::take(&mut header.metadata);
        let entries = validate::entries(header, data.len()).map_err(at)?;
        if let Err(e) = safetensors::SafeTensors::deserialize(bytes) {
            return Err(at(Fault::new(
                K::HeaderNotJson,
                None,
                format!("the safetensors crate refuses the file: {e}"),
            )));
        }
        Ok(Parsed {
            file: file.to_string(),
            entries,
            metadata,
            data,
        })
    }

    /// The entry called `name`.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// The tensor of a checked entry.
    pub fn decode(&self, e: &Entry) -> Result<AnyTensor> {
        if e.dtype != "F32" && e.dtype != "F64" {
            return Err(self.error(
                K::UnsupportedDtype,
                Some(&e.name),
                format!(
                    "its dtype is {}; tapegrad holds F32 and F64 tensors",
                    e.dtype
                ),
            ));
        }
        AnyTensor::from_le_bytes(e.dtype, &e.shape, &self.data[e.start..e.end])
    }

    /// The tensor of a checked entry, half-precision (`F16`, `BF16`) widened to `f32`
    /// exactly: for loads that asked for dtype conversion.
    pub fn decode_converting(&self, e: &Entry) -> Result<AnyTensor> {
        let bytes = &self.data[e.start..e.end];
        let halves = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]));
        let widened: Vec<f32> = match e.dtype {
            "F16" => halves.map(f16_to_f32).collect(),
            "BF16" => halves.map(|h| f32::from_bits(u32::from(h) << 16)).collect(),
            _ => return self.decode(e),
        };
        Ok(AnyTensor::F32(Tensor::from_vec(widened, &e.shape)?))
    }

    /// An [`Error::File`] about this file.
    pub fn error(&self, kind: K, tensor: Option<&str>, reason: String) -> Error {
        file_error(&self.file, Fault::new(kind, tensor, reason))
    }
}

/// `fault`, naming `file`.
pub(crate) fn file_error(file: &str, fault: Fault) -> Error {
    Error::File {
        file: file.to_string(),
        tensor: fault.tensor,
        kind: fault.kind,
        reason: fault.reason,
    }
}

/// The whole file, as an [`Error::File`] of kind `Io` naming it if it cannot be read. The
/// buffer is the file's length, never a size stated inside it.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        file_error(
            &path.display().to_string(),
            Fault::new(K::Io, None, format!("cannot read it: {e}")),
        )
    })
}

/// One tensor as the `safetensors` writer sees it.
struct Bytes {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl View for &Bytes {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        (&self.data[..]).into()
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// Writes `tensors` and `metadata` to `path` with the `safetensors` crate.
pub(crate) fn write_file(
    path: &Path,
    tensors: &[(&str, AnyTensor)],
    metadata: &BTreeMap<String, String>,
) -> Result<()> {
    let file = path.display().to_string();
    let mut names = std::collections::BTreeSet::new();
    let mut views = Vec::with_capacity(tensors.len());
    for (name, t) in tensors {
        if *name == "__metadata__" || !names.insert(*name) {
            let why = if *name == "__metadata__" {
                "the name is reserved for the header's metadata"
            } else {
                "two tensors cannot have the same name in one file"
            };
            return Err(file_error(
                &file,
                Fault::new(K::DuplicateName, Some(name), why.into()),
            ));
        }
        let dtype = if t.dtype() == "F32" {
            Dtype::F32
        } else {
            Dtype::F64
        };
        views.push((
            name.to_string(),
            Bytes {
                dtype,
                shape: t.shape().to_vec(),
                data: t.to_le_bytes(),
            },
        ));
    }
    let meta = (!metadata.is_empty()).then(|| metadata.clone().into_iter().collect());
    let refs = views.iter().map(|(n, b)| (n.as_str(), b));
    safetensors::serialize_to_file(refs, meta, path).map_err(|e| {
        file_error(
            &file,
            Fault::new(K::Io, None, format!("cannot write it: {e}")),
        )
    })
}

/// IEEE half precision to single, exactly (every `f16` is an `f32`).
fn f16_to_f32(h: u16) -> f32 {
    let negative = h & 0x8000 != 0;
    let exp = u32::from((h >> 10) & 0x1f);
    let mant = u32::from(h & 0x3ff);
    let magnitude = match exp {
        // Zero and subnormals: mant * 2^-24, exact in f32.
        0 => mant as f32 * f32::from_bits(0x3380_0000),
        // Infinity and NaN (the payload kept in the top mantissa bits).
        0x1f => f32::from_bits(0x7f80_0000 | (mant << 13)),
        // Normal: rebias the exponent from 15 to 127.
        _ => f32::from_bits(((exp + 112) << 23) | (mant << 13)),
    };
    if negative { -magnitude } else { magnitude }
}

#[cfg(test)]
mod tests {
    use super::f16_to_f32;

    #[test]
    fn f16_widens_exactly() {
        // 0x3c00 = 1, 0xc000 = -2, 0x7bff = 65504 (largest), 0x0001 = 2^-24 (smallest
        // subnormal), 0x0400 = 2^-14 (smallest normal), 0x8000 = -0, 0x7c00 = inf.
        let cases = [
            (0x3c00, 1.0),
            (0xc000, -2.0),
            (0x7bff, 65504.0),
            (0x0001, 2f32.powi(-24)),
            (0x0400, 2f32.powi(-14)),
            (0x7c00, f32::INFINITY),
        ];
        for (h, want) in cases {
            assert_eq!(f16_to_f32(h), want, "{h:#06x}");
        }
        assert_eq!(f16_to_f32(0x8000).to_bits(), (-0.0f32).to_bits());
        assert!(f16_to_f32(0x7e00).is_nan());
    }
}
