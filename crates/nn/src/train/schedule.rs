//! Learning-rate schedules with PyTorch's names and closed-form values.
//!
//! A schedule maps the epoch (0 for the first) and the base learning rate to the learning rate
//! of that epoch: the value PyTorch's optimizer holds after `epoch` calls to
//! `scheduler.step()`. The [`Trainer`](super::Trainer) sets it on the optimizer before each
//! epoch. Closed forms (rather than PyTorch's multiplicative updates) keep every epoch's value
//! one formula away from its definition, with no rounding carried from epoch to epoch.

use tensor::{Error, Result};

/// The learning rate of each epoch, given the base learning rate.
pub trait LrSchedule {
    /// The learning rate of `epoch` (0-based) when training starts from `base_lr`.
    fn lr(&self, base_lr: f64, epoch: usize) -> f64;
}

fn check(op: &'static str, name: &str, value: f64, ok: bool) -> Result<()> {
    if value.is_finite() && ok {
        Ok(())
    } else {
        Err(Error::Invalid {
            op,
            reason: format!("{name} must be a finite positive number, got {value}"),
        })
    }
}

/// `torch.optim.lr_scheduler.StepLR`: the rate times `gamma` every `step_size` epochs,
/// `base_lr * gamma^(epoch / step_size)` (integer division).
///
/// ```
/// use nn::train::{LrSchedule, StepLR};
/// let s = StepLR::new(2, 0.5)?;
/// let lrs: Vec<f64> = (0..5).map(|e| s.lr(0.1, e)).collect();
/// assert_eq!(lrs, vec![0.1, 0.1, 0.05, 0.05, 0.025]);
/// # Ok::<(), tensor::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepLR {
    step_size: usize,
    gamma: f64,
}

impl StepLR {
    /// Decays by `gamma` every `step_size` epochs (PyTorch's default `gamma` is 0.1).
    ///
    /// # Errors
    /// [`Error::Invalid`] if `step_size` is 0 or `gamma` is not a finite positive number.
    pub fn new(step_size: usize, gamma: f64) -> Result<StepLR> {
        if step_size == 0 {
            return Err(Error::Invalid {
                op: "StepLR",
                reason: "step_size must be at least 1".into(),
            });
        }
        check("StepLR", "gamma", gamma, gamma > 0.0)?;
        Ok(StepLR { step_size, gamma })
    }
}

impl LrSchedule for StepLR {
    fn lr(&self, base_lr: f64, epoch: usize) -> f64 {
        base_lr * powi(self.gamma, epoch / self.step_size)
    }
}

/// `torch.optim.lr_scheduler.ExponentialLR`: `base_lr * gamma^epoch`.
///
/// ```
/// use nn::train::{ExponentialLR, LrSchedule};
/// let s = ExponentialLR::new(0.5)?;
/// assert_eq!(s.lr(1.0, 3), 0.125);
/// # Ok::<(), tensor::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExponentialLR {
    gamma: f64,
}

impl ExponentialLR {
    /// Multiplies the rate by `gamma` each epoch.
    ///
    /// # Errors
    /// [`Error::Invalid`] unless `gamma` is a finite positive number.
    pub fn new(gamma: f64) -> Result<ExponentialLR> {
        check("ExponentialLR", "gamma", gamma, gamma > 0.0)?;
        Ok(ExponentialLR { gamma })
    }
}

impl LrSchedule for ExponentialLR {
    fn lr(&self, base_lr: f64, epoch: usize) -> f64 {
        base_lr * powi(self.gamma, epoch)
    }
}

/// `torch.optim.lr_scheduler.CosineAnnealingLR`: half a cosine from `base_lr` at epoch 0 down
/// to `eta_min` at epoch `t_max`,
/// `eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / t_max)) / 2`. Past `t_max` the
/// cosine goes on (back up over the next `t_max` epochs), as PyTorch's does.
///
/// ```
/// use nn::train::{CosineAnnealingLR, LrSchedule};
/// let s = CosineAnnealingLR::new(4, 0.0)?;
/// assert_eq!(s.lr(1.0, 0), 1.0);
/// assert!((s.lr(1.0, 2) - 0.5).abs() < 1e-15); // halfway: (1 + cos(pi / 2)) / 2
/// assert_eq!(s.lr(1.0, 4), 0.0);
/// # Ok::<(), tensor::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineAnnealingLR {
    t_max: usize,
    eta_min: f64,
}

impl CosineAnnealingLR {
    /// Anneals to `eta_min` over `t_max` epochs (PyTorch's `T_max`; its default `eta_min` is 0).
    ///
    /// # Errors
    /// [`Error::Invalid`] if `t_max` is 0 or `eta_min` is negative or not finite.
    pub fn new(t_max: usize, eta_min: f64) -> Result<CosineAnnealingLR> {
        if t_max == 0 {
            return Err(Error::Invalid {
                op: "CosineAnnealingLR",
                reason: "t_max must be at least 1".into(),
            });
        }
        if !(eta_min.is_finite() && eta_min >= 0.0) {
            return Err(Error::Invalid {
                op: "CosineAnnealingLR",
                reason: format!("eta_min must be a finite number >= 0, got {eta_min}"),
            });
        }
        Ok(CosineAnnealingLR { t_max, eta_min })
    }
}

impl LrSchedule for CosineAnnealingLR {
    fn lr(&self, base_lr: f64, epoch: usize) -> f64 {
        let phase = std::f64::consts::PI * epoch as f64 / self.t_max as f64;
        self.eta_min + (base_lr - self.eta_min) * (1.0 + phase.cos()) / 2.0
    }
}

/// `x^n` for any `n` (`f64::powi` takes an `i32`); `0^0 = 1`.
fn powi(x: f64, n: usize) -> f64 {
    match i32::try_from(n) {
        Ok(n) => x.powi(n),
        Err(_) => x.powf(n as f64),
    }
}
