//! The options of the weight loaders and savers, and what a load reports.

use std::fmt;

use super::validate::DEFAULT_MAX_HEADER_BYTES;

/// How [`load_weights_with`] reads a file. The default is strict, converts nothing and
/// expects tapegrad's layout.
///
/// ```
/// use nn::io::LoadOptions;
/// // A PyTorch state_dict saved in f64, into an f32 model that has more than it holds:
/// let opts = LoadOptions::pytorch().convert_dtype(true).strict(false);
/// assert!(opts.is_pytorch() && !opts.is_strict());
/// ```
///
/// [`load_weights_with`]: super::load_weights_with
#[derive(Clone, Debug)]
pub struct LoadOptions {
    pub(crate) strict: bool,
    pub(crate) convert_dtype: bool,
    pub(crate) pytorch: bool,
    pub(crate) max_header_bytes: usize,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            strict: true,
            convert_dtype: false,
            pytorch: false,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
        }
    }
}

impl LoadOptions {
    /// The defaults, for a file in PyTorch's layout (a `state_dict` saved with
    /// `safetensors.torch.save_file`): each parameter is mapped as its layer declares
    /// ([`TorchLayout`](super::TorchLayout)), so `Linear.weight` `[out, in]` becomes our
    /// `[in, out]`.
    pub fn pytorch() -> LoadOptions {
        LoadOptions {
            pytorch: true,
            ..LoadOptions::default()
        }
    }

    /// Strict (the default): a parameter the file lacks, or a tensor the model lacks, is an
    /// error. Not strict: those are skipped and listed in the [`LoadReport`]; shapes and
    /// dtypes are checked either way.
    pub fn strict(mut self, strict: bool) -> LoadOptions {
        self.strict = strict;
        self
    }

    /// Converts tensors of another float type instead of refusing them: `F64` into an `f32`
    /// model rounds to nearest; `F32` into `f64`, and half precision (`F16`, `BF16`, as
    /// PyTorch often saves) into either, are exact.
    pub fn convert_dtype(mut self, convert: bool) -> LoadOptions {
        self.convert_dtype = convert;
        self
    }

    /// Caps the header's length (at most the default, 100 MB, the `safetensors` crate's own).
    pub fn max_header_bytes(mut self, bytes: usize) -> LoadOptions {
        self.max_header_bytes = bytes;
        self
    }

    /// `true` if loading is strict.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// `true` if the file is read in PyTorch's layout.
    pub fn is_pytorch(&self) -> bool {
        self.pytorch
    }
}

/// How [`save_weights_with`] writes a file: tapegrad's layout (the default) or PyTorch's.
///
/// [`save_weights_with`]: super::save_weights_with
#[derive(Clone, Debug, Default)]
pub struct SaveOptions {
    pub(crate) pytorch: bool,
}

impl SaveOptions {
    /// PyTorch's layout: the file loads with `model.load_state_dict(load_file(path))` into the
    /// equivalent `torch.nn` model (`Linear.weight` written `[out, in]`, its bias `[out]`).
    pub fn pytorch() -> SaveOptions {
        SaveOptions { pytorch: true }
    }
}

/// What a load did, by parameter name: PyTorch's `missing_keys` / `unexpected_keys` and more.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Parameters set from the file.
    pub loaded: Vec<String>,
    /// Parameters the file has no tensor for, left unchanged (non-strict loads only).
    pub missing: Vec<String>,
    /// Tensors of the file the model has no parameter for, skipped (non-strict loads only).
    pub unexpected: Vec<String>,
    /// Parameters whose tensor was converted from the other float type.
    pub converted: Vec<String>,
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "loaded {}, missing {:?}, unexpected {:?}, converted {:?}",
            self.loaded.len(),
            self.missing,
            self.unexpected,
            self.converted
        )
    }
}
