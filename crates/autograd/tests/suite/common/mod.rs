//! Helpers shared by the gradcheck property tests.

#![allow(dead_code, clippy::unwrap_used)]

use autograd::{GradcheckOptions, Result, Tensor, Var, gradcheck};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// Cases per property: the issue asks for at least 256 per op.
pub const CASES: u32 = 256;

/// Shapes of rank 0 to 3 with dimensions 0 to 5, as the issue asks.
pub const RANK: std::ops::RangeInclusive<usize> = 0..=3;
pub const DIM: std::ops::RangeInclusive<usize> = 0..=5;

/// `gradcheck` with the project's tolerances (eps 1e-6, |a - n| <= 1e-7 + 1e-5 |n|), as a
/// proptest assertion that prints the report on failure.
pub fn check(
    f: impl Fn(&[Var<f64>]) -> Result<Var<f64>>,
    inputs: &[Tensor<f64>],
) -> std::result::Result<(), TestCaseError> {
    let report = gradcheck(f, inputs, &GradcheckOptions::default())
        .map_err(|e| TestCaseError::fail(format!("f failed: {e}")))?;
    prop_assert!(report.passed(), "{report}");
    Ok(())
}

/// The broadcast shape of two shapes (which must broadcast).
pub fn broadcast(a: &[usize], b: &[usize]) -> Vec<usize> {
    tensor::shape::broadcast_shapes("test", a, b)
        .unwrap()
        .to_vec()
}

/// The smallest |a - b| over the broadcast of two tensors (infinity if empty).
pub fn min_gap(a: &Tensor<f64>, b: &Tensor<f64>) -> f64 {
    let d = a.sub(b).unwrap().abs().to_vec();
    d.into_iter().fold(f64::INFINITY, f64::min)
}
