//! The XOR example against the lesson's program run under NumPy (`tests/golden/`): every loss,
//! the gradients at the traced epochs and the final weights within 1e-12, and the lesson's
//! stdout lines, in order, character for character.

#[allow(dead_code)]
#[path = "../examples/xor.rs"]
mod xor;

mod common;

use common::{Golden, assert_lines_in_order, golden_lines, max_diff};

/// Runs the example configured like the golden trace and checks every traced array.
fn check_against_numpy(golden_name: &str) -> String {
    let golden = Golden::load(golden_name);
    let mut config = xor::lesson_config();
    config.seed = golden.meta_f64("seed") as u32;
    config.grad_epochs = golden.grad_epochs();
    let mut out = Vec::new();
    let report = xor::run(&config, &mut out).unwrap();
    let mut worst = (0.0, String::new());
    for name in golden.names() {
        let ours = report
            .trace
            .get(name)
            .unwrap_or_else(|| panic!("the example's trace has no {name}"));
        let d = max_diff(name, ours, &golden.array(name));
        if d > worst.0 {
            worst = (d, name.to_string());
        }
    }
    assert!(
        worst.0 <= 1e-12,
        "{golden_name}: {} differs by {:e}",
        worst.1,
        worst.0
    );
    String::from_utf8(out).unwrap()
}

#[test]
fn seed_42_matches_numpy_loss_gradients_weights_and_stdout() {
    let out = check_against_numpy("xor_seed42.json");
    assert_lines_in_order(&out, &golden_lines("xor_seed42.stdout"));
}

#[test]
fn seed_1_matches_numpy_loss_gradients_weights_and_stdout() {
    let out = check_against_numpy("xor_seed1.json");
    assert_lines_in_order(&out, &golden_lines("xor_seed1.stdout"));
}
