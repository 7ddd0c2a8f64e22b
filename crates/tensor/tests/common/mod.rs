//! A naive n-d array used as the reference the tensor ops are checked against: row-major data,
//! element lookup by an explicit odometer, no strides, no sharing, no cleverness.

#![allow(dead_code)]

use proptest::prelude::*;
use proptest::test_runner::Config;
use tensor::Tensor;

/// Proptest settings: `cases` normally; a handful under Miri, which runs ~1000x slower and
/// cannot write proptest's regression files.
pub fn config(cases: u32) -> Config {
    if cfg!(miri) {
        Config {
            cases: 3,
            failure_persistence: None,
            ..Config::default()
        }
    } else {
        Config::with_cases(cases)
    }
}

/// Row-major reference array.
#[derive(Clone, Debug)]
pub struct Naive {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

impl Naive {
    pub fn of(t: &Tensor<f64>) -> Naive {
        Naive {
            shape: t.shape().to_vec(),
            data: t.to_vec(),
        }
    }

    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Multi-index of flat position `flat`.
    pub fn unravel(shape: &[usize], mut flat: usize) -> Vec<usize> {
        let mut idx = vec![0; shape.len()];
        for ax in (0..shape.len()).rev() {
            idx[ax] = flat % shape[ax];
            flat /= shape[ax];
        }
        idx
    }

    pub fn at(&self, idx: &[usize]) -> f64 {
        let mut flat = 0;
        for (i, d) in idx.iter().zip(&self.shape) {
            assert!(i < d);
            flat = flat * d + i;
        }
        self.data[flat]
    }

    /// The element a broadcast to `out_shape` reads at output index `idx` (NumPy's rule:
    /// align on the right, a size-1 dimension repeats).
    pub fn at_broadcast(&self, idx: &[usize]) -> f64 {
        let lead = idx.len() - self.shape.len();
        let mine: Vec<usize> = self
            .shape
            .iter()
            .enumerate()
            .map(|(i, &d)| if d == 1 { 0 } else { idx[lead + i] })
            .collect();
        self.at(&mine)
    }
}

/// The broadcast shape by the textbook rule, or `None`.
pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let pad = |s: &[usize]| -> Vec<usize> {
        std::iter::repeat_n(1, n - s.len())
            .chain(s.iter().copied())
            .collect()
    };
    let (a, b) = (pad(a), pad(b));
    a.iter()
        .zip(&b)
        .map(|(&x, &y)| match (x, y) {
            _ if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// Shapes of rank 0..=4 with dimensions 0..=4.
pub fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..=4, 0..=4)
}

/// A pair of shapes that broadcast together: a common output shape, from which each operand
/// drops some leading axes and turns some dimensions into 1.
pub fn broadcast_pair() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    shape().prop_flat_map(|out| {
        let n = out.len();
        let operand = move |out: Vec<usize>| {
            (0..=n, prop::collection::vec(any::<bool>(), n)).prop_map(move |(drop, ones)| {
                out.iter()
                    .zip(&ones)
                    .skip(drop)
                    .map(|(&d, &one)| if one { 1 } else { d })
                    .collect::<Vec<_>>()
            })
        };
        (operand(out.clone()), operand(out))
    })
}

/// A tensor of `shape` with small integer values (sums and products of them are exact).
pub fn int_tensor(shape: Vec<usize>) -> impl Strategy<Value = Tensor<f64>> {
    let n: usize = shape.iter().product();
    prop::collection::vec(-8i32..=8, n).prop_map(move |v| {
        Tensor::from_vec(v.into_iter().map(f64::from).collect(), &shape).unwrap()
    })
}

/// A tensor of `shape` with values in [-4, 4), some negative zeros and NaNs excluded.
pub fn real_tensor(shape: Vec<usize>) -> impl Strategy<Value = Tensor<f64>> {
    let n: usize = shape.iter().product();
    prop::collection::vec(-4.0f64..4.0, n).prop_map(move |v| Tensor::from_vec(v, &shape).unwrap())
}

/// Bitwise comparison of element lists (so -0.0 vs 0.0 and NaN payloads count).
pub fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}
