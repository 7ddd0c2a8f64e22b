//! Adam (Kingma & Ba 2015) with PyTorch's `torch.optim.Adam` update rule.

use std::collections::HashMap;

use autograd::{Gradients, ParamId};
use tensor::{Error, Float, Result, Tensor};

use super::state::{self, OptimizerState, ParamState, Stateful};
use super::{Optimizer, check_hyper, with_grads, zeros_like};
use crate::param::Param;

/// Per-parameter state: the step count and the two moment estimates.
#[derive(Clone, Debug)]
struct Moments<T: Float> {
    t: i32,
    m: Tensor<T>,
    v: Tensor<T>,
}

/// Adam. With gradient `g`, parameter `p`, and per parameter a step count `t` and moments
/// `m`, `v` (zeros at first):
///
/// ```text
/// t = t + 1
/// g = g + weight_decay * p
/// m = beta1 * m + (1 - beta1) * g
/// v = beta2 * v + (1 - beta2) * g^2
/// p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// ```
///
/// The bias corrections `1 - beta^t` undo the moments' pull towards their zero start; this is
/// PyTorch's arrangement of them, which puts `eps` outside the corrected square root.
///
/// ```
/// use nn::optim::Adam;
/// let opt = Adam::<f32>::new(1e-3).betas(0.9, 0.999).eps(1e-8);
/// assert_eq!(opt.lr(), 1e-3);
/// ```
#[derive(Clone, Debug)]
pub struct Adam<T: Float = f32> {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    check_finite: bool,
    state: HashMap<ParamId, Moments<T>>,
}

impl<T: Float> Adam<T> {
    /// Adam with learning rate `lr` and PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no
    /// weight decay.
    pub fn new(lr: f64) -> Adam<T> {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            check_finite: true,
            state: HashMap::new(),
        }
    }

    /// Sets the moments' decay rates, each in `[0, 1)`.
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Adam<T> {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }

    /// Sets the term added to the denominator.
    pub fn eps(mut self, eps: f64) -> Adam<T> {
        self.eps = eps;
        self
    }

    /// Sets the L2 penalty added to the gradient (Adam's, not AdamW's decoupled decay).
    pub fn weight_decay(mut self, weight_decay: f64) -> Adam<T> {
        self.weight_decay = weight_decay;
        self
    }

    /// Whether a step checks that every gradient is finite (on by default). Off, a NaN or
    /// infinite gradient is applied as PyTorch applies it, and the parameter becomes NaN; on, the
    /// step returns [`Error::NonFinite`] naming the parameter and changes nothing.
    pub fn check_finite(mut self, on: bool) -> Adam<T> {
        self.check_finite = on;
        self
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// Changes the learning rate (for a schedule); the moments are kept.
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn validate(&self) -> Result<()> {
        check_hyper("adam", "lr", self.lr, 0.0)?;
        check_hyper("adam", "eps", self.eps, 0.0)?;
        check_hyper("adam", "weight_decay", self.weight_decay, 0.0)?;
        for (name, b) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Error::Invalid {
                    op: "adam",
                    reason: format!("{name} must be in [0, 1), got {b}"),
                });
            }
        }
        Ok(())
    }

    fn update(&mut self, p: &mut Param<T>, g: &[T]) -> Result<()> {
        let s = self.state.entry(p.id()).or_insert_with(|| Moments {
            t: 0,
            m: zeros_like(p),
            v: zeros_like(p),
        });
        s.t = s.t.checked_add(1).ok_or_else(|| Error::Invalid {
            op: "adam",
            reason: "step count overflow".into(),
        })?;
        let (b1, b2) = (T::from_f64(self.beta1), T::from_f64(self.beta2));
        let wd = T::from_f64(self.weight_decay);
        let step_size = T::from_f64(self.lr / (1.0 - self.beta1.powi(s.t)));
        let bc2_sqrt = T::from_f64((1.0 - self.beta2.powi(s.t)).sqrt());
        let eps = T::from_f64(self.eps);
        let w = p.value().to_vec();
        let (m, v) = (s.m.make_mut(), s.v.make_mut());
        let mut delta = Vec::with_capacity(g.len());
        for i in 0..g.len() {
            let gi = if self.weight_decay != 0.0 {
                g[i] + wd * w[i]
            } else {
                g[i]
            };
            m[i] = b1 * m[i] + (T::ONE - b1) * gi;
            v[i] = b2 * v[i] + (T::ONE - b2) * gi * gi;
            delta.push(step_size * m[i] / (v[i].sqrt() / bc2_sqrt + eps));
        }
        for (w, d) in p.make_mut().iter_mut().zip(delta) {
            *w -= d;
        }
        Ok(())
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    fn step_params(&mut self, params: Vec<&mut Param<T>>, grads: &Gradients<T>) -> Result<()> {
        self.validate()?;
        for (p, g) in with_grads("adam", params, grads, self.check_finite)? {
            self.update(p, &g)?;
        }
        Ok(())
    }

    fn lr(&self) -> f64 {
        Adam::lr(self)
    }

    fn set_lr(&mut self, lr: f64) {
        Adam::set_lr(self, lr);
    }
}

impl<T: Float> Stateful<T> for Adam<T> {
    fn state_dict(&self, params: &[(String, &Param<T>)]) -> OptimizerState<T> {
        let hyper = [
            ("lr", self.lr),
            ("beta1", self.beta1),
            ("beta2", self.beta2),
            ("eps", self.eps),
            ("weight_decay", self.weight_decay),
        ];
        let names = state::names(params);
        let params = self
            .state
            .iter()
            .filter_map(|(id, s)| {
                let buffers = [
                    ("exp_avg".to_string(), s.m.clone()),
                    ("exp_avg_sq".to_string(), s.v.clone()),
                ]
                .into();
                // t counts up from 0 and never overflows (update checks), so it is >= 0.
                let step = u64::try_from(s.t).unwrap_or(0);
                Some((names.get(id)?.to_string(), ParamState { step, buffers }))
            })
            .collect();
        OptimizerState {
            kind: "adam".into(),
            hyper: hyper.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            params,
        }
    }

    fn load_state_dict(
        &mut self,
        state: &OptimizerState<T>,
        params: &[(String, &Param<T>)],
    ) -> Result<()> {
        let by_id = state::by_id(state, "adam", params, &["exp_avg", "exp_avg_sq"])?;
        let h = |name| state::hyper(state, name);
        let mut next = Adam::new(h("lr")?)
            .betas(h("beta1")?, h("beta2")?)
            .eps(h("eps")?)
            .weight_decay(h("weight_decay")?);
        next.validate()?;
        for (id, s) in by_id {
            let t = i32::try_from(s.step).map_err(|_| Error::Invalid {
                op: "load_state_dict",
                reason: format!("the adam step count {} is too large", s.step),
            })?;
            let m = s.buffers["exp_avg"].contiguous();
            let v = s.buffers["exp_avg_sq"].contiguous();
            next.state.insert(id, Moments { t, m, v });
        }
        *self = next;
        Ok(())
    }
}
