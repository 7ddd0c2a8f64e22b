//! Editing and building a [`Gradients`] store: set entries, scale, sum two stores (gradient
//! accumulation over minibatches). Clipping is in `clip.rs`.
//!
//! An edited entry is a plain tensor: after [`Var::backward_with_graph`] its link to the graph
//! that computed it is dropped, so [`Gradients::get_var`] returns it as a constant.

use std::collections::HashMap;

use tensor::{Error, Float, Result, Tensor};

use crate::backward::Gradients;
use crate::tape::{NodeId, ParamId};
use crate::var::Var;

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
