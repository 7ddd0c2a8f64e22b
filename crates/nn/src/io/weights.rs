//! A model's parameters to and from safetensors files, by name, in the spirit of PyTorch's
//! `save_file(model.state_dict())` and `model.load_state_dict(load_file(path))`.

use std::collections::BTreeSet;
use std::path::Path;

use tensor::{Error, FileErrorKind as K, Float, Result, Tensor};

use super::any::{AnyTensor, dtype_of};
use super::options::{LoadOptions, LoadReport, SaveOptions};
use super::tensors::{Parsed, read_bytes, write_file};
use crate::module::Module;

/// The float dtypes a load can convert between.
const FLOATS: [&str; 4] = ["F16", "BF16", "F32", "F64"];

/// Writes `model`'s parameters to `path` under their [`Module::named_parameters`] names
/// (`0.weight`, `0.bias`, ...), in tapegrad's layout and the model's dtype.
///
/// # Errors
/// As [`save_tensors`](super::save_tensors).
///
/// ```
/// use nn::io::{load_weights, save_weights};
/// use nn::{Linear, Module, ReLU, sequential};
/// use tensor::{NumpyRng, Tensor};
///
/// let path = std::env::temp_dir().join(format!("tapegrad-doc-w-{}.safetensors", std::process::id()));
/// let mut rng = NumpyRng::new(0);
/// let model = sequential![Linear::<f32>::new(4, 3, &mut rng)?, ReLU, Linear::new(3, 2, &mut rng)?];
/// save_weights(&model, &path)?;
/// let mut fresh = sequential![Linear::<f32>::new(4, 3, &mut rng)?, ReLU, Linear::new(3, 2, &mut rng)?];
/// let report = load_weights(&mut fresh, &path)?;
/// assert_eq!(report.loaded, ["0.weight", "0.bias", "2.weight", "2.bias"]);
/// let x = Tensor::ones(&[1, 4])?;
/// assert!(fresh.predict(&x)?.bitwise_eq(&model.predict(&x)?));
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn save_weights<T: Float, M: Module<T> + ?Sized>(
    model: &M,
    path: impl AsRef<Path>,
) -> Result<()> {
    save_weights_with(model, path, &SaveOptions::default())
}

/// [`save_weights`] with options (PyTorch's layout).
///
/// # Errors
/// As [`save_weights`].
pub fn save_weights_with<T: Float, M: Module<T> + ?Sized>(
    model: &M,
    path: impl AsRef<Path>,
    opts: &SaveOptions,
) -> Result<()> {
    let tensors = named_values(model, "", opts.pytorch)?;
    let refs: Vec<(&str, AnyTensor)> = tensors
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone()))
        .collect();
    write_file(path.as_ref(), &refs, &Default::default())
}

/// The model's parameters as named file tensors, each name prefixed with `prefix`.
pub(crate) fn named_values<T: Float, M: Module<T> + ?Sized>(
    model: &M,
    prefix: &str,
    pytorch: bool,
) -> Result<Vec<(String, AnyTensor)>> {
    model
        .named_parameters()
        .into_iter()
        .map(|(name, p)| {
            let v = if pytorch {
                p.torch_layout().to_torch(p.value())?
            } else {
                p.value().clone()
            };
            Ok((format!("{prefix}{name}"), AnyTensor::from(v)))
        })
        .collect()
}

/// Sets `model`'s parameters from the file at `path`, strictly: every parameter must have a
/// tensor of its name, shape and dtype, and every tensor a parameter. Everything is checked
/// before anything changes, so on error the model is as it was.
///
/// # Errors
/// [`Error::File`] naming the file and the tensor: the file's own faults (see
/// [`read_tensors`](super::read_tensors)), `MissingName`, `UnexpectedName`, `ShapeMismatch`,
/// `DtypeMismatch`.
pub fn load_weights<T: Float, M: Module<T> + ?Sized>(
    model: &mut M,
    path: impl AsRef<Path>,
) -> Result<LoadReport> {
    load_weights_with(model, path, &LoadOptions::default())
}

/// [`load_weights`] with options: not strict, dtype conversion, PyTorch's layout.
///
/// ```
/// use nn::io::{LoadOptions, load_weights_with, save_tensors};
/// use nn::{Linear, Module};
/// use tensor::Tensor;
///
/// // A PyTorch-style state_dict of torch.nn.Linear(2, 3): weight [out, in] = [3, 2], bias [3].
/// let path = std::env::temp_dir().join(format!("tapegrad-doc-pt-{}.safetensors", std::process::id()));
/// let w = Tensor::<f32>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2])?;
/// let b = Tensor::<f32>::from_vec(vec![0.5, 0.5, 0.5], &[3])?;
/// save_tensors(&path, &[("weight", &w), ("bias", &b)])?;
/// let mut layer = Linear::<f32>::from_tensors(Tensor::zeros(&[2, 3])?, Tensor::zeros(&[3])?)?;
/// load_weights_with(&mut layer, &path, &LoadOptions::pytorch())?;
/// // x @ W.T + b, as torch computes it: [1, 1] -> [1+2, 3+4, 5+6] + 0.5
/// let y = layer.predict(&Tensor::ones(&[1, 2])?)?;
/// assert_eq!(y.to_vec(), vec![3.5, 7.5, 11.5]);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), tensor::Error>(())
/// ```
///
/// # Errors
/// As [`load_weights`]; missing and unexpected names only when strict.
pub fn load_weights_with<T: Float, M: Module<T> + ?Sized>(
    model: &mut M,
    path: impl AsRef<Path>,
    opts: &LoadOptions,
) -> Result<LoadReport> {
    let path = path.as_ref();
    let bytes = read_bytes(path)?;
    load_weights_from_bytes(model, &bytes, &path.display().to_string(), opts)
}

/// [`load_weights_with`] on a file held in memory; `file` names it in errors.
///
/// # Errors
/// As [`load_weights_with`].
pub fn load_weights_from_bytes<T: Float, M: Module<T> + ?Sized>(
    model: &mut M,
    bytes: &[u8],
    file: &str,
    opts: &LoadOptions,
) -> Result<LoadReport> {
    let parsed = Parsed::new(bytes, file, opts.max_header_bytes)?;
    let (values, report) = plan(&*model, &parsed, "", opts)?;
    commit(model, values)?;
    Ok(report)
}

/// The new value of each parameter (in [`Module::parameters`] order; `None`: keep it) and the
/// report, after every check; nothing is changed.
pub(crate) fn plan<T: Float, M: Module<T> + ?Sized>(
    model: &M,
    parsed: &Parsed<'_>,
    prefix: &str,
    opts: &LoadOptions,
) -> Result<(Vec<Option<Tensor<T>>>, LoadReport)> {
    let named = model.named_parameters();
    let mut names = BTreeSet::new();
    if let Some((dup, _)) = named.iter().find(|(n, _)| !names.insert(n.as_str())) {
        return Err(Error::Invalid {
            op: "load_weights",
            reason: format!("the model has two parameters named '{dup}'"),
        });
    }
    if model.parameters().len() != named.len() {
        return Err(Error::Invalid {
            op: "load_weights",
            reason: "the model's parameters() and named_parameters() list different counts".into(),
        });
    }
    let unexpected = parsed
        .entries
        .iter()
        .filter_map(|e| e.name.strip_prefix(prefix).map(|n| (n, &e.name)))
        .filter(|(n, _)| !names.contains(n))
        .map(|(_, full)| full.clone())
        .collect();
    let mut report = LoadReport {
        unexpected,
        ..LoadReport::default()
    };
    let mut values = Vec::with_capacity(named.len());
    for (name, p) in &named {
        let full = format!("{prefix}{name}");
        let Some(e) = parsed.entry(&full) else {
            report.missing.push(full);
            values.push(None);
            continue;
        };
        let want = if opts.pytorch {
            p.torch_layout().torch_shape(p.shape())
        } else {
            p.shape().to_vec()
        };
        if e.shape != want {
            return Err(parsed.error(
                K::ShapeMismatch,
                Some(&full),
                shape_reason(&e.shape, &want, p.shape(), p.torch_layout(), opts.pytorch),
            ));
        }
        let converted = e.dtype != dtype_of::<T>();
        if converted && !opts.convert_dtype && FLOATS.contains(&e.dtype) {
            return Err(parsed.error(
                K::DtypeMismatch,
                Some(&full),
                format!(
                    "the file holds {} and the model {}; ask for conversion with \
                     LoadOptions::convert_dtype(true)",
                    e.dtype,
                    dtype_of::<T>()
                ),
            ));
        }
        // Integer dtypes (and the rest) stay an UnsupportedDtype error either way.
        let t = if opts.convert_dtype {
            parsed.decode_converting(e)?
        } else {
            parsed.decode(e)?
        };
        if converted {
            report.converted.push(full.clone());
        }
        let v = t.to::<T>();
        values.push(Some(if opts.pytorch {
            p.torch_layout().from_torch(&v, p.shape())?
        } else {
            v
        }));
        report.loaded.push(full);
    }
    if opts.strict {
        for (list, kind, why) in [
            (
                &report.missing,
                K::MissingName,
                "the model has this parameter and the file no tensor of its name",
            ),
            (
                &report.unexpected,
                K::UnexpectedName,
                "the model has no parameter of this name",
            ),
        ] {
            if let Some(first) = list.first() {
                let all = if list.len() > 1 {
                    format!(" (all {}: {list:?})", list.len())
                } else {
                    String::new()
                };
                return Err(parsed.error(
                    kind,
                    Some(first),
                    format!("{why}{all}; LoadOptions::strict(false) skips it"),
                ));
            }
        }
    }
    Ok((values, report))
}

/// Why shapes differ, with a hint when the file looks like the other layout.
fn shape_reason(
    file: &[usize],
    want: &[usize],
    ours: &[usize],
    layout: super::TorchLayout,
    pytorch: bool,
) -> String {
    let mut s = format!("the file has {file:?}, the model needs {want:?}");
    let other = if pytorch {
        ours.to_vec()
    } else {
        layout.torch_shape(ours)
    };
    if file == other && other != want {
        s += if pytorch {
            " (the file looks like tapegrad's layout: load it without LoadOptions::pytorch())"
        } else {
            " (the file looks like PyTorch's layout: load it with LoadOptions::pytorch())"
        };
    }
    s
}

/// Sets the planned values; the plan has checked every shape and the count, so nothing here
/// fails halfway.
pub(crate) fn commit<T: Float, M: Module<T> + ?Sized>(
    model: &mut M,
    values: Vec<Option<Tensor<T>>>,
) -> Result<()> {
    for (p, v) in model.parameters_mut().into_iter().zip(values) {
        if let Some(v) = v {
            p.set(v)?;
        }
    }
    Ok(())
}
