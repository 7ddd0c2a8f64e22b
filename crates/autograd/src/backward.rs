//! The reverse sweep and the gradient store it returns.
//!
//! Backward walks the tape from the output's node down to node 0. Node ids are execution order,
//! so when node `i` is reached every node that consumed it (all with larger ids) has already
//! added its contribution: `grads[i]` is complete. Each node's rule turns its upstream gradient
//! into one gradient per tracked input; the tape sums a gradient down to its input's shape when
//! they differ (undoing broadcasting in this one place) and adds it to the input's slot.

use std::fmt;

use tensor::{Error, Float, Result, Tensor};

use crate::tape::{Ctx, NodeId, ParamId, Rule, Tape, all_finite};
use crate::var::Var;

/// Gradients from one backward pass, keyed by the [`Var`]s (and parameter ids) they belong to.
///
/// A fresh store per pass: there is nothing to zero and nothing stale to accumulate into. A value
/// used several times gets the sum of its uses' gradients. Every tracked value between the inputs
/// and the output has an entry (intermediate ones too), which is how the examples compare each of
/// the lesson's hand-derived `dz`, `dW` against the tape's.
///
/// A store can also be edited and built (`gradients.rs`, `clip.rs`): read and set by `Var` or by
/// parameter, scaled, summed with another, clipped.
pub struct Gradients<T: Float = f32> {
    /// The tape of the pass (`None` for a store built with [`Gradients::new`]).
    pub(crate) tape_id: Option<u64>,
    /// Per node: the gradient, and under `backward_with_graph` the node that computed it. Slots
    /// from `node_slots` on hold parameters that have no node on this tape (added from another
    /// store or set by id).
    pub(crate) slots: Vec<Option<(Tensor<T>, Option<NodeId>)>>,
    /// How many slots are node ids of the pass's tape.
    pub(crate) node_slots: usize,
    /// The parameters that received a gradient, sorted by id, with their slots.
    pub(crate) params: Vec<(ParamId, NodeId)>,
}

impl<T: Float> Clone for Gradients<T> {
    fn clone(&self) -> Self {
        Gradients {
            tape_id: self.tape_id,
            slots: self.slots.clone(),
            node_slots: self.node_slots,
            params: self.params.clone(),
        }
    }
}

impl<T: Float> fmt::Debug for Gradients<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gradients")
            .field("tape", &self.tape_id)
            .field(
                "entries",
                &self.slots.iter().filter(|s| s.is_some()).count(),
            )
            .finish()
    }
}

impl<T: Float> Gradients<T> {
    fn slot(&self, v: &Var<T>) -> Option<&(Tensor<T>, Option<NodeId>)> {
        let node = v.node?.0;
        if Some(v.tape().id()) != self.tape_id || node >= self.node_slots {
            return None;
        }
        self.slots.get(node)?.as_ref()
    }

    /// The gradient of the output with respect to `v`, shaped like `v`; `None` if `v` is
    /// untracked, on another tape, or does not influence the output.
    pub fn get(&self, v: &Var<T>) -> Option<&Tensor<T>> {
        self.slot(v).map(|s| &s.0)
    }

    /// The gradient as a `Var` on `v`'s tape. After [`Var::backward_with_graph`] it is tracked, so
    /// it can be differentiated again; after a plain backward it is a constant.
    pub fn get_var(&self, v: &Var<T>) -> Option<Var<T>> {
        self.slot(v)
            .map(|(t, node)| Var::new(t.clone(), v.tape().clone(), *node))
    }

    /// The gradient of the parameter recorded with [`Tape::param`] under `id`.
    pub fn param(&self, id: ParamId) -> Option<&Tensor<T>> {
        let i = self.params.binary_search_by_key(&id, |&(p, _)| p).ok()?;
        self.slots.get(self.params[i].1.0)?.as_ref().map(|s| &s.0)
    }

    /// The parameters that received a gradient, with it, in the order of their ids (the order
    /// they were created in).
    pub fn params(&self) -> impl Iterator<Item = (ParamId, &Tensor<T>)> {
        self.params
            .iter()
            .filter_map(|&(id, n)| Some((id, &self.slots.get(n.0)?.as_ref()?.0)))
    }
}

/// Runs one node's rule for each of its tracked inputs and adds the results to their slots.
fn propagate<T: Float>(
    ctx: &Ctx<'_, T>,
    node_op: &'static str,
    rule: &Rule<T>,
    g: &Var<T>,
    anomaly: bool,
    grads: &mut [Option<Var<T>>],
) -> Result<()> {
    for (i, input) in ctx.inputs.iter().enumerate() {
        let Some(target) = input.node else { continue };
        let mut gi = rule(ctx, g, i)?;
        if gi.shape() != input.value.shape() {
            // A recorded pass sums with the `Var` op (so the sum is differentiable); a plain one
            // sums the tensor and wraps the result once, without the op's recording machinery
            // (this runs for every broadcast operand, a bias, in every training step).
            gi = if ctx.recording() {
                gi.sum_to(input.value.shape())?
            } else {
                ctx.constant(gi.value().sum_to(input.value.shape())?)
            };
        }
        if anomaly && !all_finite(gi.value()) {
            return Err(ctx.tape.backward_anomaly(node_op, ctx.node, i, g.value()));
        }
        let slot = &mut grads[target.0];
        *slot = Some(match slot.take() {
            None => gi,
            Some(prev) => prev.add(&gi)?,
        });
    }
    Ok(())
}

/// Puts the tape in backward mode for the duration of a pass and restores it after, error or not:
/// recording off for a plain pass, forced on for a pass that records itself; forward anomaly
/// checks off either way (the rules' results are checked instead).
struct BackwardScope<'a, T: Float> {
    tape: &'a Tape<T>,
    saved_no_grad: usize,
}

impl<'a, T: Float> BackwardScope<'a, T> {
    fn enter(tape: &'a Tape<T>, create_graph: bool) -> Self {
        let inner = &tape.inner;
        let saved_no_grad = inner.no_grad.get();
        inner
            .no_grad
            .set(if create_graph { 0 } else { saved_no_grad + 1 });
        inner.in_backward.set(inner.in_backward.get() + 1);
        BackwardScope {
            tape,
            saved_no_grad,
        }
    }
}

impl<T: Float> Drop for BackwardScope<'_, T> {
    fn drop(&mut self) {
        let inner = &self.tape.inner;
        inner.no_grad.set(self.saved_no_grad);
        inner
            .in_backward
            .set(inner.in_backward.get().saturating_sub(1));
    }
}

impl<T: Float> Var<T> {
    /// Gradients of this output (which must have exactly one element) with respect to every
    /// tracked value it depends on. Records nothing: the rules run as plain tensor arithmetic.
    ///
    /// # Errors
    /// [`Error::Invalid`] if the output has more than one element (use
    /// [`Var::backward_with_seed`]) or is untracked (computed from constants only, under
    /// `no_grad`, or detached: there is nothing to differentiate); [`Error::NonFinite`] from
    /// anomaly mode.
    ///
    /// ```
    /// use autograd::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![3.0, 1.0, 4.0], &[3])?);
    /// // y = sum(x^2 + 5x + 4), so dy/dx = 2x + 5.
    /// let y = x.square()?.add(&x.mul_scalar(5.0)?)?.add_scalar(4.0)?.sum()?;
    /// assert_eq!(y.backward()?.get(&x).unwrap().to_vec(), vec![11.0, 7.0, 13.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn backward(&self) -> Result<Gradients<T>> {
        let seed = self.scalar_seed("backward")?;
        self.backward_impl("backward", seed, false)
    }

    /// Gradients of `sum(seed * self)`: the vector-Jacobian product with `seed`, which must have
    /// this output's shape.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the seed's shape differs; otherwise as [`Var::backward`].
    pub fn backward_with_seed(&self, seed: &Tensor<T>) -> Result<Gradients<T>> {
        self.backward_impl("backward_with_seed", seed.clone(), false)
    }

    /// Like [`Var::backward`], but the backward pass is itself recorded on the tape (PyTorch's
    /// `create_graph=True`), so the gradients ([`Gradients::get_var`]) are tracked and can be
    /// differentiated again: Hessian-vector products, gradient penalties. Records even inside a
    /// `no_grad` scope, since recording is what was asked for.
    ///
    /// ```
    /// use autograd::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let x = tape.var(Tensor::from_vec(vec![2.0], &[])?);
    /// let y = x.powi(3)?; // dy/dx = 3x^2 = 12, d2y/dx2 = 6x = 12
    /// let dy = y.backward_with_graph()?.get_var(&x).unwrap();
    /// assert_eq!(dy.value().item()?, 12.0);
    /// assert_eq!(dy.backward()?.get(&x).unwrap().item()?, 12.0);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Var::backward`].
    pub fn backward_with_graph(&self) -> Result<Gradients<T>> {
        let seed = self.scalar_seed("backward_with_graph")?;
        self.backward_impl("backward_with_graph", seed, true)
    }

    /// [`Var::backward_with_graph`] with an explicit seed (see [`Var::backward_with_seed`]).
    ///
    /// # Errors
    /// As [`Var::backward_with_seed`].
    pub fn backward_with_graph_and_seed(&self, seed: &Tensor<T>) -> Result<Gradients<T>> {
        self.backward_impl("backward_with_graph_and_seed", seed.clone(), true)
    }

    fn scalar_seed(&self, op: &'static str) -> Result<Tensor<T>> {
        if self.value.len() != 1 {
            return Err(Error::Invalid {
                op,
                reason: format!(
                    "the output has shape {:?}, not one element; give a seed (backward_with_seed)",
                    self.shape()
                ),
            });
        }
        Tensor::ones(self.shape())
    }

    fn backward_impl(
        &self,
        op: &'static str,
        seed: Tensor<T>,
        create_graph: bool,
    ) -> Result<Gradients<T>> {
        let root = self.node.ok_or_else(|| Error::Invalid {
            op,
            reason: format!(
                "the output (shape {:?}) is not tracked: it depends on no tape.var/tape.param, or \
                 was computed under no_grad or detached",
                self.shape()
            ),
        })?;
        if seed.shape() != self.shape() {
            return Err(Error::ShapeMismatch {
                op,
                shapes: vec![self.shape().to_vec(), seed.shape().to_vec()],
                reason: "the seed must have the output's shape".into(),
            });
        }
        let tape = self.tape();
        let anomaly = tape.anomaly_detection();
        let scope = BackwardScope::enter(tape, create_graph);
        let mut grads: Vec<Option<Var<T>>> = (0..=root.0).map(|_| None).collect();
        grads[root.0] = Some(tape.constant(seed));
        for id in (0..=root.0).rev() {
            let Some(g) = grads[id].take() else { continue };
            // Move the node's record out while its rule runs (and put it back after, error or
            // not): under create_graph the rule appends to the node list, so the list must not
            // stay borrowed meanwhile.
            let taken = {
                let mut nodes = tape.inner.nodes.borrow_mut();
                let node = &mut nodes[id];
                node.record
                    .take()
                    .map(|record| (node.op, record, node.value.clone()))
            };
            let Some((node_op, record, output)) = taken else {
                grads[id] = Some(g);
                continue;
            };
            let ctx = Ctx {
                tape,
                node: NodeId(id),
                inputs: &record.inputs,
                output: &output,
            };
            let result = propagate(&ctx, node_op, &record.rule, &g, anomaly, &mut grads);
            tape.inner.nodes.borrow_mut()[id].record = Some(record);
            result?;
            grads[id] = Some(g);
        }
        drop(scope);
        // Only parameters that received a gradient: the store's slots may grow past the pass's
        // nodes (parameters added from another store), so no entry may point beyond them.
        let params = tape
            .inner
            .params
            .borrow()
            .iter()
            .copied()
            .filter(|&(_, n)| grads.get(n.0).is_some_and(Option::is_some))
            .collect();
        Ok(Gradients {
            tape_id: Some(tape.id()),
            node_slots: grads.len(),
            slots: grads
                .into_iter()
                .map(|g| g.map(|v| (v.value.into_contiguous(), v.node)))
                .collect(),
            params,
        })
    }
}
