//! Checkpoints resume exactly: N steps in one go equal, bit for bit, N/2 steps, a checkpoint,
//! a fresh model and optimizer (or a fresh process) loading it, and N/2 more. A checkpoint
//! that does not fit changes neither the model nor the optimizer.

use std::path::PathBuf;

use autograd::Tape;
use nn::io::{load_checkpoint, save_checkpoint, save_weights};
use nn::loss::mse;
use nn::optim::{Adam, Optimizer, Sgd, Stateful};
use nn::{Linear, Module, Sequential, Tanh, sequential};
use tensor::{Error, FileErrorKind as K, Float, NumpyRng, Tensor};

fn path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("checkpoint");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.safetensors"))
}

/// A 4-8-3 tanh network; another seed gives other weights (a fresh process would).
fn model<T: Float>(seed: u32) -> Sequential<T> {
    let mut rng = NumpyRng::new(seed);
    sequential![
        Linear::new(4, 8, &mut rng).unwrap(),
        Tanh,
        Linear::new(8, 3, &mut rng).unwrap()
    ]
}

fn data<T: Float>() -> (Tensor<T>, Tensor<T>) {
    let mut rng = NumpyRng::new(7);
    (
        rng.randn_tensor(&[16, 4]).unwrap(),
        rng.randn_tensor(&[16, 3]).unwrap(),
    )
}

fn train<T: Float, O: Optimizer<T>>(m: &mut Sequential<T>, opt: &mut O, steps: usize) {
    let (x, y) = data::<T>();
    for _ in 0..steps {
        let tape = Tape::new();
        let loss = mse(&m.forward(&tape.constant(x.clone())).unwrap(), &y).unwrap();
        opt.step(m, &loss.backward().unwrap()).unwrap();
    }
}

fn same_weights<T: Float>(a: &Sequential<T>, b: &Sequential<T>) -> bool {
    a.parameter_values()
        .iter()
        .zip(b.parameter_values())
        .all(|(x, y)| x.bitwise_eq(&y))
}

/// 100 steps straight against 50 + checkpoint + fresh model and optimizer + 50.
fn resumes_bitwise<T: Float, O: Optimizer<T> + Stateful<T>>(
    name: &str,
    opt: impl Fn() -> O,
    fresh: O,
) {
    let mut straight = model::<T>(1);
    let mut straight_opt = opt();
    train(&mut straight, &mut straight_opt, 100);

    let mut first = model::<T>(1);
    let mut first_opt = opt();
    train(&mut first, &mut first_opt, 50);
    let p = path(name);
    save_checkpoint(&p, &first, &first_opt).unwrap();
    drop((first, first_opt));

    let mut resumed = model::<T>(99);
    let mut resumed_opt = fresh;
    assert!(!same_weights(&resumed, &straight));
    load_checkpoint(&p, &mut resumed, &mut resumed_opt).unwrap();
    train(&mut resumed, &mut resumed_opt, 50);
    assert!(
        same_weights(&resumed, &straight),
        "{name}: the resumed run drifted"
    );
    assert_eq!(
        resumed_opt.state_dict(&resumed.named_parameters()),
        straight_opt.state_dict(&straight.named_parameters())
    );
}

#[test]
fn adam_100_steps_equal_50_a_checkpoint_and_50_more_bitwise() {
    resumes_bitwise::<f64, _>(
        "adam-f64",
        || Adam::new(0.01).weight_decay(1e-3),
        Adam::new(0.5),
    );
    resumes_bitwise::<f32, _>(
        "adam-f32",
        || Adam::new(0.01).betas(0.8, 0.99),
        Adam::new(0.5),
    );
}

#[test]
fn sgd_with_momentum_resumes_bitwise_too() {
    let sgd = || {
        Sgd::new(0.05)
            .momentum(0.9)
            .nesterov(true)
            .weight_decay(1e-4)
    };
    resumes_bitwise::<f64, _>("sgd-f64", sgd, Sgd::new(1.0));
}

#[test]
fn the_learning_rate_and_step_counts_are_restored() {
    let mut m = model::<f64>(1);
    let mut opt = Adam::new(0.01);
    train(&mut m, &mut opt, 3);
    opt.set_lr(0.0025); // a schedule changed it
    let p = path("lr");
    save_checkpoint(&p, &m, &opt).unwrap();
    let mut fresh = Adam::new(0.1);
    load_checkpoint(&p, &mut model::<f64>(5), &mut fresh).unwrap();
    assert_eq!(fresh.lr(), 0.0025);
    let state = fresh.state_dict(&m.named_parameters());
    assert!(
        state.params.is_empty(),
        "state keyed by another model's ids"
    );
    let mut m2 = model::<f64>(5);
    load_checkpoint(&p, &mut m2, &mut fresh).unwrap();
    let state = fresh.state_dict(&m2.named_parameters());
    assert_eq!(state.params.len(), 4);
    assert!(state.params.values().all(|s| s.step == 3));
}

/// The child half of the fresh-process test: run only by the test below.
#[test]
#[ignore = "run by a_fresh_process_resumes_a_checkpoint_exactly"]
fn resume_in_child_process() {
    let dir = PathBuf::from(std::env::var("TAPEGRAD_CKPT_DIR").expect("run by the parent test"));
    let mut m = model::<f64>(1234);
    let mut opt = Adam::new(0.9);
    load_checkpoint(dir.join("ckpt.safetensors"), &mut m, &mut opt).unwrap();
    train(&mut m, &mut opt, 50);
    save_weights(&m, dir.join("child.safetensors")).unwrap();
}

#[test]
fn a_fresh_process_resumes_a_checkpoint_exactly() {
    let dir = path("process").with_extension("");
    std::fs::create_dir_all(&dir).unwrap();
    let mut straight = model::<f64>(1);
    let mut straight_opt = Adam::new(0.01);
    train(&mut straight, &mut straight_opt, 50);
    save_checkpoint(dir.join("ckpt.safetensors"), &straight, &straight_opt).unwrap();
    train(&mut straight, &mut straight_opt, 50);

    // The child test's name as libtest knows it: this module's path without the crate's name.
    let child_test = match module_path!().split_once("::") {
        Some((_, module)) => format!("{module}::resume_in_child_process"),
        None => "resume_in_child_process".to_string(),
    };
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", &child_test, "--test-threads=1"])
        .env("TAPEGRAD_CKPT_DIR", &dir)
        .status()
        .unwrap();
    assert!(status.success());
    let child = nn::io::load_tensors(dir.join("child.safetensors")).unwrap();
    for (name, p) in straight.named_parameters() {
        assert!(
            child[&name].to::<f64>().bitwise_eq(p.value()),
            "{name} differs"
        );
    }
}

fn adam_state(m: &Sequential<f64>, opt: &Adam<f64>) -> nn::optim::OptimizerState<f64> {
    opt.state_dict(&m.named_parameters())
}

#[test]
fn a_checkpoint_that_does_not_fit_changes_neither_model_nor_optimizer() {
    let mut m = model::<f64>(1);
    let mut opt = Adam::new(0.01);
    train(&mut m, &mut opt, 2);
    let p = path("fits");
    save_checkpoint(&p, &m, &opt).unwrap();

    // Into a trained pair with another optimizer kind: the model part fits, the optimizer not.
    let mut target = model::<f64>(2);
    let mut sgd = Sgd::new(0.3).momentum(0.5);
    train(&mut target, &mut sgd, 2);
    let (weights, sgd_state) = (
        target.parameter_values(),
        sgd.state_dict(&target.named_parameters()),
    );
    let e = load_checkpoint(&p, &mut target, &mut sgd).unwrap_err();
    assert!(
        matches!(
            e,
            Error::File {
                kind: K::Metadata,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("adam optimizer, not sgd"), "{e}");
    assert!(
        target
            .parameter_values()
            .iter()
            .zip(&weights)
            .all(|(a, b)| a.bitwise_eq(b))
    );
    assert_eq!(sgd.state_dict(&target.named_parameters()), sgd_state);
    assert_eq!(sgd.lr(), 0.3);

    // Into a model of another shape: refused naming the tensor; the Adam state is kept.
    let mut rng = NumpyRng::new(3);
    let mut wide: Sequential<f64> = sequential![
        Linear::new(4, 9, &mut rng).unwrap(),
        Tanh,
        Linear::new(9, 3, &mut rng).unwrap()
    ];
    let mut adam = Adam::new(0.02);
    train(&mut wide, &mut adam, 1);
    let before = adam_state(&wide, &adam);
    let e = load_checkpoint(&p, &mut wide, &mut adam).unwrap_err();
    assert!(
        matches!(&e, Error::File { kind: K::ShapeMismatch, tensor: Some(t), .. } if t == "model.0.weight"),
        "{e}"
    );
    assert_eq!(adam_state(&wide, &adam), before);

    // A plain weights file is not a checkpoint.
    let w = path("plain");
    save_weights(&m, &w).unwrap();
    let e = load_checkpoint(&w, &mut model::<f64>(1), &mut Adam::new(0.1)).unwrap_err();
    assert!(e.to_string().contains("not a tapegrad checkpoint"), "{e}");
}

#[test]
fn a_misshapen_optimizer_buffer_is_named() {
    let mut m = model::<f64>(1);
    let mut opt = Adam::new(0.01);
    train(&mut m, &mut opt, 1);
    let p = path("buffer");
    save_checkpoint(&p, &m, &opt).unwrap();
    // Rewrite the file with one moment of the wrong shape, keeping the metadata.
    let mut file = nn::io::load_file(&p).unwrap();
    file.tensors.insert(
        "optim.exp_avg.2.bias".into(),
        Tensor::<f64>::zeros(&[3]).unwrap().into(),
    );
    nn::io::save_file(&p, &file).unwrap();
    let e = load_checkpoint(&p, &mut model::<f64>(1), &mut Adam::new(0.1)).unwrap_err();
    assert!(
        matches!(&e, Error::File { kind: K::ShapeMismatch, tensor: Some(t), .. } if t == "optim.exp_avg.2.bias"),
        "{e}"
    );
    assert!(e.to_string().contains("[3], the parameter [1, 3]"), "{e}");
}
