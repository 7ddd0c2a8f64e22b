//! Anomaly mode's bookkeeping: which module an op ran in and what a leaf is, so that the error
//! for the first NaN or infinity can say where it appeared (node id, op, module path) and whether
//! it was already in the data.
//!
//! Everything here is touched only while anomaly mode is on: [`Tape::module_scope`] and
//! [`Tape::name_leaf`] return at once otherwise, without calling the closure that formats the
//! name, so a training step with anomaly mode off pays one `Cell` read per layer and nothing more.

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use tensor::{Error, Float, Tensor};

use crate::tape::{Input, NodeId, Tape, all_finite};
use crate::var::Var;

/// The naming state of one tape.
pub(crate) struct Names<T: Float> {
    /// The modules being run, outermost first.
    scopes: Vec<Scope<T>>,
    /// Per node id: for a leaf, what it is (`layer 0 (Linear(2 -> 4)), weight`); for an op, the
    /// module path it ran in. Only nodes recorded in anomaly mode have an entry.
    labels: HashMap<usize, Rc<str>>,
}

impl<T: Float> Default for Names<T> {
    fn default() -> Self {
        Names {
            scopes: Vec::new(),
            labels: HashMap::new(),
        }
    }
}

/// One module being run: its full path and the input it was given (to recognise that input when
/// it reaches an op).
struct Scope<T: Float> {
    path: Rc<str>,
    input_node: Option<NodeId>,
    input_value: Tensor<T>,
}

impl<T: Float> Scope<T> {
    fn is_input(&self, inp: &Input<T>) -> bool {
        match (inp.node, self.input_node) {
            (Some(a), Some(b)) => a == b,
            (None, None) => {
                inp.value.shares_storage(&self.input_value)
                    && inp.value.shape() == self.input_value.shape()
            }
            _ => false,
        }
    }
}

/// Ops run while this guard lives are attributed to a module (see [`Tape::module_scope`]).
#[must_use = "the module scope ends as soon as the guard is dropped"]
pub struct ModuleScope<'a, T: Float = f32> {
    tape: Option<&'a Tape<T>>,
}

impl<T: Float> Drop for ModuleScope<'_, T> {
    fn drop(&mut self) {
        if let Some(tape) = self.tape {
            tape.inner.names.borrow_mut().scopes.pop();
        }
    }
}

impl<T: Float> fmt::Debug for ModuleScope<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModuleScope")
            .field("active", &self.tape.is_some())
            .finish()
    }
}

impl<T: Float> Tape<T> {
    /// Attributes the ops run until the guard drops to the module `label`, whose input is
    /// `input`, for anomaly mode's messages: an error then names the module path
    /// (`layer 0 (Linear(64 -> 64))`) and recognises the module's input
    /// (`layer 0 (Linear(64 -> 64)), input`). Scopes nest (`layer 1 (...) > layer 0 (...)`).
    /// With anomaly mode off it does nothing and never calls `label`. `nn::Sequential` opens one
    /// per layer; a hand-written container can do the same.
    ///
    /// ```
    /// use autograd::{Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// tape.set_anomaly_detection(true);
    /// let x = tape.constant(Tensor::from_vec(vec![f64::NAN], &[1])?);
    /// let _scope = tape.module_scope(|| "block 2".into(), &x);
    /// let e = x.exp().unwrap_err().to_string();
    /// assert!(e.contains("exp in block 2") && e.contains("block 2, input"), "{e}");
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn module_scope(
        &self,
        label: impl FnOnce() -> String,
        input: &Var<T>,
    ) -> ModuleScope<'_, T> {
        if !self.anomaly_detection() {
            return ModuleScope { tape: None };
        }
        let mut names = self.inner.names.borrow_mut();
        let path: Rc<str> = match names.scopes.last() {
            Some(outer) => format!("{} > {}", outer.path, label()).into(),
            None => label().into(),
        };
        names.scopes.push(Scope {
            path,
            input_node: input.node_id(),
            input_value: input.value().clone(),
        });
        ModuleScope { tape: Some(self) }
    }

    /// Names a leaf (a parameter's node, say) for anomaly mode's messages, as
    /// `"{module path}, {name}"` inside a [`Tape::module_scope`] and `"{name}"` outside one. With
    /// anomaly mode off, or for an untracked `v`, it does nothing and never calls `name`. The
    /// first name given to a node stays. `nn::Param::var` names each parameter this way.
    pub fn name_leaf(&self, v: &Var<T>, name: impl FnOnce() -> String) {
        let Some(node) = v.node_id() else { return };
        if !self.anomaly_detection() {
            return;
        }
        let mut names = self.inner.names.borrow_mut();
        if names.labels.contains_key(&node.index()) {
            return;
        }
        let label: Rc<str> = match names.scopes.last() {
            Some(s) => format!("{}, {}", s.path, name()).into(),
            None => name().into(),
        };
        names.labels.insert(node.index(), label);
    }

    /// Remembers the module path an op node was recorded in (anomaly mode only), so that a
    /// backward error can name it too.
    pub(crate) fn note_op_scope(&self, node: NodeId) {
        let mut names = self.inner.names.borrow_mut();
        if let Some(path) = names.scopes.last().map(|s| Rc::clone(&s.path)) {
            names.labels.insert(node.index(), path);
        }
    }

    /// The error for an op whose forward output is not finite. `node` is the id the output would
    /// have had. Names the module path, and when an input already held the NaN or infinity,
    /// which input and what it is (a constant: the data; a leaf; an op from before anomaly mode).
    pub(crate) fn forward_anomaly(
        &self,
        op: &str,
        inputs: &[Input<T>],
        node: Option<NodeId>,
    ) -> Error {
        let names = self.inner.names.borrow();
        let location = names
            .scopes
            .last()
            .map_or_else(String::new, |s| s.path.to_string());
        let cause = match inputs.iter().position(|inp| !all_finite(&inp.value)) {
            None if inputs.is_empty() => String::new(),
            None => format!("its inputs were all finite: {op} produced it"),
            Some(i) => {
                let inp = &inputs[i];
                let scope_input = names.scopes.iter().rev().find(|s| s.is_input(inp));
                let label = scope_input
                    .map(|s| format!("{}, input", s.path))
                    .or_else(|| {
                        let n = inp.node?;
                        names.labels.get(&n.index()).map(|l| l.to_string())
                    });
                let what = self.describe_origin(inp.node);
                match label {
                    Some(l) => {
                        format!(
                            "it was already in its input {i} ({l}), {what}, not produced by {op}"
                        )
                    }
                    None => {
                        format!("it was already in its input {i}, {what}, not produced by {op}")
                    }
                }
            }
        };
        Error::NonFinite {
            op: op.to_string(),
            pass: "forward".into(),
            node: node.map(NodeId::index),
            location,
            cause,
        }
    }

    /// What an input is, for a message: a constant, a leaf, or the output of an earlier op.
    fn describe_origin(&self, node: Option<NodeId>) -> String {
        let Some(n) = node else {
            return "a constant (the data)".into();
        };
        let nodes = self.inner.nodes.borrow();
        match nodes.get(n.index()) {
            Some(node) if node.record.is_none() => {
                format!(
                    "leaf node {} ({}): the value was given, not computed",
                    n.index(),
                    node.op
                )
            }
            Some(node) => format!(
                "the output of node {} ({}), recorded before anomaly mode was on",
                n.index(),
                node.op
            ),
            None => format!("node {}", n.index()),
        }
    }

    /// The error for a backward rule whose gradient for input `i` is not finite.
    pub(crate) fn backward_anomaly(
        &self,
        op: &str,
        node: NodeId,
        i: usize,
        upstream: &Tensor<T>,
    ) -> Error {
        let location = self
            .inner
            .names
            .borrow()
            .labels
            .get(&node.index())
            .map_or_else(String::new, |l| l.to_string());
        let cause = if all_finite(upstream) {
            String::new()
        } else {
            "the upstream gradient it was given was already not finite (a non-finite seed?)".into()
        };
        Error::NonFinite {
            op: op.to_string(),
            pass: format!("backward (gradient for input {i})"),
            node: Some(node.index()),
            location,
            cause,
        }
    }
}
