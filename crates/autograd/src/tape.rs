//! The tape: a Wengert list of nodes, appended in execution order.
//!
//! Because a node is appended only after all of its inputs exist, every input of node `i` has an
//! id below `i`, and walking the list from the end is already a topological order: backward needs
//! no graph search and no recursion. Nodes hold input *ids* and tensors, never [`Var`]s (which
//! hold the tape), so there are no reference cycles and dropping the tape drops a flat `Vec`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use smallvec::SmallVec;
use tensor::{Error, Float, Result, Tensor};

use crate::anomaly::Names;
use crate::var::Var;

/// The position of a node on its tape (0 for the first recorded node).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) usize);

impl NodeId {
    /// The node's index in the tape's list.
    pub fn index(self) -> usize {
        self.0
    }
}

/// A stable identity for a trainable parameter, so that gradients can be looked up by parameter
/// across tapes: `nn` gives each `Param` one, and [`Tape::param`] records it as a leaf.
///
/// ```
/// use autograd::ParamId;
/// let (a, b) = (ParamId::fresh(), ParamId::fresh());
/// assert_ne!(a, b);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct ParamId(u64);

impl ParamId {
    /// A new id, distinct from every other id made in this process (a global atomic counter).
    pub fn fresh() -> ParamId {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        ParamId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The id as a number (for printing and file formats).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ParamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "param#{}", self.0)
    }
}

/// One input of a recorded node: its node id if it is tracked, and its value (an `Arc` clone).
#[derive(Clone)]
pub(crate) struct Input<T: Float> {
    pub node: Option<NodeId>,
    pub value: Tensor<T>,
}

/// A backward rule: given the node's context, the upstream gradient `g` (shaped like the output)
/// and an input index `i`, the gradient for input `i` (any shape that broadcasts to the output's;
/// the tape sums it down to the input's shape). It is called only for tracked inputs.
///
/// `Send` is required although rules never cross threads: it stops a rule from capturing a
/// [`Var`] (which holds an `Rc` of the tape), the one way a reference cycle could appear.
pub(crate) type Rule<T> = dyn Fn(&Ctx<'_, T>, &Var<T>, usize) -> Result<Var<T>> + Send;

/// What an op's node records besides its value: its inputs and its rule (`R`, the closure, is
/// unsized to [`Rule`] once boxed).
///
/// One box per op holds both, captures included, so that a node stays a few words: a leaf (a
/// step records one per parameter) is just its value, pushing a node moves little, and backward
/// moves the box out of its node while the rule runs (under `backward_with_graph` the rule
/// appends to the node list, which must not stay borrowed) and puts it back after.
pub(crate) struct Record<T: Float, R: ?Sized = Rule<T>> {
    /// Inline up to three: a binary op, and `linear`'s `x`, `W` and `b`.
    pub inputs: SmallVec<[Input<T>; 3]>,
    pub rule: R,
}

/// A recorded operation.
pub(crate) struct Node<T: Float> {
    pub op: &'static str,
    pub value: Tensor<T>,
    /// `None` for leaves (`tape.var`, `tape.param`).
    pub record: Option<Box<Record<T>>>,
}

pub(crate) struct Inner<T: Float> {
    pub id: u64,
    pub nodes: RefCell<Vec<Node<T>>>,
    /// The parameters recorded with [`Tape::param`], sorted by id (a model registers a handful,
    /// usually in increasing id order, so a sorted list beats hashing each id), inline for a
    /// small model's handful (no allocation per tape).
    pub params: RefCell<SmallVec<[(ParamId, NodeId); 8]>>,
    /// Nesting depth of `no_grad` scopes (and of plain backward passes): 0 means recording.
    pub no_grad: Cell<usize>,
    /// Nesting depth of backward passes in progress; forward anomaly checks are off inside them
    /// (a rule's intermediate values may be infinite; its result is what gets checked).
    pub in_backward: Cell<usize>,
    pub anomaly: Cell<bool>,
    /// Module scopes and leaf names for anomaly mode's messages (untouched when it is off).
    pub names: RefCell<Names<T>>,
}

/// A gradient tape: a cheap handle (`Rc`) to one Wengert list. Clones share the list.
///
/// ```
/// use autograd::{Tape, Tensor};
/// let tape = Tape::<f64>::new();
/// let x = tape.var(Tensor::from_vec(vec![3.0], &[])?);
/// let y = x.mul(&x)?; // y = x^2, dy/dx = 2x = 6
/// assert_eq!(tape.len(), 2);
/// assert_eq!(y.backward()?.get(&x).unwrap().item()?, 6.0);
/// # Ok::<(), tensor::Error>(())
/// ```
pub struct Tape<T: Float = f32> {
    pub(crate) inner: Rc<Inner<T>>,
}

impl<T: Float> Clone for Tape<T> {
    fn clone(&self) -> Self {
        Tape {
            inner: Rc::clone(&self.inner),
        }
    }
}

impl<T: Float> Default for Tape<T> {
    fn default() -> Self {
        Tape::new()
    }
}

impl<T: Float> fmt::Debug for Tape<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tape")
            .field("id", &self.inner.id)
            .field("len", &self.len())
            .field("recording", &self.is_recording())
            .finish()
    }
}

impl<T: Float> Tape<T> {
    /// An empty tape, recording.
    pub fn new() -> Tape<T> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Tape {
            inner: Rc::new(Inner {
                id: NEXT.fetch_add(1, Ordering::Relaxed),
                // Room for a small model's step (the sensors MLP records 9 nodes) without
                // regrowing the list as it is recorded.
                nodes: RefCell::new(Vec::with_capacity(16)),
                params: RefCell::new(SmallVec::new()),
                no_grad: Cell::new(0),
                in_backward: Cell::new(0),
                anomaly: Cell::new(false),
                names: RefCell::new(Names::default()),
            }),
        }
    }

    /// A tracked leaf (PyTorch's `requires_grad=True`): gradients flow to it. A leaf is a node, so
    /// it is recorded even inside [`Tape::no_grad`] (only ops are switched off there).
    pub fn var(&self, t: Tensor<T>) -> Var<T> {
        let id = self.push_leaf("var", t.clone());
        Var::new(t, self.clone(), Some(id))
    }

    /// An untracked value on this tape: ops on it alone record nothing and it gets no gradient.
    pub fn constant(&self, t: Tensor<T>) -> Var<T> {
        Var::new(t, self.clone(), None)
    }

    /// A tracked leaf keyed by a parameter id, so its gradient can be read with
    /// [`crate::Gradients::param`]. The same id twice on one tape gives the same node (and the
    /// value recorded the first time), so a parameter used by several layers gets one summed
    /// gradient.
    ///
    /// ```
    /// use autograd::{ParamId, Tape, Tensor};
    /// let tape = Tape::<f64>::new();
    /// let id = ParamId::fresh();
    /// let w = Tensor::from_vec(vec![2.0], &[1])?;
    /// let (a, b) = (tape.param(id, &w), tape.param(id, &w));
    /// let y = a.mul(&b)?.sum()?; // w^2: the gradient is 2w = 4
    /// assert_eq!(y.backward()?.param(id).unwrap().to_vec(), vec![4.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn param(&self, id: ParamId, t: &Tensor<T>) -> Var<T> {
        let found = self
            .inner
            .params
            .borrow()
            .binary_search_by_key(&id, |&(p, _)| p);
        match found {
            Ok(i) => {
                let node = self.inner.params.borrow()[i].1;
                let value = self.inner.nodes.borrow()[node.0].value.clone();
                Var::new(value, self.clone(), Some(node))
            }
            Err(i) => {
                let node = self.push_leaf("param", t.clone());
                self.inner.params.borrow_mut().insert(i, (id, node));
                Var::new(t.clone(), self.clone(), Some(node))
            }
        }
    }

    /// Switches recording off until the returned guard drops (scopes nest). Ops run at tensor speed
    /// and return untracked values.
    ///
    /// ```
    /// use autograd::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::ones(&[2])?);
    /// {
    ///     let _guard = tape.no_grad();
    ///     assert!(!x.exp()?.is_tracked());
    /// }
    /// assert!(x.exp()?.is_tracked());
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn no_grad(&self) -> NoGradGuard<T> {
        self.inner.no_grad.set(self.inner.no_grad.get() + 1);
        NoGradGuard { tape: self.clone() }
    }

    /// `true` unless inside a [`Tape::no_grad`] scope or a plain backward pass.
    pub fn is_recording(&self) -> bool {
        self.inner.no_grad.get() == 0
    }

    /// Anomaly mode: when on, the first op whose forward output, or whose backward rule's result,
    /// holds a NaN or an infinity returns [`Error::NonFinite`] instead of letting the NaN spread.
    /// The error names the node (its id and op), the module it ran in (see
    /// [`Tape::module_scope`]; `nn::Sequential` names its layers), for backward the input index,
    /// and for forward whether the value was already in an input: a constant (the data), a leaf
    /// (a parameter, named as [`Tape::name_leaf`] gave it), or an op's output.
    pub fn set_anomaly_detection(&self, on: bool) {
        self.inner.anomaly.set(on);
    }

    /// Whether anomaly mode is on.
    pub fn anomaly_detection(&self) -> bool {
        self.inner.anomaly.get()
    }

    /// The number of recorded nodes (leaves and ops).
    pub fn len(&self) -> usize {
        self.inner.nodes.borrow().len()
    }

    /// `true` if nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `true` if both handles point to the same tape.
    pub fn same(&self, other: &Tape<T>) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    pub(crate) fn id(&self) -> u64 {
        self.inner.id
    }

    fn push_leaf(&self, op: &'static str, value: Tensor<T>) -> NodeId {
        self.push(Node {
            op,
            value,
            record: None,
        })
    }

    fn push(&self, node: Node<T>) -> NodeId {
        let mut nodes = self.inner.nodes.borrow_mut();
        nodes.push(node);
        NodeId(nodes.len() - 1)
    }

    /// Finishes an op whose forward produced `value` from `inputs` (all on this tape): checks it in
    /// anomaly mode and records a node when recording is on and some input is tracked. The rule is
    /// boxed only then, so untracked arithmetic costs one tensor op and an `Rc` clone.
    pub(crate) fn finish<R>(
        &self,
        op: &'static str,
        inputs: &[&Var<T>],
        value: Tensor<T>,
        rule: R,
    ) -> Result<Var<T>>
    where
        R: Fn(&Ctx<'_, T>, &Var<T>, usize) -> Result<Var<T>> + Send + 'static,
    {
        let record = self.is_recording() && inputs.iter().any(|v| v.node.is_some());
        let check = self.inner.anomaly.get() && self.inner.in_backward.get() == 0;
        if check && !all_finite(&value) {
            let next = record.then(|| NodeId(self.len()));
            let inputs: Vec<Input<T>> = inputs
                .iter()
                .map(|v| Input {
                    node: v.node,
                    value: v.value.clone(),
                })
                .collect();
            return Err(self.forward_anomaly(op, &inputs, next));
        }
        let node = if record {
            Some(
                self.push(Node {
                    op,
                    value: value.clone(),
                    record: Some(Box::new(Record {
                        inputs: inputs
                            .iter()
                            .map(|v| Input {
                                node: v.node,
                                value: v.value.clone(),
                            })
                            .collect(),
                        rule,
                    })),
                }),
            )
        } else {
            None
        };
        if let (true, Some(id)) = (check, node) {
            self.note_op_scope(id);
        }
        Ok(Var::new(value, self.clone(), node))
    }
}

/// The tape all of `inputs` live on, or [`Error::Invalid`] naming `op` if they live on several.
pub(crate) fn same_tape<'a, T: Float>(
    op: &'static str,
    inputs: &[&'a Var<T>],
) -> Result<&'a Tape<T>> {
    let first = inputs
        .first()
        .ok_or_else(|| Error::Invalid {
            op,
            reason: "no operands given".into(),
        })?
        .tape();
    if inputs.iter().all(|v| v.tape().same(first)) {
        Ok(first)
    } else {
        Err(Error::Invalid {
            op,
            reason: format!(
                "operands of shapes {:?} belong to different tapes; move values with tape.constant or tape.var",
                inputs
                    .iter()
                    .map(|v| v.shape().to_vec())
                    .collect::<Vec<_>>()
            ),
        })
    }
}

/// `true` if no element is NaN or infinite.
pub(crate) fn all_finite<T: Float>(t: &Tensor<T>) -> bool {
    match t.as_slice() {
        Some(s) => s.iter().all(|x| x.is_finite()),
        None => t.to_vec().iter().all(|x| x.is_finite()),
    }
}

/// What a backward rule sees of its node: the inputs and the output, rebuilt as [`Var`]s on the
/// current tape with their node ids, so a rule written with `Var` ops is itself recorded under
/// `backward_with_graph` (and so can be differentiated again).
pub(crate) struct Ctx<'a, T: Float> {
    pub tape: &'a Tape<T>,
    pub node: NodeId,
    pub inputs: &'a [Input<T>],
    pub output: &'a Tensor<T>,
}

impl<T: Float> Ctx<'_, T> {
    /// Input `i` as a `Var` (tracked if the input was).
    pub fn input(&self, i: usize) -> Var<T> {
        let inp = &self.inputs[i];
        Var::new(inp.value.clone(), self.tape.clone(), inp.node)
    }

    /// The node's output as a tracked `Var`.
    pub fn output(&self) -> Var<T> {
        Var::new(self.output.clone(), self.tape.clone(), Some(self.node))
    }

    /// The value of input `i`.
    pub fn value(&self, i: usize) -> &Tensor<T> {
        &self.inputs[i].value
    }

    /// A constant on the current tape (masks and other piecewise-constant factors).
    pub fn constant(&self, t: Tensor<T>) -> Var<T> {
        self.tape.constant(t)
    }

    /// `true` when the backward pass is itself being recorded (`backward_with_graph`): a rule
    /// must then build its result from `Var` ops on `g` and the inputs, so that it can be
    /// differentiated again. When `false` its result is a constant, and a rule may compute it
    /// with a fused tensor loop instead (ReLU's masked copy, the cross-entropy's saved softmax).
    pub fn recording(&self) -> bool {
        self.tape.is_recording()
    }
}

/// Recording is off while this guard lives (see [`Tape::no_grad`]).
#[must_use = "recording resumes as soon as the guard is dropped"]
pub struct NoGradGuard<T: Float = f32> {
    tape: Tape<T>,
}

impl<T: Float> Drop for NoGradGuard<T> {
    fn drop(&mut self) {
        let d = &self.tape.inner.no_grad;
        d.set(d.get().saturating_sub(1));
    }
}

impl<T: Float> fmt::Debug for NoGradGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoGradGuard").finish_non_exhaustive()
    }
}
