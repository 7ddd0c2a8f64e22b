//! The lesson examples' shared pieces: flag parsing (defaults, each flag, clear errors), the
//! traced epochs, and the gradient-check bookkeeping.

#[path = "../examples/common/mod.rs"]
mod lesson;

use lesson::{Config, GradCheck, grad_epochs};
use tensor::Tensor;

fn parse(args: &[&str]) -> Result<Option<Config>, String> {
    Config::from_args(
        "xor",
        Config::lesson(0.5, 10_000, 4),
        args.iter().map(|s| s.to_string()),
    )
}

#[test]
fn no_flags_keep_the_lessons_settings() {
    let c = parse(&[]).unwrap().unwrap();
    assert_eq!((c.seed, c.lr, c.epochs, c.hidden), (42, 0.5, 10_000, 4));
    assert_eq!(c.trace, None);
    assert_eq!(c.grad_epochs, vec![0, 1, 2, 10, 100, 5000, 9999]);
}

#[test]
fn each_flag_sets_its_field_in_either_spelling() {
    let c = parse(&[
        "--seed",
        "7",
        "--lr=0.25",
        "--epochs",
        "300",
        "--hidden=16",
        "--trace",
        "t.json",
    ])
    .unwrap()
    .unwrap();
    assert_eq!((c.seed, c.lr, c.epochs, c.hidden), (7, 0.25, 300, 16));
    assert_eq!(c.trace.as_deref(), Some(std::path::Path::new("t.json")));
    assert_eq!(c.grad_epochs, vec![0, 1, 2, 10, 100, 150, 299]);
    assert_eq!(
        parse(&["--seed", "4294967295"]).unwrap().unwrap().seed,
        u32::MAX
    );
    assert_eq!(parse(&["--help"]).unwrap(), None);
}

#[test]
fn bad_flags_are_clear_errors() {
    let cases: [(&[&str], &str); 10] = [
        (&["--sed", "1"], "unknown argument '--sed'"),
        (&["42"], "unknown argument '42'"),
        (&["--seed"], "--seed needs a value"),
        (
            &["--seed", "-1"],
            "--seed expects an integer in 0..2^32, got '-1'",
        ),
        (&["--seed", "4294967296"], "--seed expects an integer"),
        (&["--lr", "0"], "--lr expects a positive number, got '0'"),
        (&["--lr", "nan"], "--lr expects a positive number"),
        (&["--lr", "inf"], "--lr expects a positive number"),
        (
            &["--epochs", "0"],
            "--epochs expects a positive integer, got '0'",
        ),
        (
            &["--hidden", "four"],
            "--hidden expects a positive integer, got 'four'",
        ),
    ];
    for (args, want) in cases {
        let e = parse(args).unwrap_err();
        assert!(e.starts_with("xor: ") && e.contains(want), "{args:?}: {e}");
    }
}

#[test]
fn traced_epochs_stay_inside_short_runs() {
    assert_eq!(grad_epochs(1), vec![0]);
    assert_eq!(grad_epochs(3), vec![0, 1, 2]);
    assert_eq!(grad_epochs(20), vec![0, 1, 2, 10, 19]);
}

#[test]
fn the_check_keeps_the_worst_difference_and_fails_on_nan() {
    let t = |v: f64| Tensor::from_vec(vec![v], &[1]).unwrap();
    let mut c = GradCheck::default();
    c.compare("dW1", 0, &t(1.0), &t(1.0 + 1e-15)).unwrap();
    c.compare("db1", 3, &t(1.0), &t(1.0)).unwrap();
    assert!(c.passed());
    assert_eq!(c.worst, Some(("dW1".to_string(), 0)));
    c.compare("dW2", 5, &t(0.0), &t(2e-12)).unwrap();
    assert!(!c.passed());
    c.compare("db2", 6, &t(f64::NAN), &t(0.0)).unwrap();
    c.compare("dW1", 7, &t(0.0), &t(1.0)).unwrap();
    assert!(c.max_diff.is_nan() && !c.passed());
    assert_eq!(c.worst, Some(("db2".to_string(), 6)));
    assert!(
        c.compare("dW1", 8, &t(0.0), &Tensor::zeros(&[2]).unwrap())
            .is_err()
    );
}
