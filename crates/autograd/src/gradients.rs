//! Editing and building a [`Gradients`] store: set entries, scale, sum two stores (gradient
//! accumulation over minibatches), and clip as PyTorch's `clip_grad_norm_` / `clip_grad_value_`
//! do, in one pass over the gradients instead of a second backward.
//!
//! An edited entry is a plain tensor: after [`Var::backward_with_graph`] its link to the graph
//! that computed it is dropped, so [`Gradients::get_var`] returns it as a constant.

use std::collections::HashMap;

use tensor::{Error, Float, Result, Tensor};

use crate::backward::Gradients;
use crate::tape::{NodeId, ParamId};
use crate::var::Var;

/// PyTorch's `clip_grad_norm_` divides by `total_norm + 1e-6`, so a zero norm never divides by 0.
const CLIP_NORM_EPS: f64 = 1e-6;

impl<T: Float> Default for Gradients<T> {
    fn default() -> Self {
        Gradients::new()
    }
}

impl<T: Float> Gradients<T> {
    /// An empty store, to be filled with [`Gradients::set_param`] (gradients computed elsewhere)
    /// or [`Gradients::accumulate`].
    ///
    /// ```
    /// use autograd::{Gradients, ParamId, Tensor};
    /// let id = ParamId::fresh();
    /// let mut g = Gradients::<f64>::new();
    /// g.set_param(id, Tensor::from_vec(vec![3.0, 4.0], &[2])?)?;
    /// assert_eq!(g.param(id).unwrap().to_vec(), vec![3.0, 4.0]);
    /// assert_eq!(g.len(), 1);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn new() -> Gradients<T> {
        Gradients {
            tape_id: None,
            slots: Vec::new(),
            node_slots: 0,
            params: HashMap::new(),
        }
    }

    /// The number of entries (every tracked value with a gradient, and parameters without a node
    /// on this store's tape).
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }

    /// `true` if the store holds no gradient.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every gradient of a node of the pass's tape, in node order (leaves and intermediate
    /// values). Parameters added from a store of another tape have no node here: see
    /// [`Gradients::params`].
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Tensor<T>)> {
        self.slots[..self.node_slots]
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|(t, _)| (NodeId(i), t)))
    }

    /// Replaces the gradient of `v` (which must be tracked, on this store's tape and part of
    /// the pass) with `g`, of `v`'s shape.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `g`'s shape is not `v`'s; [`Error::Invalid`] if `v` is
    /// untracked, on another tape or recorded after the pass's output.
    ///
    /// ```
    /// use autograd::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![1.0, 2.0], &[2])?);
    /// let mut g = x.square()?.sum()?.backward()?; // 2x = [2, 4]
    /// g.set(&x, Tensor::from_vec(vec![0.0, 1.0], &[2])?)?;
    /// assert_eq!(g.get(&x).unwrap().to_vec(), vec![0.0, 1.0]);
    /// assert!(g.set(&x, Tensor::zeros(&[3])?).is_err());
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn set(&mut self, v: &Var<T>, g: Tensor<T>) -> Result<()> {
        let node = match v.node_id() {
            Some(n) if Some(v.tape().id()) == self.tape_id && n.0 < self.node_slots => n,
            _ => {
                return Err(Error::Invalid {
                    op: "Gradients::set",
                    reason: format!(
                        "the value (shape {:?}) is untracked, on another tape, or recorded after \
                         the output this store was computed from",
                        v.shape()
                    ),
                });
            }
        };
        if g.shape() != v.shape() {
            return Err(Error::ShapeMismatch {
                op: "Gradients::set",
                shapes: vec![v.shape().to_vec(), g.shape().to_vec()],
                reason: "a gradient has its value's shape".into(),
            });
        }
        self.slots[node.0] = Some((g.contiguous(), None));
        Ok(())
    }

    /// Sets the gradient of parameter `id` to `g` (adding an entry if it had none).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] naming the parameter if it has a gradient of another shape.
    pub fn set_param(&mut self, id: ParamId, g: Tensor<T>) -> Result<()> {
        match self.params.get(&id) {
            Some(n) => {
                let slot = &mut self.slots[n.0];
                if let Some((old, _)) = slot.as_ref()
                    && old.shape() != g.shape()
                {
                    return Err(Error::ShapeMismatch {
                        op: "Gradients::set_param",
                        shapes: vec![old.shape().to_vec(), g.shape().to_vec()],
                        reason: format!("{id} already has a gradient of another shape"),
                    });
                }
                *slot = Some((g.contiguous(), None));
            }
            None => {
                self.slots.push(Some((g.contiguous(), None)));
                self.params.insert(id, NodeId(self.slots.len() - 1));
            }
        }
        Ok(())
    }

    /// Multiplies every gradient in the store by `factor`, in place (for example `1 / k` after
    /// accumulating `k` minibatches).
    ///
    /// ```
    /// use autograd::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![1.0, 2.0], &[2])?);
    /// let mut g = x.square()?.sum()?.backward()?; // 2x
    /// g.scale(0.5);
    /// assert_eq!(g.get(&x).unwrap().to_vec(), vec![1.0, 2.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn scale(&mut self, factor: T) {
        for (t, node) in self.slots.iter_mut().flatten() {
            for x in t.make_mut() {
                *x *= factor;
            }
            *node = None;
        }
    }

    /// Adds `other`'s gradients to this store's: gradient accumulation over minibatches. Two
    /// passes over one tape add every entry; passes over different tapes (one per minibatch, as
    /// usual) add the parameters' gradients by id, and a parameter only `other` has is added
    /// to this store. In that case this store's other entries (values of its own tape, which the
    /// other pass knows nothing of) are dropped rather than left half summed.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] naming the parameter (or node) if two gradients of one entry
    /// differ in shape. Nothing is changed then.
    ///
    /// ```
    /// use autograd::{ParamId, Tape, Tensor};
    /// let (id, w) = (ParamId::fresh(), Tensor::<f64>::from_vec(vec![2.0], &[1])?);
    /// let mut total = None;
    /// for x in [1.0, 3.0] {
    ///     let tape = Tape::new();
    ///     // loss = x * w: its gradient is x
    ///     let loss = tape.param(id, &w).mul_scalar(x)?.sum()?;
    ///     let g = loss.backward()?;
    ///     match &mut total {
    ///         None => total = Some(g),
    ///         Some(t) => t.accumulate(&g)?,
    ///     }
    /// }
    /// assert_eq!(total.unwrap().param(id).unwrap().to_vec(), vec![4.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn accumulate(&mut self, other: &Gradients<T>) -> Result<()> {
        let same_tape = self.tape_id.is_some() && self.tape_id == other.tape_id;
        // Check every shape first, so that an error changes nothing.
        if same_tape {
            for (i, (a, b)) in self.slots.iter().zip(&other.slots).enumerate() {
                if let (Some((a, _)), Some((b, _))) = (a, b) {
                    check_same_shape(&format!("node {i}"), a, b)?;
                }
            }
        }
        for (id, g) in other.params() {
            if let Some(mine) = self.param(id) {
                check_same_shape(&id.to_string(), mine, g)?;
            }
        }
        if same_tape {
            if self.node_slots < other.node_slots {
                // Make room for the other pass's nodes, moving this store's parameters that have
                // no node out of their way.
                let extra: Vec<(ParamId, Tensor<T>)> = self
                    .params
                    .iter()
                    .filter(|(_, n)| n.0 >= self.node_slots)
                    .filter_map(|(&id, n)| Some((id, self.slots[n.0].as_ref()?.0.clone())))
                    .collect();
                self.params.retain(|_, n| n.0 < self.node_slots);
                self.slots.truncate(self.node_slots);
                self.slots.resize(other.node_slots, None);
                self.node_slots = other.node_slots;
                for (id, g) in extra {
                    self.add_param(id, &g);
                }
            }
            for (i, theirs) in other.slots[..other.node_slots].iter().enumerate() {
                if let Some((b, _)) = theirs {
                    add_into(&mut self.slots[i], b);
                }
            }
            // Parameters without a node on this tape.
            for (&id, n) in &other.params {
                if n.0 >= other.node_slots
                    && let Some((g, _)) = &other.slots[n.0]
                {
                    self.add_param(id, g);
                }
            }
        } else {
            let keep: Vec<usize> = self.params.values().map(|n| n.0).collect();
            for (i, slot) in self.slots.iter_mut().enumerate() {
                if !keep.contains(&i) {
                    *slot = None;
                }
            }
            for (id, g) in other.params() {
                self.add_param(id, g);
            }
        }
        Ok(())
    }

    /// The sum of two stores, as [`Gradients::accumulate`] computes it.
    ///
    /// # Errors
    /// As [`Gradients::accumulate`].
    pub fn add(&self, other: &Gradients<T>) -> Result<Gradients<T>> {
        let mut sum = self.clone();
        sum.accumulate(other)?;
        Ok(sum)
    }

    fn add_param(&mut self, id: ParamId, g: &Tensor<T>) {
        match self.params.get(&id) {
            Some(n) => add_into(&mut self.slots[n.0], g),
            None => {
                self.slots.push(Some((g.contiguous(), None)));
                self.params.insert(id, NodeId(self.slots.len() - 1));
            }
        }
    }

    /// The `norm_type`-norm of all parameter gradients taken together, as one vector:
    /// `(sum |g|^p)^(1/p)`, or `max |g|` for `f64::INFINITY` (accumulated in f64).
    ///
    /// # Errors
    /// [`Error::Invalid`] unless `norm_type` is positive (finite or infinite).
    pub fn total_norm(&self, norm_type: f64) -> Result<f64> {
        if norm_type.is_nan() || norm_type <= 0.0 {
            return Err(Error::Invalid {
                op: "clip_grad_norm",
                reason: format!("norm_type must be positive (or infinity), got {norm_type}"),
            });
        }
        let mut acc = 0.0f64;
        for (_, g) in self.params() {
            for &x in g.as_slice().unwrap_or(&g.to_vec()) {
                let a = x.to_f64().abs();
                if norm_type == f64::INFINITY {
                    // NaN must win, as in PyTorch's `amax`.
                    acc = if a.is_nan() || acc.is_nan() {
                        f64::NAN
                    } else {
                        acc.max(a)
                    };
                } else if norm_type == 2.0 {
                    acc += a * a;
                } else {
                    acc += a.powf(norm_type);
                }
            }
        }
        Ok(if norm_type == f64::INFINITY {
            acc
        } else if norm_type == 2.0 {
            acc.sqrt()
        } else {
            acc.powf(1.0 / norm_type)
        })
    }

    /// PyTorch's `clip_grad_norm_(parameters, max_norm)`: with `total` the 2-norm of all
    /// parameter gradients taken together, scales each by `max_norm / (total + 1e-6)` when that
    /// is below 1, and returns `total` (the norm before clipping). One pass to measure, one to
    /// scale; intermediate values' gradients are left as they are, as PyTorch clips only the
    /// parameters.
    ///
    /// # Errors
    /// [`Error::Invalid`] if `max_norm` is negative or NaN, or if the total norm is not finite
    /// (a NaN or infinite gradient; PyTorch's `error_if_nonfinite=True`): nothing is changed then.
    ///
    /// ```
    /// use autograd::{Gradients, ParamId, Tensor};
    /// let (a, b) = (ParamId::fresh(), ParamId::fresh());
    /// let mut g = Gradients::<f64>::new();
    /// g.set_param(a, Tensor::from_vec(vec![3.0], &[1])?)?;
    /// g.set_param(b, Tensor::from_vec(vec![4.0], &[1])?)?;
    /// let total = g.clip_grad_norm(1.0)?; // sqrt(3^2 + 4^2) = 5
    /// assert_eq!(total, 5.0);
    /// let coef = 1.0 / (5.0 + 1e-6);
    /// assert_eq!(g.param(a).unwrap().to_vec(), vec![3.0 * coef]);
    /// assert_eq!(g.param(b).unwrap().to_vec(), vec![4.0 * coef]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> Result<f64> {
        self.clip_grad_norm_with(max_norm, 2.0)
    }

    /// [`Gradients::clip_grad_norm`] with another norm: `norm_type` is PyTorch's (`1.0`,
    /// `2.0`, any positive `p`, or `f64::INFINITY` for the largest absolute value).
    ///
    /// # Errors
    /// As [`Gradients::clip_grad_norm`], and [`Error::Invalid`] for a `norm_type` that is not
    /// positive.
    pub fn clip_grad_norm_with(&mut self, max_norm: f64, norm_type: f64) -> Result<f64> {
        if max_norm.is_nan() || max_norm < 0.0 {
            return Err(Error::Invalid {
                op: "clip_grad_norm",
                reason: format!("max_norm must be a number >= 0, got {max_norm}"),
            });
        }
        let total = self.total_norm(norm_type)?;
        if !total.is_finite() {
            let culprit = self
                .params()
                .find(|(_, g)| g.to_vec().iter().any(|x| !x.is_finite()))
                .map_or_else(String::new, |(id, _)| format!(" (first in {id})"));
            return Err(Error::Invalid {
                op: "clip_grad_norm",
                reason: format!(
                    "the total {norm_type}-norm of the gradients is {total}: a gradient holds a \
                     NaN or infinity{culprit}; nothing was clipped"
                ),
            });
        }
        let coef = max_norm / (total + CLIP_NORM_EPS);
        if coef < 1.0 {
            let c = T::from_f64(coef);
            self.map_params(|x| x * c);
        }
        Ok(total)
    }

    /// PyTorch's `clip_grad_value_(parameters, clip_value)`: clamps every element of every
    /// parameter gradient to `[-clip_value, clip_value]` (a NaN stays NaN, as in `clamp`).
    ///
    /// # Errors
    /// [`Error::Invalid`] if `clip_value` is negative or NaN.
    ///
    /// ```
    /// use autograd::{Gradients, ParamId, Tensor};
    /// let id = ParamId::fresh();
    /// let mut g = Gradients::<f64>::new();
    /// g.set_param(id, Tensor::from_vec(vec![-3.0, 0.5, 2.0], &[3])?)?;
    /// g.clip_grad_value(1.0)?;
    /// assert_eq!(g.param(id).unwrap().to_vec(), vec![-1.0, 0.5, 1.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn clip_grad_value(&mut self, clip_value: f64) -> Result<()> {
        if clip_value.is_nan() || clip_value < 0.0 {
            return Err(Error::Invalid {
                op: "clip_grad_value",
                reason: format!("clip_value must be a number >= 0, got {clip_value}"),
            });
        }
        let (hi, lo) = (T::from_f64(clip_value), T::from_f64(-clip_value));
        self.map_params(|x| {
            if x > hi {
                hi
            } else if x < lo {
                lo
            } else {
                x
            }
        });
        Ok(())
    }

    /// Applies `f` to every element of every parameter gradient, in place.
    fn map_params(&mut self, f: impl Fn(T) -> T) {
        for n in self.params.values() {
            if let Some((t, node)) = &mut self.slots[n.0] {
                for x in t.make_mut() {
                    *x = f(*x);
                }
                *node = None;
            }
        }
    }
}

fn check_same_shape<T: Float>(what: &str, a: &Tensor<T>, b: &Tensor<T>) -> Result<()> {
    if a.shape() == b.shape() {
        return Ok(());
    }
    Err(Error::ShapeMismatch {
        op: "Gradients::accumulate",
        shapes: vec![a.shape().to_vec(), b.shape().to_vec()],
        reason: format!("the two stores' gradients of {what} differ in shape"),
    })
}

/// `slot += g` (a plain tensor sum; shapes checked by the caller).
fn add_into<T: Float>(slot: &mut Option<(Tensor<T>, Option<NodeId>)>, g: &Tensor<T>) {
    match slot {
        None => *slot = Some((g.contiguous(), None)),
        Some((t, node)) => {
            let src = g.to_vec();
            for (x, y) in t.make_mut().iter_mut().zip(src) {
                *x += y;
            }
            *node = None;
        }
    }
}
