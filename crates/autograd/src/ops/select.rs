//! Gathers and joins: `index_select` and its adjoint `index_add`, `concat`, `stack`, and
//! `where_cond`.

use std::sync::Arc;

use tensor::{Axis, Float, Result, Tensor};

use crate::ops::resolve_axis;
use crate::tape::same_tape;
use crate::var::Var;

impl<T: Float> Var<T> {
    /// The slices at `indices` along `axis` (repeats allowed). The gradient is scattered back with
    /// [`Var::index_add`] onto zeros, so a slice picked twice gets the sum of both gradients.
    ///
    /// # Errors
    /// [`tensor::Error::Axis`] for a bad axis, [`tensor::Error::Index`] for an index out of range.
    pub fn index_select(&self, axis: impl Axis, indices: &[usize]) -> Result<Var<T>> {
        let ax = resolve_axis("index_select", axis, self.shape())?;
        let idx: Arc<[usize]> = indices.into();
        self.unary(
            "index_select",
            |x| x.index_select(ax, indices),
            move |c, g, _| {
                let zeros = c.constant(Tensor::zeros(c.value(0).shape())?);
                zeros.index_add(ax, &idx, g)
            },
        )
    }

    /// A copy of `self` with slice `j` of `src` added at slice `indices[j]` along `axis`
    /// (PyTorch's `index_add`). `d/dself = g`, `d/dsrc = index_select(g, axis, indices)`.
    ///
    /// # Errors
    /// As [`tensor::Tensor::index_add`]; operands on different tapes.
    pub fn index_add(&self, axis: impl Axis, indices: &[usize], src: &Var<T>) -> Result<Var<T>> {
        let ax = resolve_axis("index_add", axis, self.shape())?;
        let idx: Arc<[usize]> = indices.into();
        Var::apply(
            "index_add",
            [self, src],
            |[base, src]| base.index_add(ax, indices, src),
            move |_, g, i| {
                if i == 0 {
                    Ok(g.clone())
                } else {
                    g.index_select(ax, &idx)
                }
            },
        )
    }

    /// Joins values along an existing axis. Input `i` gets its own stretch of the gradient.
    ///
    /// # Errors
    /// As [`tensor::Tensor::concat`]; operands on different tapes.
    pub fn concat(vars: &[&Var<T>], axis: impl Axis) -> Result<Var<T>> {
        let tape = same_tape("concat", vars)?;
        let values: Vec<&Tensor<T>> = vars.iter().map(|v| &v.value).collect();
        let value = Tensor::concat(&values, axis)?;
        let ax = resolve_axis("concat", axis, vars[0].shape())?;
        let mut starts = Vec::with_capacity(vars.len());
        let mut at = 0;
        for v in vars {
            starts.push(at);
            at += v.shape()[ax];
        }
        tape.finish("concat", vars, value, move |c, g, i| {
            g.narrow(ax, starts[i], c.value(i).shape()[ax])
        })
    }

    /// Joins values of equal shape along a new axis at `axis` (`0..=ndim`).
    ///
    /// # Errors
    /// As [`tensor::Tensor::stack`]; operands on different tapes.
    pub fn stack(vars: &[&Var<T>], axis: impl Axis) -> Result<Var<T>> {
        same_tape("stack", vars)?;
        if vars.iter().any(|v| v.shape() != vars[0].shape()) {
            return Err(tensor::Error::ShapeMismatch {
                op: "stack",
                shapes: vars.iter().map(|v| v.shape().to_vec()).collect(),
                reason: "all shapes must be equal".into(),
            });
        }
        let expanded = vars
            .iter()
            .map(|v| v.unsqueeze(axis))
            .collect::<Result<Vec<_>>>()?;
        let refs: Vec<&Var<T>> = expanded.iter().collect();
        let mut shape = vars[0].shape().to_vec();
        shape.push(1);
        Var::concat(&refs, resolve_axis("stack", axis, &shape)?)
    }

    /// `cond ? on_true : on_false` elementwise, all three broadcast together, where `cond` (a
    /// plain tensor: it has no gradient) is nonzero. Each branch gets `g` where it was picked and
    /// 0 elsewhere (picked, not multiplied, so an infinite `g` on one side leaves no NaN on the
    /// other).
    ///
    /// # Errors
    /// [`tensor::Error::Broadcast`] if the shapes do not broadcast; operands on different tapes.
    pub fn where_cond(cond: &Tensor<T>, on_true: &Var<T>, on_false: &Var<T>) -> Result<Var<T>> {
        let mask = cond.clone();
        Var::apply(
            "where_cond",
            [on_true, on_false],
            |[a, b]| Tensor::where_cond(cond, a, b),
            move |c, g, i| {
                let zero = c.constant(Tensor::scalar(T::ZERO));
                if i == 0 {
                    Var::where_cond(&mask, g, &zero)
                } else {
                    Var::where_cond(&mask, &zero, g)
                }
            },
        )
    }
}
