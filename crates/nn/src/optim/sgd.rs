//! Stochastic gradient descent, optionally with momentum (heavy-ball or Nesterov) and weight
//! decay, with PyTorch's `torch.optim.SGD` update rule.

use std::borrow::Cow;
use std::collections::HashMap;

use autograd::{Gradients, ParamId};
use tensor::{Error, Float, Result, Tensor};

use super::state::{self, OptimizerState, ParamState, Stateful};
use super::{Optimizer, check_hyper, with_grads};
use crate::param::Param;

/// SGD. With gradient `g`, parameter `p`, velocity `b` (per parameter):
///
/// ```text
/// g = g + weight_decay * p
/// b = g                                   on the first step
/// b = momentum * b + (1 - dampening) * g  afterwards
/// g = g + momentum * b   (Nesterov)   or   g = b   (plain momentum)   [when momentum != 0]
/// p = p - lr * g
/// ```
///
/// With the defaults (no momentum, no decay) this is the lesson's `W -= learning_rate * dW`,
/// rounding included.
///
/// ```
/// use nn::optim::Sgd;
/// let opt = Sgd::<f64>::new(0.1).momentum(0.9).nesterov(true).weight_decay(1e-4);
/// assert_eq!(opt.lr(), 0.1);
/// ```
#[derive(Clone, Debug)]
pub struct Sgd<T: Float = f32> {
    lr: f64,
    momentum: f64,
    dampening: f64,
    nesterov: bool,
    weight_decay: f64,
    check_finite: bool,
    velocity: HashMap<ParamId, Tensor<T>>,
}

impl<T: Float> Sgd<T> {
    /// Plain SGD with learning rate `lr`.
    pub fn new(lr: f64) -> Sgd<T> {
        Sgd {
            lr,
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
            check_finite: true,
            velocity: HashMap::new(),
        }
    }

    /// Sets the momentum factor (0 turns momentum off).
    pub fn momentum(mut self, momentum: f64) -> Sgd<T> {
        self.momentum = momentum;
        self
    }

    /// Sets the dampening of the velocity update (PyTorch's; 0 by default).
    pub fn dampening(mut self, dampening: f64) -> Sgd<T> {
        self.dampening = dampening;
        self
    }

    /// Uses Nesterov momentum (needs momentum > 0 and dampening 0).
    pub fn nesterov(mut self, on: bool) -> Sgd<T> {
        self.nesterov = on;
        self
    }

    /// Sets the L2 penalty added to the gradient: `g + weight_decay * p`.
    pub fn weight_decay(mut self, weight_decay: f64) -> Sgd<T> {
        self.weight_decay = weight_decay;
        self
    }

    /// Whether a step checks that every gradient is finite (on by default). Off, a NaN or
    /// infinite gradient is applied as PyTorch applies it, and the parameter becomes NaN; on, the
    /// step returns [`Error::NonFinite`] naming the parameter and changes nothing.
    pub fn check_finite(mut self, on: bool) -> Sgd<T> {
        self.check_finite = on;
        self
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Changes the learning rate (for a schedule); the velocities are kept.
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn validate(&self) -> Result<()> {
        check_hyper("sgd", "lr", self.lr, 0.0)?;
        check_hyper("sgd", "momentum", self.momentum, 0.0)?;
        check_hyper("sgd", "weight_decay", self.weight_decay, 0.0)?;
        if !self.dampening.is_finite() {
            return Err(Error::Invalid {
                op: "sgd",
                reason: format!("dampening must be finite, got {}", self.dampening),
            });
        }
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(Error::Invalid {
                op: "sgd",
                reason: "Nesterov momentum needs momentum > 0 and dampening 0".into(),
            });
        }
        Ok(())
    }

    fn update(&mut self, p: &mut Param<T>, g: &[T]) {
        let lr = T::from_f64(self.lr);
        let wd = T::from_f64(self.weight_decay);
        let mu = T::from_f64(self.momentum);
        let keep = T::from_f64(1.0 - self.dampening);
        // Plain SGD applies the gradient as it is; decay and momentum edit a copy of it.
        let mut d = Cow::Borrowed(g);
        if self.weight_decay != 0.0 {
            for (d, &w) in d.to_mut().iter_mut().zip(p.value().to_vec().iter()) {
                *d += wd * w;
            }
        }
        if self.momentum != 0.0 {
            match self.velocity.get_mut(&p.id()) {
                None => {
                    let b = Tensor::from_vec(d.to_vec(), p.shape())
                        .expect("invariant: the gradient has the parameter's shape");
                    self.velocity.insert(p.id(), b);
                }
                Some(b) => {
                    for (b, &d) in b.make_mut().iter_mut().zip(d.iter()) {
                        *b = mu * *b + keep * d;
                    }
                }
            }
            let b = self.velocity[&p.id()].to_vec();
            for (d, b) in d.to_mut().iter_mut().zip(b) {
                *d = if self.nesterov { *d + mu * b } else { b };
            }
        }
        for (w, &d) in p.make_mut().iter_mut().zip(d.iter()) {
            *w -= lr * d;
        }
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    fn step_params(&mut self, params: Vec<&mut Param<T>>, grads: &Gradients<T>) -> Result<()> {
        self.validate()?;
        for (p, g) in with_grads("sgd", params, grads, self.check_finite)? {
            self.update(p, &g);
        }
        Ok(())
    }

    fn lr(&self) -> f64 {
        Sgd::lr(self)
    }

    fn set_lr(&mut self, lr: f64) {
        Sgd::set_lr(self, lr);
    }
}

impl<T: Float> Stateful<T> for Sgd<T> {
    fn state_dict(&self, params: &[(String, &Param<T>)]) -> OptimizerState<T> {
        let hyper = [
            ("lr", self.lr),
            ("momentum", self.momentum),
            ("dampening", self.dampening),
            ("nesterov", f64::from(u8::from(self.nesterov))),
            ("weight_decay", self.weight_decay),
        ];
        let names = state::names(params);
        let params = self
            .velocity
            .iter()
            .filter_map(|(id, b)| {
                let buffers = [("momentum_buffer".to_string(), b.clone())].into();
                Some((names.get(id)?.to_string(), ParamState { step: 0, buffers }))
            })
            .collect();
        OptimizerState {
            kind: "sgd".into(),
            hyper: hyper.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            params,
        }
    }

    fn load_state_dict(
        &mut self,
        state: &OptimizerState<T>,
        params: &[(String, &Param<T>)],
    ) -> Result<()> {
        let by_id = state::by_id(state, "sgd", params, &["momentum_buffer"])?;
        let h = |name| state::hyper(state, name);
        let nesterov = h("nesterov")?;
        if nesterov != 0.0 && nesterov != 1.0 {
            return Err(Error::Invalid {
                op: "load_state_dict",
                reason: format!("the sgd hyper-parameter 'nesterov' is {nesterov}, not 0 or 1"),
            });
        }
        let mut next = Sgd::new(h("lr")?)
            .momentum(h("momentum")?)
            .dampening(h("dampening")?)
            .nesterov(nesterov == 1.0)
            .weight_decay(h("weight_decay")?);
        next.validate()?;
        next.velocity = by_id
            .into_iter()
            .map(|(id, s)| (id, s.buffers["momentum_buffer"].contiguous()))
            .collect();
        *self = next;
        Ok(())
    }
}
