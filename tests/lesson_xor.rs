//! The XOR example against the lesson's program run under NumPy (`tests/golden/`): every loss,
//! the autograd gradients at the traced epochs and the final weights within 1e-12, the lesson's
//! stdout lines in order, character for character, and a passing autograd-vs-manual check at
//! every one of the 10,000 epochs.

#[allow(dead_code)]
#[path = "../examples/xor.rs"]
mod xor;

mod common;

use common::{Golden, assert_lines_in_order, assert_trace_matches, golden_lines};

/// Runs the example configured like the golden trace; checks every traced array.
fn run_like(golden_name: &str) -> (xor::Report, String) {
    let golden = Golden::load(golden_name);
    let mut config = xor::lesson_config();
    config.seed = golden.meta_f64("seed") as u32;
    config.grad_epochs = golden.grad_epochs();
    let mut out = Vec::new();
    let report = xor::run(&config, &mut out).unwrap();
    assert_trace_matches(golden_name, |name| report.lesson.trace.get(name));
    // Autograd agreed with the lesson's manual backprop at every epoch.
    assert_eq!(report.lesson.check.epochs, 10_000);
    assert!(
        report.lesson.check.passed(),
        "{}",
        report.lesson.check.summary()
    );
    (report, String::from_utf8(out).unwrap())
}

#[test]
fn seed_42_matches_numpy_and_explains_its_dead_unit_and_stall() {
    let (report, out) = run_like("xor_seed42.json");
    assert_lines_in_order(&out, &golden_lines("xor_seed42.stdout"));
    assert!(!report.learned);
    // Unit 1 starts with both input weights negative and a zero bias, so z <= 0 on all four
    // inputs: NumPy's trace shows its column of W1 unchanged after 10,000 epochs.
    assert_eq!(report.lesson.dead, vec![false, true, false, false]);
    assert_eq!(report.lesson.zero_grad, vec![false, true, false, false]);
    // On [0 0], [0 1], [1 0] every unit is off, so those three get one output, whose best value
    // for targets 0, 1, 1 is 2/3; the loss floor is (4/9 + 1/9 + 1/9) / 4 = 1/6.
    assert!(
        out.contains("On [0 0], [0 1], [1 0] every hidden unit is off"),
        "{out}"
    );
    assert!(out.contains("is their mean, 0.6667, which leaves a loss of at least 0.166667"));
    // The comparison run is seed 1 and learns (NumPy's xor_seed1.json ends at loss 8.9e-5).
    let (seed, demo) = report.demo.as_ref().unwrap();
    assert_eq!(*seed, 1);
    assert!(demo.learned(&xor::xor_data().unwrap().1));
    assert!(report.passed());
}

#[test]
fn seed_1_matches_numpy_and_needs_no_explanation() {
    let (report, out) = run_like("xor_seed1.json");
    assert_lines_in_order(&out, &golden_lines("xor_seed1.stdout"));
    assert!(report.learned && report.demo.is_none());
}

#[test]
fn the_trace_flag_does_not_change_what_is_printed() {
    let mut config = xor::lesson_config();
    config.epochs = 50;
    let mut plain = Vec::new();
    xor::run(&config, &mut plain).unwrap();
    config.trace = Some(std::env::temp_dir().join("tapegrad-xor-trace-test.json"));
    let mut traced = Vec::new();
    xor::run(&config, &mut traced).unwrap();
    assert_eq!(plain, traced);
}

#[test]
fn flags_set_seed_lr_epochs_and_hidden_and_the_trace_follows_numpy() {
    // NumPy reference: make_golden.py OUT --xor 3 0.3 500 8 (traced epochs 0 1 2 10 100 250 499).
    let args = [
        "--seed", "3", "--lr=0.3", "--epochs", "500", "--hidden", "8",
    ]
    .map(String::from);
    let config = xor::common::Config::from_args("xor", xor::lesson_config(), args)
        .unwrap()
        .unwrap();
    let golden = Golden::load("xor_seed3_lr0.3_e500_h8.json");
    assert_eq!(config.grad_epochs, golden.grad_epochs());
    let report = xor::run(&config, &mut Vec::new()).unwrap();
    assert_trace_matches("xor_seed3_lr0.3_e500_h8.json", |name| {
        report.lesson.trace.get(name)
    });
    assert!(report.passed());
    // The JSON written by --trace holds the same numbers, in the golden files' schema.
    let path = std::env::temp_dir().join(format!("tapegrad-xor-{}.json", std::process::id()));
    report.lesson.trace.write(&path).unwrap();
    let written = Golden::load_path(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(written.meta["grad_epochs"], golden.meta["grad_epochs"]);
    for name in golden.names() {
        let d = report
            .lesson
            .trace
            .get(name)
            .unwrap()
            .max_abs_diff(&written.array(name))
            .unwrap();
        assert!(d <= 1e-15, "{name}: {d:e}");
    }
}
