//! `gradcheck`: a function's tape gradients against central differences, in f64.
//!
//! Small problems get the full Jacobian: one backward pass per output element (seeded with a
//! one-hot tensor) against one pair of function evaluations per input element,
//! `(f(x + eps e_j) - f(x - eps e_j)) / 2 eps`. Large ones get random projections: for random
//! `u` (one tensor per input) and `v` (output-shaped), the tape's `v^T J u` (one backward pass
//! seeded with `v`, dotted with `u`) against `v^T (f(x + eps u) - f(x - eps u)) / 2 eps`. A wrong
//! entry of `J` changes `v^T J u` with probability 1, so a few projections catch it at the cost of
//! a few evaluations, whatever the size.
//!
//! Each comparison passes when `|analytic - numeric| <= atol + rtol |numeric|`; the report keeps
//! the worst one and where it is.

use std::fmt;

use tensor::{Error, NumpyRng, Result, Tensor};

use crate::tape::Tape;
use crate::var::Var;

/// Settings for [`gradcheck`]. The defaults are the project's standard: `eps = 1e-6`,
/// `|analytic - numeric| <= 1e-7 + 1e-5 |numeric|`.
#[derive(Clone, Debug, PartialEq)]
pub struct GradcheckOptions {
    /// The central-difference step.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance (times `|numeric|`).
    pub rtol: f64,
    /// The full Jacobian is checked when both the total number of input elements and the number
    /// of output elements are at most this; random projections otherwise.
    pub full_max: usize,
    /// How many random projections to check in the large case.
    pub projections: usize,
    /// Seed of the projections' random directions.
    pub seed: u32,
}

impl Default for GradcheckOptions {
    fn default() -> Self {
        GradcheckOptions {
            eps: 1e-6,
            atol: 1e-7,
            rtol: 1e-5,
            full_max: 64,
            projections: 4,
            seed: 0,
        }
    }
}

/// Where a gradcheck comparison was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// The Jacobian entry `d output[output] / d inputs[input][element]` (flat row-major indices).
    Jacobian {
        /// Which input.
        input: usize,
        /// Flat index into that input.
        element: usize,
        /// Flat index into the output.
        output: usize,
    },
    /// Random projection number `index`: `v^T J u`.
    Projection {
        /// Which projection.
        index: usize,
    },
}

/// The result of [`gradcheck`]: the worst comparison and where it was.
#[derive(Clone, Debug, PartialEq)]
pub struct GradcheckReport {
    /// `true` if the full Jacobian was compared, `false` for random projections.
    pub full_jacobian: bool,
    /// How many numbers were compared.
    pub checked: usize,
    /// The worst comparison's place (`None` if nothing was compared: an empty input or output).
    pub worst: Option<Location>,
    /// The tape's value there.
    pub analytic: f64,
    /// The central difference there.
    pub numeric: f64,
    /// `|analytic - numeric|`.
    pub abs_diff: f64,
    /// `abs_diff / (atol + rtol |numeric|)`: at most 1 passes.
    pub ratio: f64,
}

impl GradcheckReport {
    /// `true` if every comparison was within tolerance (and none was NaN).
    pub fn passed(&self) -> bool {
        self.ratio <= 1.0
    }

    fn consider(&mut self, analytic: f64, numeric: f64, at: Location, opts: &GradcheckOptions) {
        self.checked += 1;
        let abs_diff = (analytic - numeric).abs();
        let ratio = abs_diff / (opts.atol + opts.rtol * numeric.abs());
        // A NaN anywhere is the worst possible result and stays.
        let worse = self.worst.is_none()
            || (!self.ratio.is_nan() && (ratio.is_nan() || ratio > self.ratio));
        if worse {
            *self = GradcheckReport {
                worst: Some(at),
                analytic,
                numeric,
                abs_diff,
                ratio,
                ..*self
            };
        }
    }
}

impl fmt::Display for GradcheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "passed" } else { "FAILED" };
        let method = if self.full_jacobian {
            "full Jacobian"
        } else {
            "random projections"
        };
        write!(
            f,
            "gradcheck {verdict} ({method}, {} checked)",
            self.checked
        )?;
        if let Some(at) = self.worst {
            write!(
                f,
                "; worst at {at:?}: analytic {:e}, numeric {:e}, |diff| {:e} = {:.3} x tolerance",
                self.analytic, self.numeric, self.abs_diff, self.ratio
            )?;
        }
        Ok(())
    }
}

/// Evaluates `f` on fresh leaves (tracked, so `f` may itself call backward, e.g. to check
/// second-order gradients) and returns the output's elements.
fn eval<F>(f: &F, xs: &[Tensor<f64>], shape: &[usize]) -> Result<Vec<f64>>
where
    F: Fn(&[Var<f64>]) -> Result<Var<f64>>,
{
    let tape = Tape::new();
    let vars: Vec<Var<f64>> = xs.iter().map(|x| tape.var(x.clone())).collect();
    let out = f(&vars)?;
    if out.shape() != shape {
        return Err(Error::ShapeMismatch {
            op: "gradcheck",
            shapes: vec![shape.to_vec(), out.shape().to_vec()],
            reason: "f returned outputs of different shapes for perturbed inputs".into(),
        });
    }
    Ok(out.value().to_vec())
}

/// The tape's gradients of `sum(seed * out)` for each input, as flat vectors (zeros for an input
/// the output does not depend on).
fn vjp(out: &Var<f64>, vars: &[Var<f64>], seed: &Tensor<f64>) -> Result<Vec<Vec<f64>>> {
    if !out.is_tracked() {
        return Ok(vars.iter().map(|v| vec![0.0; v.value().len()]).collect());
    }
    let grads = out.backward_with_seed(seed)?;
    Ok(vars
        .iter()
        .map(|v| {
            grads
                .get(v)
                .map_or_else(|| vec![0.0; v.value().len()], Tensor::to_vec)
        })
        .collect())
}

/// Checks the gradients of `f` at `inputs` against central differences (see the module docs for
/// the method) and reports the worst comparison. `f` builds its output from `Var`s on a tape
/// that `gradcheck` makes; it must be deterministic. A non-scalar output is fine: its whole
/// Jacobian (or random projections of it) is checked.
///
/// # Errors
/// Whatever `f` returns, and [`Error::ShapeMismatch`] if `f`'s output shape changes between
/// evaluations. A failed check is not an error: look at [`GradcheckReport::passed`].
///
/// ```
/// use autograd::{GradcheckOptions, Tensor, gradcheck};
/// let x = Tensor::<f64>::from_vec(vec![0.5, -1.0, 2.0], &[3])?;
/// let w = Tensor::<f64>::from_vec(vec![1.5, 0.25, -2.0], &[3])?;
/// let report = gradcheck(
///     |v| v[0].tanh()?.mul(&v[1])?.sum(),
///     &[x, w],
///     &GradcheckOptions::default(),
/// )?;
/// assert!(report.passed(), "{report}");
/// assert_eq!(report.checked, 6);
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn gradcheck<F>(
    f: F,
    inputs: &[Tensor<f64>],
    opts: &GradcheckOptions,
) -> Result<GradcheckReport>
where
    F: Fn(&[Var<f64>]) -> Result<Var<f64>>,
{
    let tape = Tape::new();
    let vars: Vec<Var<f64>> = inputs.iter().map(|x| tape.var(x.clone())).collect();
    let out = f(&vars)?;
    let shape = out.shape().to_vec();
    let n_out = out.value().len();
    let n_in: usize = inputs.iter().map(Tensor::len).sum();
    let mut report = GradcheckReport {
        full_jacobian: n_in <= opts.full_max && n_out <= opts.full_max,
        checked: 0,
        worst: None,
        analytic: 0.0,
        numeric: 0.0,
        abs_diff: 0.0,
        ratio: 0.0,
    };
    if n_in == 0 || n_out == 0 {
        return Ok(report);
    }
    let step = |x: &Tensor<f64>, d: &Tensor<f64>, sign: f64| x.add(&d.mul_scalar(sign * opts.eps));

    if report.full_jacobian {
        // Row `o` of the Jacobian, one backward pass each.
        let rows = (0..n_out)
            .map(|o| {
                let seed = Tensor::from_fn(&shape, |j| if j == o { 1.0 } else { 0.0 })?;
                vjp(&out, &vars, &seed)
            })
            .collect::<Result<Vec<_>>>()?;
        for (i, x) in inputs.iter().enumerate() {
            for e in 0..x.len() {
                let unit = Tensor::from_fn(x.shape(), |j| if j == e { 1.0 } else { 0.0 })?;
                let mut xs = inputs.to_vec();
                xs[i] = step(x, &unit, 1.0)?;
                let fp = eval(&f, &xs, &shape)?;
                xs[i] = step(x, &unit, -1.0)?;
                let fm = eval(&f, &xs, &shape)?;
                for (o, row) in rows.iter().enumerate() {
                    let numeric = (fp[o] - fm[o]) / (2.0 * opts.eps);
                    let at = Location::Jacobian {
                        input: i,
                        element: e,
                        output: o,
                    };
                    report.consider(row[i][e], numeric, at, opts);
                }
            }
        }
    } else {
        let mut rng = NumpyRng::new(opts.seed);
        for k in 0..opts.projections {
            let us = inputs
                .iter()
                .map(|x| rng.randn_tensor::<f64>(x.shape()))
                .collect::<Result<Vec<_>>>()?;
            let v = rng.randn_tensor::<f64>(&shape)?;
            let grads = vjp(&out, &vars, &v)?;
            let analytic: f64 = grads
                .iter()
                .zip(&us)
                .map(|(g, u)| g.iter().zip(u.to_vec()).map(|(a, b)| a * b).sum::<f64>())
                .sum();
            let plus = inputs
                .iter()
                .zip(&us)
                .map(|(x, u)| step(x, u, 1.0))
                .collect::<Result<Vec<_>>>()?;
            let minus = inputs
                .iter()
                .zip(&us)
                .map(|(x, u)| step(x, u, -1.0))
                .collect::<Result<Vec<_>>>()?;
            let (fp, fm) = (eval(&f, &plus, &shape)?, eval(&f, &minus, &shape)?);
            // Differences first, element by element, so rounding stays relative to each output.
            let numeric: f64 = v
                .to_vec()
                .iter()
                .zip(fp.iter().zip(&fm))
                .map(|(v, (p, m))| v * (p - m) / (2.0 * opts.eps))
                .sum();
            report.consider(analytic, numeric, Location::Projection { index: k }, opts);
        }
    }
    Ok(report)
}
