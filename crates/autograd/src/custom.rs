//! Custom ops from outside the crate: a name, the inputs, a forward on tensors and a backward
//! rule, in the spirit of PyTorch's `torch.autograd.Function`.
//!
//! They go through the one mechanism every built-in op uses (`Var::apply`: `Tape::finish` with a
//! closure rule), so they are recorded, checked by anomaly mode, shown by `to_dot` and
//! differentiated exactly like `exp` or `matmul`:
//!
//! - [`Var::custom`]: the backward rule is written with `Var` ops, so `backward_with_graph` records
//!   it and the op has second-order gradients (Hessian-vector products, gradient penalties).
//! - [`Var::custom_first_order`]: the backward rule is written on plain tensors (a fused or
//!   hand-optimised derivative). It is first order only: `backward_with_graph` through it is an
//!   error naming the op, never a silently wrong second derivative.

use tensor::{Error, Float, Result, Tensor};

use crate::tape::Ctx;
use crate::var::Var;

/// What a custom op's backward rule sees of its node: the inputs and the output, as recorded.
pub struct CustomCtx<'a, T: Float> {
    inner: &'a Ctx<'a, T>,
}

impl<T: Float> CustomCtx<'_, T> {
    /// Input `i` as a `Var` on the tape the backward pass runs on (tracked if the input was), so
    /// that a rule written with it is recorded under `backward_with_graph`.
    ///
    /// # Panics
    /// If `i` is not an input index of the op (a bug in the rule, not bad data).
    pub fn input(&self, i: usize) -> Var<T> {
        self.inner.input(i)
    }

    /// The op's output as a tracked `Var` (reuse it when the derivative is a function of it,
    /// as `exp`'s is).
    pub fn output(&self) -> Var<T> {
        self.inner.output()
    }

    /// The value of input `i`.
    ///
    /// # Panics
    /// As [`CustomCtx::input`].
    pub fn value(&self, i: usize) -> &Tensor<T> {
        self.inner.value(i)
    }

    /// The value of the output.
    pub fn output_value(&self) -> &Tensor<T> {
        self.inner.output
    }

    /// The number of inputs.
    pub fn num_inputs(&self) -> usize {
        self.inner.inputs.len()
    }

    /// A constant on the backward pass's tape (a mask or another piecewise-constant factor: its
    /// derivative is 0, which is right for second order).
    pub fn constant(&self, t: Tensor<T>) -> Var<T> {
        self.inner.constant(t)
    }
}

/// `g`, the gradient a rule returned for input `i`, summed to the input's shape if it has the
/// output's (broadcast) shape instead; an error naming the op otherwise.
fn fit_gradient<T: Float>(op: &'static str, c: &Ctx<'_, T>, i: usize, g: Var<T>) -> Result<Var<T>> {
    let want = c.value(i).shape();
    if g.shape() == want {
        return Ok(g);
    }
    let bad = || Error::ShapeMismatch {
        op,
        shapes: vec![want.to_vec(), c.output.shape().to_vec(), g.shape().to_vec()],
        reason: format!(
            "the backward rule returned a gradient for input {i} shaped neither like that input \
             (first shape) nor like a broadcast of it to the output (second shape)"
        ),
    };
    if g.shape() != c.output.shape() {
        return Err(bad());
    }
    g.sum_to(want).map_err(|_| bad())
}

impl<T: Float> Var<T> {
    /// A custom op: `forward` computes the output from the inputs' values, and `backward` is its
    /// rule, written with `Var` ops. Given the context, the upstream gradient `g` (shaped like the
    /// output) and an input index `i`, it returns the gradient for input `i`: shaped like that
    /// input, or like the output when the op broadcast the input (it is then summed down). It is
    /// called only for tracked inputs. Because the rule is made of `Var` ops, the op works with
    /// [`Var::backward`], [`Var::backward_with_graph`] (second order) and anomaly mode like a
    /// built-in one.
    ///
    /// The rule must be `Send + 'static`: capture `Copy` parameters or tensors, never a `Var`
    /// (take the inputs and the output from the context instead).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming `name` if the inputs live on different tapes; whatever `forward`
    /// returns; [`Error::NonFinite`] in anomaly mode. From a backward pass:
    /// [`Error::ShapeMismatch`] naming `name` if the rule returns a gradient of the wrong shape.
    ///
    /// ```
    /// use autograd::{GradcheckOptions, Tape, Tensor, Var, gradcheck};
    ///
    /// /// `ln(1 + e^x)` without overflow: `max(x, 0) + ln(1 + e^-|x|)`. `d/dx = sigmoid(x)`.
    /// fn softplus(x: &Var<f64>) -> tensor::Result<Var<f64>> {
    ///     Var::custom(
    ///         "softplus",
    ///         [x],
    ///         |[x]| Ok(x.map(|v| v.max(0.0) + (-v.abs()).exp().ln_1p())),
    ///         |c, g, _| g.mul(&c.input(0).sigmoid()?),
    ///     )
    /// }
    ///
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![0.0, 1000.0], &[2])?);
    /// let y = softplus(&x)?;
    /// assert_eq!(y.value().to_vec(), vec![2f64.ln(), 1000.0]); // no overflow at 1000
    /// // softplus'(0) = sigmoid(0) = 1/2; softplus'(1000) = 1.
    /// assert_eq!(y.sum()?.backward()?.get(&x).unwrap().to_vec(), vec![0.5, 1.0]);
    /// // The rule is made of Var ops, so the second derivative exists:
    /// // softplus''(0) = sigmoid'(0) = 1/4.
    /// let z = tape.var(Tensor::from_vec(vec![0.0], &[1])?);
    /// let dz = softplus(&z)?.sum()?.backward_with_graph()?.get_var(&z).unwrap();
    /// assert_eq!(dz.sum()?.backward()?.get(&z).unwrap().to_vec(), vec![0.25]);
    /// let x = Tensor::from_vec(vec![-3.0, 0.5, 40.0], &[3])?;
    /// assert!(gradcheck(|v| softplus(&v[0]), &[x], &GradcheckOptions::default())?.passed());
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn custom<const N: usize, F, B>(
        name: &'static str,
        inputs: [&Var<T>; N],
        forward: F,
        backward: B,
    ) -> Result<Var<T>>
    where
        F: FnOnce([&Tensor<T>; N]) -> Result<Tensor<T>>,
        B: Fn(&CustomCtx<'_, T>, &Var<T>, usize) -> Result<Var<T>> + Send + 'static,
    {
        Var::apply(name, inputs, forward, move |c, g, i| {
            let gi = backward(&CustomCtx { inner: c }, g, i)?;
            fit_gradient(name, c, i, gi)
        })
    }

    /// A custom op whose backward rule is written on plain tensors: given the context, the
    /// upstream gradient `g` (a tensor shaped like the output) and an input index `i`, it returns
    /// the gradient for input `i` as a tensor (shaped as for [`Var::custom`]). Use it for a fused
    /// or hand-optimised derivative. It is first order only: [`Var::backward`] and
    /// [`Var::backward_with_seed`] work, while [`Var::backward_with_graph`] through the op is an
    /// error naming it (its rule cannot be recorded, so a second derivative would silently be 0).
    ///
    /// # Errors
    /// As [`Var::custom`]; from `backward_with_graph`, [`Error::Invalid`] naming `name`.
    ///
    /// ```
    /// use autograd::{Tape, Tensor, Var};
    ///
    /// /// `swish(x) = x sigmoid(x)`, with its derivative `s + x s (1 - s)` in one pass.
    /// fn swish(x: &Var<f64>) -> tensor::Result<Var<f64>> {
    ///     Var::custom_first_order(
    ///         "swish",
    ///         [x],
    ///         |[x]| x.mul(&x.sigmoid()),
    ///         |c, g, _| {
    ///             let d = c.value(0).map(|x| {
    ///                 let s = 1.0 / (1.0 + (-x).exp());
    ///                 s + x * s * (1.0 - s)
    ///             });
    ///             g.mul(&d)
    ///         },
    ///     )
    /// }
    ///
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![0.0], &[1])?);
    /// // swish'(0) = sigmoid(0) = 1/2
    /// assert_eq!(swish(&x)?.sum()?.backward()?.get(&x).unwrap().to_vec(), vec![0.5]);
    /// let e = swish(&x)?.sum()?.backward_with_graph().unwrap_err();
    /// assert!(e.to_string().starts_with("swish: "), "{e}");
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn custom_first_order<const N: usize, F, B>(
        name: &'static str,
        inputs: [&Var<T>; N],
        forward: F,
        backward: B,
    ) -> Result<Var<T>>
    where
        F: FnOnce([&Tensor<T>; N]) -> Result<Tensor<T>>,
        B: Fn(&CustomCtx<'_, T>, &Tensor<T>, usize) -> Result<Tensor<T>> + Send + 'static,
    {
        Var::apply(name, inputs, forward, move |c, g, i| {
            // A plain backward runs the rules with recording off; only `backward_with_graph`
            // (and its seeded form) turns it on.
            if c.tape.is_recording() {
                return Err(Error::Invalid {
                    op: name,
                    reason: "this custom op's backward is written on plain tensors \
                             (Var::custom_first_order), so it has no second derivative and \
                             backward_with_graph cannot pass through it; write its rule with Var \
                             ops (Var::custom) to differentiate it twice"
                        .into(),
                });
            }
            let gi = backward(&CustomCtx { inner: c }, g.value(), i)?;
            fit_gradient(name, c, i, c.constant(gi))
        })
    }
}
