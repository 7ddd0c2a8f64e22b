//! Optimizer state keyed by parameter *name*, for checkpoints: a [`ParamId`] is fresh in every
//! process, a name (`0.weight`) is what a model in another process shares with this one.

use std::collections::{BTreeMap, HashMap};

use autograd::ParamId;
use tensor::{Error, Float, Result, Tensor};

use crate::param::Param;

/// An optimizer's whole state: its kind, its hyper-parameters and, per parameter name, the
/// step count and buffers (PyTorch's names: `momentum_buffer`, `exp_avg`, `exp_avg_sq`).
/// [`save_checkpoint`](crate::io::save_checkpoint) writes it next to the model's weights.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizerState<T: Float = f32> {
    /// `"sgd"` or `"adam"`.
    pub kind: String,
    /// The hyper-parameters by name (`lr`, `momentum`, ...; a flag is 0 or 1).
    pub hyper: BTreeMap<String, f64>,
    /// The per-parameter state, by parameter name; a parameter never stepped has none.
    pub params: BTreeMap<String, ParamState<T>>,
}

/// One parameter's optimizer state.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamState<T: Float = f32> {
    /// The steps taken (Adam's bias correction needs it; 0 for SGD).
    pub step: u64,
    /// The buffers by name, each shaped like the parameter.
    pub buffers: BTreeMap<String, Tensor<T>>,
}

/// An optimizer whose state can be exported and imported by parameter name.
///
/// ```
/// use autograd::Tape;
/// use nn::optim::{Adam, Optimizer, Stateful};
/// use nn::{Linear, Module};
/// use tensor::Tensor;
///
/// let mut model = Linear::from_tensors(Tensor::<f64>::ones(&[2, 1])?, Tensor::zeros(&[1])?)?;
/// let mut opt = Adam::new(0.1);
/// let tape = Tape::new();
/// let loss = model.forward(&tape.constant(Tensor::ones(&[1, 2])?))?.sum()?;
/// opt.step(&mut model, &loss.backward()?)?;
/// let state = opt.state_dict(&model.named_parameters());
/// assert_eq!(state.params["weight"].step, 1);
/// // d loss / d w = x = 1, so after one step exp_avg = (1 - beta1) * 1.
/// assert_eq!(state.params["weight"].buffers["exp_avg"].to_vec(), vec![(1.0 - 0.9) * 1.0; 2]);
/// let mut fresh = Adam::new(0.5);
/// fresh.load_state_dict(&state, &model.named_parameters())?;
/// assert_eq!(fresh.lr(), 0.1);
/// # Ok::<(), tensor::Error>(())
/// ```
pub trait Stateful<T: Float> {
    /// The state, with each parameter of `params` that has state under its name.
    fn state_dict(&self, params: &[(String, &Param<T>)]) -> OptimizerState<T>;

    /// Replaces the whole state (hyper-parameters included, as PyTorch's
    /// `optimizer.load_state_dict` does) with `state`, whose names refer to `params`.
    /// Everything is checked first: on error the optimizer is unchanged.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the parameter or hyper-parameter: another kind of optimizer,
    /// a missing or invalid hyper-parameter, a name `params` lacks, a missing, unknown or
    /// misshapen buffer.
    fn load_state_dict(
        &mut self,
        state: &OptimizerState<T>,
        params: &[(String, &Param<T>)],
    ) -> Result<()>;
}

/// The hyper-parameter `name` of `state`.
pub(crate) fn hyper<T: Float>(state: &OptimizerState<T>, name: &str) -> Result<f64> {
    state
        .hyper
        .get(name)
        .copied()
        .ok_or_else(|| Error::Invalid {
            op: "load_state_dict",
            reason: format!("the {} state has no hyper-parameter '{name}'", state.kind),
        })
}

/// Checks `state` against `kind`, `params` and the buffer names every parameter's state must
/// have; the state by parameter id.
pub(crate) fn by_id<'s, T: Float>(
    state: &'s OptimizerState<T>,
    kind: &str,
    params: &[(String, &Param<T>)],
    buffers: &[&str],
) -> Result<HashMap<ParamId, &'s ParamState<T>>> {
    let fail = |reason: String| {
        Err(Error::Invalid {
            op: "load_state_dict",
            reason,
        })
    };
    if state.kind != kind {
        return fail(format!(
            "the state is of a {} optimizer, not {kind}",
            state.kind
        ));
    }
    let mut out = HashMap::new();
    for (name, s) in &state.params {
        let Some((_, p)) = params.iter().find(|(n, _)| n == name) else {
            return fail(format!("the model has no parameter '{name}'"));
        };
        for b in buffers {
            match s.buffers.get(*b) {
                None => return fail(format!("parameter '{name}' has no '{b}' buffer")),
                Some(t) if t.shape() != p.shape() => {
                    return fail(format!(
                        "the '{b}' buffer of '{name}' has shape {:?}, the parameter {:?}",
                        t.shape(),
                        p.shape()
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some(extra) = s.buffers.keys().find(|k| !buffers.contains(&k.as_str())) {
            return fail(format!(
                "parameter '{name}' has an unknown buffer '{extra}'"
            ));
        }
        out.insert(p.id(), s);
    }
    Ok(out)
}

/// The name of each parameter in `params`, by id.
pub(crate) fn names<'p, T: Float>(params: &'p [(String, &Param<T>)]) -> HashMap<ParamId, &'p str> {
    params.iter().map(|(n, p)| (p.id(), n.as_str())).collect()
}
