//! [`Sequential`]: layers applied one after another, built with a builder or `sequential!`.

use std::fmt;

use autograd::Var;
use tensor::{Float, Result};

use crate::module::Module;
use crate::param::Param;

/// Layers applied in order, each to the previous one's output: PyTorch's `nn.Sequential`.
///
/// Build it with [`Sequential::add`] or with the [`sequential!`](crate::sequential) macro:
///
/// ```
/// use nn::{Linear, Module, ReLU, Sequential, Sigmoid, sequential};
/// use tensor::NumpyRng;
///
/// let mut rng = NumpyRng::new(42);
/// let a: Sequential<f64> = Sequential::new()
///     .add(Linear::new(2, 4, &mut rng)?)
///     .add(ReLU)
///     .add(Linear::new(4, 1, &mut rng)?)
///     .add(Sigmoid);
/// let b = sequential![Linear::<f64>::new(2, 4, &mut rng)?, ReLU, Linear::new(4, 1, &mut rng)?, Sigmoid];
/// assert_eq!(a.to_string(), "Sequential(Linear(2 -> 4), ReLU, Linear(4 -> 1), Sigmoid)");
/// assert_eq!(a.to_string(), b.to_string());
/// let names: Vec<String> = a.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
/// # Ok::<(), tensor::Error>(())
/// ```
pub struct Sequential<T: Float = f32> {
    layers: Vec<Box<dyn Module<T>>>,
}

impl<T: Float> Sequential<T> {
    /// An empty model (the identity).
    pub fn new() -> Sequential<T> {
        Sequential { layers: Vec::new() }
    }

    /// The model with `layer` appended (builder style).
    #[allow(clippy::should_implement_trait)] // a builder step, not `+`
    pub fn add(mut self, layer: impl Module<T> + 'static) -> Sequential<T> {
        self.push(layer);
        self
    }

    /// Appends `layer`.
    pub fn push(&mut self, layer: impl Module<T> + 'static) {
        self.layers.push(Box::new(layer));
    }

    /// The number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// `true` if there are no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// Layer `i`.
    pub fn get(&self, i: usize) -> Option<&dyn Module<T>> {
        self.layers.get(i).map(|l| &**l)
    }
}

impl<T: Float> Default for Sequential<T> {
    fn default() -> Self {
        Sequential::new()
    }
}

impl<T: Float> Module<T> for Sequential<T> {
    /// Each layer's output feeds the next. In anomaly mode each layer runs in a module scope
    /// named `layer {i} ({description})`, so an error names the layer, its input and its
    /// parameters; with anomaly mode off the scope costs nothing (no string is made).
    fn forward(&self, x: &Var<T>) -> Result<Var<T>> {
        let tape = x.tape().clone();
        let mut h = x.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            let _scope = tape.module_scope(|| format!("layer {i} ({})", layer.describe()), &h);
            h = layer.forward(&h)?;
        }
        Ok(h)
    }

    fn parameters(&self) -> Vec<&Param<T>> {
        self.layers.iter().flat_map(|l| l.parameters()).collect()
    }

    fn parameters_mut(&mut self) -> Vec<&mut Param<T>> {
        self.layers
            .iter_mut()
            .flat_map(|l| l.parameters_mut())
            .collect()
    }

    fn named_parameters(&self) -> Vec<(String, &Param<T>)> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| {
                l.named_parameters()
                    .into_iter()
                    .map(move |(n, p)| (format!("{i}.{n}"), p))
            })
            .collect()
    }

    fn describe(&self) -> String {
        let inner: Vec<String> = self.layers.iter().map(|l| l.describe()).collect();
        format!("Sequential({})", inner.join(", "))
    }
}

impl<T: Float> fmt::Display for Sequential<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl<T: Float> fmt::Debug for Sequential<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A [`Sequential`] of the given layers, in order: PyTorch's `nn.Sequential(a, b, c)`.
///
/// The element type comes from a layer (`Linear::<f64>::new`) or from an annotation:
/// `let model: Sequential = ...` is `f32`, the default.
///
/// ```
/// use nn::{Linear, Module, ReLU, Sequential, Softmax, sequential};
/// use tensor::NumpyRng;
///
/// let mut rng = NumpyRng::new(0);
/// let model: Sequential = sequential![
///     Linear::new(2, 16, &mut rng)?,
///     ReLU,
///     Linear::new(16, 3, &mut rng)?,
///     Softmax(1),
/// ];
/// assert_eq!(model.len(), 4);
/// assert_eq!(model.num_parameters(), 2 * 16 + 16 + 16 * 3 + 3);
/// # Ok::<(), tensor::Error>(())
/// ```
#[macro_export]
macro_rules! sequential {
    ($($layer:expr),* $(,)?) => {
        $crate::Sequential::new()$(.add($layer))*
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{Linear, ReLU, Tanh};
    use autograd::Tape;
    use tensor::{NumpyRng, Tensor};

    #[test]
    fn forward_applies_the_layers_in_order() {
        // Linear(1 -> 1) with w = -2, b = 1, then ReLU: x = [0, 1] -> [1, -1] -> [1, 0].
        let lin = |w: f64, b: f64| {
            Linear::from_tensors(
                Tensor::from_vec(vec![w], &[1, 1]).unwrap(),
                Tensor::from_vec(vec![b], &[1, 1]).unwrap(),
            )
            .unwrap()
        };
        let relu_after = sequential![lin(-2.0, 1.0), ReLU];
        let x = Tensor::from_vec(vec![0.0, 1.0], &[2, 1]).unwrap();
        assert_eq!(relu_after.predict(&x).unwrap().to_vec(), vec![1.0, 0.0]);
        // The other order: ReLU first leaves x = [0, 1], then [1, -1].
        let relu_first = sequential![ReLU, lin(-2.0, 1.0)];
        assert_eq!(relu_first.predict(&x).unwrap().to_vec(), vec![1.0, -1.0]);
        let empty = Sequential::<f64>::new();
        assert_eq!(empty.predict(&x).unwrap().to_vec(), vec![0.0, 1.0]);
    }

    #[test]
    fn parameters_are_listed_layer_by_layer_and_settable() {
        let mut rng = NumpyRng::new(1);
        let mut m = sequential![
            Linear::<f64>::new(3, 2, &mut rng).unwrap(),
            Tanh,
            Linear::new(2, 1, &mut rng).unwrap()
        ];
        let shapes: Vec<Vec<usize>> = m.parameters().iter().map(|p| p.shape().to_vec()).collect();
        assert_eq!(shapes, vec![vec![3, 2], vec![1, 2], vec![2, 1], vec![1, 1]]);
        let values: Vec<Tensor<f64>> = shapes
            .iter()
            .map(|s| Tensor::full(s, 0.5).unwrap())
            .collect();
        m.set_parameters(&values).unwrap();
        assert!(
            m.parameter_values()
                .iter()
                .all(|v| v.to_vec().iter().all(|&x| x == 0.5))
        );
        let tape = Tape::new();
        let y = m
            .forward(&tape.constant(Tensor::zeros(&[4, 3]).unwrap()))
            .unwrap();
        assert_eq!(y.shape(), &[4, 1]);
    }
}
