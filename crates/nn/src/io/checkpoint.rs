//! Checkpoints: a model's weights and its optimizer's state in one safetensors file, keyed by
//! parameter name, so training resumes exactly in a fresh process.
//!
//! Layout of the file (all tensors in the model's dtype):
//!
//! ```text
//! model.<param>            the parameter's value, tapegrad's layout
//! optim.<buffer>.<param>   an optimizer buffer (momentum_buffer, exp_avg, exp_avg_sq)
//! __metadata__: format = "tapegrad.checkpoint", version = "1", optimizer = "adam" | "sgd",
//!               hyper.<name> = <f64, shortest round-trip decimal>, step.<param> = <u64>
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use tensor::{FileErrorKind as K, Float, Result};

use super::any::{AnyTensor, dtype_of};
use super::options::LoadOptions;
use super::tensors::{Parsed, read_bytes, write_file};
use super::weights::{commit, named_values, plan};
use crate::module::Module;
use crate::optim::{OptimizerState, ParamState, Stateful};

const FORMAT: &str = "tapegrad.checkpoint";
const VERSION: &str = "1";

/// Writes `model`'s parameters and `optimizer`'s state (hyper-parameters, step counts,
/// buffers, all by parameter name) to `path`.
///
/// # Errors
/// As [`save_tensors`](super::save_tensors).
///
/// ```
/// use autograd::Tape;
/// use nn::io::{load_checkpoint, save_checkpoint};
/// use nn::optim::{Adam, Optimizer};
/// use nn::{Linear, Module, loss::mse};
/// use tensor::{NumpyRng, Tensor};
///
/// let path = std::env::temp_dir().join(format!("tapegrad-doc-ckpt-{}.safetensors", std::process::id()));
/// let (x, y) = (Tensor::<f64>::ones(&[4, 3])?, Tensor::zeros(&[4, 1])?);
/// let step = |model: &mut Linear<f64>, opt: &mut Adam<f64>| -> tensor::Result<()> {
///     let tape = Tape::new();
///     let grads = mse(&model.forward(&tape.constant(x.clone()))?, &y)?.backward()?;
///     opt.step(model, &grads)
/// };
/// let (mut model, mut opt) = (Linear::new(3, 1, &mut NumpyRng::new(0))?, Adam::new(0.01));
/// step(&mut model, &mut opt)?;
/// save_checkpoint(&path, &model, &opt)?;
/// // Another model and optimizer (another process would do the same) pick up from there.
/// let (mut resumed, mut opt2) = (Linear::new(3, 1, &mut NumpyRng::new(9))?, Adam::new(0.5));
/// load_checkpoint(&path, &mut resumed, &mut opt2)?;
/// step(&mut model, &mut opt)?;
/// step(&mut resumed, &mut opt2)?;
/// assert!(resumed.weight().value().bitwise_eq(model.weight().value()));
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn save_checkpoint<T, M, O>(path: impl AsRef<Path>, model: &M, optimizer: &O) -> Result<()>
where
    T: Float,
    M: Module<T> + ?Sized,
    O: Stateful<T> + ?Sized,
{
    let mut tensors = named_values(model, "model.", false)?;
    let state = optimizer.state_dict(&model.named_parameters());
    let mut meta = BTreeMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("version".to_string(), VERSION.to_string()),
        ("optimizer".to_string(), state.kind.clone()),
    ]);
    for (k, v) in &state.hyper {
        meta.insert(format!("hyper.{k}"), format!("{v:?}"));
    }
    for (name, s) in state.params {
        meta.insert(format!("step.{name}"), s.step.to_string());
        for (b, t) in s.buffers {
            tensors.push((format!("optim.{b}.{name}"), AnyTensor::from(t)));
        }
    }
    let refs: Vec<(&str, AnyTensor)> = tensors
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone()))
        .collect();
    write_file(path.as_ref(), &refs, &meta)
}

/// Sets `model`'s parameters and `optimizer`'s whole state from a checkpoint written by
/// [`save_checkpoint`], strictly (every parameter, every tensor, the model's dtype). Everything
/// is checked before anything changes: on error both are as they were.
///
/// # Errors
/// [`Error::File`] naming the file (and the tensor, where one is at fault): the file's own
/// faults, those of [`load_weights`](super::load_weights), `Metadata` for a file that is not a
/// checkpoint or whose optimizer is of another kind or whose state does not fit.
///
/// [`Error::File`]: tensor::Error::File
pub fn load_checkpoint<T, M, O>(
    path: impl AsRef<Path>,
    model: &mut M,
    optimizer: &mut O,
) -> Result<()>
where
    T: Float,
    M: Module<T> + ?Sized,
    O: Stateful<T> + ?Sized,
{
    let path = path.as_ref();
    let bytes = read_bytes(path)?;
    let parsed = Parsed::new(&bytes, &path.display().to_string(), usize::MAX)?;
    let meta_err = |reason: String| parsed.error(K::Metadata, None, reason);
    let meta = &parsed.metadata;
    if meta.get("format").map(String::as_str) != Some(FORMAT) {
        return Err(meta_err(format!(
            "it has no '__metadata__' format '{FORMAT}': not a tapegrad checkpoint"
        )));
    }
    if meta.get("version").map(String::as_str) != Some(VERSION) {
        return Err(meta_err(format!(
            "checkpoint version {:?}; this tapegrad reads version {VERSION}",
            meta.get("version")
        )));
    }
    let (values, _) = plan(&*model, &parsed, "model.", &LoadOptions::default())?;
    let state = optimizer_state::<T, M>(&*model, &parsed)?;
    optimizer
        .load_state_dict(&state, &model.named_parameters())
        .map_err(|e| meta_err(format!("the optimizer state does not fit: {e}")))?;
    commit(model, values)
}

/// The optimizer state a checked checkpoint holds, every tensor checked against its parameter.
fn optimizer_state<T: Float, M: Module<T> + ?Sized>(
    model: &M,
    parsed: &Parsed<'_>,
) -> Result<OptimizerState<T>> {
    let meta = &parsed.metadata;
    let meta_err = |reason: String| parsed.error(K::Metadata, None, reason);
    let kind = meta
        .get("optimizer")
        .ok_or_else(|| meta_err("it names no optimizer".into()))?
        .clone();
    let mut hyper = BTreeMap::new();
    for (k, v) in meta {
        if let Some(name) = k.strip_prefix("hyper.") {
            let x: f64 = v.parse().map_err(|_| {
                meta_err(format!("hyper-parameter '{name}' is '{v}', not a number"))
            })?;
            hyper.insert(name.to_string(), x);
        }
    }
    let named = model.named_parameters();
    let mut params: BTreeMap<String, ParamState<T>> = BTreeMap::new();
    for e in &parsed.entries {
        let Some(rest) = e.name.strip_prefix("optim.") else {
            continue;
        };
        let fault = |kind, reason| Err(parsed.error(kind, Some(&e.name), reason));
        let Some((buffer, name)) = rest.split_once('.') else {
            return fault(
                K::UnexpectedName,
                "not of the form optim.<buffer>.<param>".into(),
            );
        };
        let Some((_, p)) = named.iter().find(|(n, _)| n == name) else {
            return fault(
                K::UnexpectedName,
                format!("the model has no parameter '{name}'"),
            );
        };
        if e.shape != p.shape() {
            return fault(
                K::ShapeMismatch,
                format!("the file has {:?}, the parameter {:?}", e.shape, p.shape()),
            );
        }
        if e.dtype != dtype_of::<T>() {
            return fault(
                K::DtypeMismatch,
                format!("the file holds {}, the model {}", e.dtype, dtype_of::<T>()),
            );
        }
        let t = parsed.decode(e)?.into_tensor::<T>()?;
        let entry = match params.get_mut(name) {
            Some(s) => s,
            None => {
                let key = format!("step.{name}");
                let step = meta
                    .get(&key)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| meta_err(format!("'{key}' is missing or not a step count")))?;
                params.entry(name.to_string()).or_insert(ParamState {
                    step,
                    buffers: BTreeMap::new(),
                })
            }
        };
        entry.buffers.insert(buffer.to_string(), t);
    }
    Ok(OptimizerState {
        kind,
        hyper,
        params,
    })
}
