//! The neuron example against the lesson's program run under NumPy (`tests/golden/`): its
//! stdout, and its autograd gradients against the analytic ones NumPy computed.

#[allow(dead_code)]
#[path = "../examples/neuron.rs"]
mod neuron;

mod common;

use common::{Golden, assert_lines_in_order, golden_lines, max_diff};
use tensor::Tensor;

#[test]
fn neuron_prints_the_lessons_lines_and_its_gradients_match_numpys_analytic_ones() {
    let golden = Golden::load("neuron.json");
    let mut out = Vec::new();
    let r = neuron::run(&mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_lines_in_order(&out, &golden_lines("neuron.stdout"));
    let scalar = |v: f64| Tensor::from_vec(vec![v], &[1]).unwrap();
    let (dw, db, dx) = &r.autograd;
    let checks = [
        ("z", scalar(r.z)),
        ("a", scalar(r.a)),
        ("da_dw", dw.clone()),
        ("da_db", scalar(*db)),
        ("da_dx", dx.clone()),
    ];
    for (name, ours) in checks {
        let d = max_diff(name, &ours, &golden.array(name));
        assert!(d <= 1e-12, "{name} differs from NumPy's by {d:e}");
    }
    assert!(r.max_diff <= 1e-12);
    assert!(out.contains(": PASS"));
}
