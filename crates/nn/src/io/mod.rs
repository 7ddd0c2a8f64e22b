//! Saving and loading: named tensors, model weights and training checkpoints in the
//! [safetensors](https://huggingface.co/docs/safetensors) format, the one PyTorch, candle
//! and NumPy (`safetensors.numpy`) read and write.
//!
//! - [`save_tensors`] / [`load_tensors`]: any named `f32`/`f64` tensors (views included).
//! - [`save_weights`] / [`load_weights`]: a model's [`Module::named_parameters`], strict
//!   by default like PyTorch's `load_state_dict`; [`load_weights_with`] and
//!   [`LoadOptions`] for non-strict loads, dtype conversion and PyTorch's layout
//!   ([`TorchLayout`]: `Linear.weight` is `[out, in]` there, `[in, out]` here).
//! - [`save_checkpoint`] / [`load_checkpoint`]: model and optimizer state together, keyed by
//!   parameter name, so training resumes bit for bit in another process.
//!
//! Loading is safe on any file: every header field is checked (see [`read_tensors`]) before
//! a tensor is built, a failure is an [`Error::File`](tensor::Error::File) naming the file,
//! the tensor and the check, and a failed load leaves the model (and optimizer) unchanged.
//!
//! [`Module::named_parameters`]: crate::Module::named_parameters

mod any;
mod checkpoint;
mod header;
mod layout;
mod options;
mod tensors;
mod validate;
mod weights;

pub use any::AnyTensor;
pub use checkpoint::{load_checkpoint, save_checkpoint};
pub use header::MAX_RANK;
pub use layout::TorchLayout;
pub use options::{LoadOptions, LoadReport, SaveOptions};
pub use tensors::{
    SaveTensor, TensorFile, load_file, load_tensors, read_tensors, save_file, save_tensors,
};
pub use validate::DEFAULT_MAX_HEADER_BYTES;
pub use weights::{
    load_weights, load_weights_from_bytes, load_weights_with, save_weights, save_weights_with,
};
