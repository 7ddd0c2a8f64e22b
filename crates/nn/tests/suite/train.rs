//! The training loop, the learning-rate schedules and the stratified split, against values
//! computed by hand (and PyTorch's definitions of the schedules).

use std::cell::RefCell;

use autograd::{Gradients, Var};
use nn::loss::mse;
use nn::metrics::accuracy;
use nn::optim::{Optimizer, Sgd};
use nn::train::{
    Control, CosineAnnealingLR, ExponentialLR, LrSchedule, Progress, StepLR, Trainer,
    stratified_split,
};
use nn::{Linear, Module, Param};
use tensor::{Error, NumpyRng, Result, Tensor};

fn close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        // Products of a few f64 factors: within a few ulps of the decimal value.
        assert!(
            (x - y).abs() <= 1e-15 * y.abs().max(1e-300),
            "{a:?} vs {b:?}"
        );
    }
}

#[test]
fn step_lr_decays_by_gamma_every_step_size_epochs() {
    // torch: StepLR(opt(lr=0.1), step_size=3, gamma=0.1), lr after e calls to step().
    let s = StepLR::new(3, 0.1).unwrap();
    let got: Vec<f64> = (0..7).map(|e| s.lr(0.1, e)).collect();
    close(&got, &[0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001]);
    assert!(StepLR::new(0, 0.1).is_err());
    assert!(StepLR::new(1, f64::NAN).is_err());
    assert!(StepLR::new(1, 0.0).is_err());
}

#[test]
fn exponential_lr_multiplies_by_gamma_each_epoch() {
    let s = ExponentialLR::new(0.9).unwrap();
    let got: Vec<f64> = (0..4).map(|e| s.lr(2.0, e)).collect();
    close(&got, &[2.0, 1.8, 1.62, 1.458]);
    assert!(ExponentialLR::new(-0.5).is_err());
}

#[test]
fn cosine_annealing_follows_half_a_cosine_to_eta_min_and_back() {
    // torch: CosineAnnealingLR(opt(lr=0.1), T_max=10, eta_min=0.001).
    // cos(pi/5) = (1 + sqrt 5) / 4, so epoch 2 is 0.001 + 0.099 (1 + cos(pi/5)) / 2.
    let s = CosineAnnealingLR::new(10, 0.001).unwrap();
    let cos_36 = (1.0 + 5f64.sqrt()) / 4.0;
    let want = [
        (0, 0.1),
        (2, 0.001 + 0.099 * (1.0 + cos_36) / 2.0),
        (5, 0.0505), // halfway: the mean of 0.1 and 0.001
        (10, 0.001),
        (15, 0.0505), // past T_max the cosine rises again, as PyTorch's does
        (20, 0.1),
    ];
    for (epoch, lr) in want {
        let got = s.lr(0.1, epoch);
        assert!((got - lr).abs() < 1e-15, "epoch {epoch}: {got} vs {lr}");
    }
    assert!(CosineAnnealingLR::new(0, 0.0).is_err());
    assert!(CosineAnnealingLR::new(5, -1.0).is_err());
}

/// An optimizer that only records the learning rate of each step.
#[derive(Default)]
struct Recorder {
    lr: f64,
    steps: Vec<f64>,
}

impl Optimizer<f64> for Recorder {
    fn step_params(&mut self, _: Vec<&mut Param<f64>>, _: &Gradients<f64>) -> Result<()> {
        self.steps.push(self.lr);
        Ok(())
    }
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
}

/// `x = [[0], [1], ..., [n-1]]`, `y = 2x`, and a 1-1 linear model with w = 1, b = 0.
fn line(n: usize) -> (Tensor<f64>, Tensor<f64>, Linear<f64>) {
    let x = Tensor::<f64>::arange(0.0, n as f64, 1.0)
        .unwrap()
        .reshape(&[n, 1])
        .unwrap();
    let y = x.mul_scalar(2.0);
    let model =
        Linear::from_tensors(Tensor::ones(&[1, 1]).unwrap(), Tensor::zeros(&[1]).unwrap()).unwrap();
    (x, y, model)
}

#[test]
fn batches_follow_numpys_permutation_of_the_seed_and_cover_every_row() {
    let (x, y, mut model) = line(10);
    let seen = RefCell::new(Vec::new());
    let record = |out: &Var<f64>, target: &Tensor<f64>| {
        // y = 2 * row index: the targets name the rows of the batch.
        seen.borrow_mut().push(
            target
                .to_vec()
                .iter()
                .map(|v| (*v / 2.0) as usize)
                .collect::<Vec<_>>(),
        );
        mse(out, target)
    };
    let mut opt = Recorder {
        lr: 0.1,
        ..Recorder::default()
    };
    Trainer::new(2, 4)
        .seed(7)
        .progress(Progress::Quiet)
        .fit(&mut model, &mut opt, record, &x, &y)
        .unwrap();
    let mut rng = NumpyRng::new(7);
    let mut want = Vec::new();
    for _ in 0..2 {
        let perm = rng.permutation(10);
        want.extend(perm.chunks(4).map(|c| c.to_vec()));
    }
    assert_eq!(*seen.borrow(), want); // batches of 4, 4, 2, twice
    assert_eq!(opt.steps.len(), 6);
}

#[test]
fn the_epoch_loss_is_the_mean_over_all_rows_and_validation_is_evaluated() {
    // Sgd with lr 0 never moves the model: every epoch's loss is mean((x - 2x)^2) = mean(x^2)
    // over 0..9 = 285 / 10, whatever the batches.
    let (x, y, mut model) = line(10);
    let (xv, yv, _) = line(3); // mean(x^2) over 0, 1, 2 = 5 / 3
    let history = Trainer::new(3, 3)
        .validation(&xv, &yv)
        .progress(Progress::Quiet)
        .fit(&mut model, &mut Sgd::new(0.0), mse, &x, &y)
        .unwrap();
    for r in &history.epochs {
        assert!((r.loss() - 28.5).abs() < 1e-12, "{r:?}");
        assert!((r.validation_metric("loss").unwrap() - 5.0 / 3.0).abs() < 1e-12);
    }
    assert_eq!(history.series("val_loss").len(), 3);
    // `evaluate` on its own: the same numbers, in chunks of the batch size (3 + 3 + 3 + 1).
    let eval = Trainer::<f64>::new(1, 3)
        .evaluate(&model, mse, &x, &y)
        .unwrap();
    assert_eq!(eval.len(), 1);
    assert_eq!(eval[0].0, "loss");
    assert!((eval[0].1 - 28.5).abs() < 1e-12, "{eval:?}");
    assert_eq!(history.series("lr"), vec![0.0; 3]);
}

#[test]
fn accuracy_is_recorded_for_training_and_validation() {
    // A fixed model (lr 0) whose logits are the inputs themselves: rows [1, 0] are class 0.
    let x = Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0], &[4, 2]).unwrap();
    let y = nn::data::one_hot::<f64>(&[0, 1, 1, 0], 2).unwrap(); // 3 of 4 right
    let mut model = Linear::from_tensors(
        Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[2, 2]).unwrap(),
        Tensor::zeros(&[2]).unwrap(),
    )
    .unwrap();
    let trainer = Trainer::new(1, 3)
        .metric("accuracy", accuracy)
        .validation(&x.narrow(0, 0, 2).unwrap(), &y.narrow(0, 0, 2).unwrap())
        .progress(Progress::Quiet);
    let history = trainer
        .fit(&mut model, &mut Sgd::new(0.0), mse, &x, &y)
        .unwrap();
    assert_eq!(history.series("accuracy"), vec![0.75]);
    assert_eq!(history.series("val_accuracy"), vec![1.0]);
}

#[test]
fn the_schedule_sets_each_epochs_rate_and_a_callback_can_change_it_or_stop() {
    let (x, y, mut model) = line(4);
    let mut opt = Recorder {
        lr: 0.8,
        ..Recorder::default()
    };
    let history = Trainer::new(10, 2)
        .schedule(StepLR::new(2, 0.5).unwrap())
        .progress(Progress::Quiet)
        .on_epoch_end(|record, history| {
            assert_eq!(history.last(), Some(record));
            match record.epoch {
                2 => Control::SetLr(0.1), // the new base of the schedule
                4 => Control::Stop,
                _ => Control::Continue,
            }
        })
        .fit(&mut model, &mut opt, mse, &x, &y)
        .unwrap();
    // Epochs 0-2 from base 0.8: 0.8, 0.8, 0.4; then base 0.1: epoch 3 0.05, epoch 4 0.025.
    let per_epoch = [0.8, 0.8, 0.4, 0.05, 0.025];
    close(&history.series("lr"), &per_epoch);
    let per_step: Vec<f64> = per_epoch.iter().flat_map(|&lr| [lr, lr]).collect();
    close(&opt.steps, &per_step);
    assert_eq!(history.len(), 5);
}

#[test]
fn lines_progress_writes_one_line_per_epoch() {
    let (x, y, mut model) = line(6);
    let mut out = Vec::new();
    Trainer::new(3, 4)
        .progress(Progress::Lines(Box::new(&mut out)))
        .fit(&mut model, &mut Sgd::new(0.0), mse, &x, &y)
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    // mean(x^2) over 0..5 = 55 / 6 = 9.1667
    assert!(
        lines[0].starts_with("Epoch   1 | loss 9.1667 | lr 0.0e0"),
        "{text}"
    );
    assert!(lines[2].starts_with("Epoch   3 |"), "{text}");
}

#[test]
fn bad_settings_and_data_are_clear_errors() {
    let (x, y, mut model) = line(4);
    let fit = |t: Trainer<'_, f64>, model: &mut Linear<f64>, y: &Tensor<f64>| {
        t.progress(Progress::Quiet)
            .fit(model, &mut Sgd::new(0.1), mse, &x, y)
            .unwrap_err()
            .to_string()
    };
    assert!(fit(Trainer::new(0, 2), &mut model, &y).contains("epochs"));
    assert!(fit(Trainer::new(1, 0), &mut model, &y).contains("batch_size"));
    let short = y.narrow(0, 0, 3).unwrap();
    let e = fit(Trainer::new(1, 2), &mut model, &short);
    assert!(
        e.contains("fit") && e.contains("[4, 1]") && e.contains("[3, 1]"),
        "{e}"
    );
    let e = fit(Trainer::new(1, 2).validation(&x, &short), &mut model, &y);
    assert!(e.contains("validation"), "{e}");
    let e = fit(
        Trainer::new(3, 2).on_epoch_end(|_, _| Control::SetLr(f64::NAN)),
        &mut model,
        &y,
    );
    assert!(e.contains("learning rate"), "{e}");
}

#[test]
fn a_diverging_loss_stops_training_with_an_error_naming_the_batch() {
    // lr 10 on y = 2x overshoots further each step until the loss overflows to infinity.
    let (x, y, mut model) = line(8);
    let e = Trainer::new(1000, 8)
        .progress(Progress::Quiet)
        .fit(&mut model, &mut Sgd::new(10.0), mse, &x, &y)
        .unwrap_err();
    match e {
        Error::NonFinite { ref location, .. } => {
            assert!(
                location.starts_with("epoch ") && location.ends_with(", batch 0"),
                "{e}"
            );
            assert!(e.to_string().contains("fit (the loss)"), "{e}");
        }
        e => panic!("{e}"),
    }
}

#[test]
fn stratified_split_keeps_each_class_share_as_hand_computed() {
    // The digits' class sizes. 360 = ceil(0.2 * 1797) test rows; class k gets
    // floor(c_k * 360 / 1797): [35, 36, 35, 36, 36, 36, 36, 35, 34, 36] = 355, and the 5 left
    // go to the largest remainders: classes 7 and 8 (.86), 0 and 3 (.66), then 1 (.46, the
    // lowest of the tied 1, 2, 5).
    let sizes = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];
    let labels: Vec<usize> = sizes
        .iter()
        .enumerate()
        .flat_map(|(k, &c)| std::iter::repeat_n(k, c))
        .collect();
    let s = stratified_split(&labels, 0.2, &mut NumpyRng::new(3)).unwrap();
    let count = |rows: &[usize], k: usize| rows.iter().filter(|&&i| labels[i] == k).count();
    let test: Vec<usize> = (0..10).map(|k| count(&s.test, k)).collect();
    assert_eq!(test, vec![36, 37, 35, 37, 36, 36, 36, 36, 35, 36]);
    assert_eq!(s.train.len(), 1437);
    let mut all: Vec<usize> = s.train.iter().chain(&s.test).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..1797).collect::<Vec<_>>()); // each row in exactly one part
    // Shuffled: the parts are not in class order; another seed holds out other rows.
    assert!(s.test.windows(2).any(|w| labels[w[0]] > labels[w[1]]));
    let other = stratified_split(&labels, 0.2, &mut NumpyRng::new(4)).unwrap();
    assert_ne!(other.test, s.test);
    assert!(stratified_split(&labels, 0.0, &mut NumpyRng::new(0)).is_err());
    assert!(stratified_split(&labels, 1.0, &mut NumpyRng::new(0)).is_err());
    assert!(stratified_split(&[0], 0.5, &mut NumpyRng::new(0)).is_err());
}

#[test]
fn the_trainer_learns_and_reproduces_itself_from_its_seed() {
    // y = 2x - 1 from 20 points: Sgd learns w ~ 2, b ~ -1, and the same seed gives the same
    // history bit for bit.
    let x = Tensor::<f64>::arange(0.0, 1.0, 0.05)
        .unwrap()
        .reshape(&[20, 1])
        .unwrap();
    let y = x.mul_scalar(2.0).add_scalar(-1.0);
    let run = |seed| {
        let mut model = Linear::from_tensors(
            Tensor::zeros(&[1, 1]).unwrap(),
            Tensor::zeros(&[1]).unwrap(),
        )
        .unwrap();
        let h = Trainer::new(200, 5)
            .seed(seed)
            .progress(Progress::Quiet)
            .fit(&mut model, &mut Sgd::new(0.3), mse, &x, &y)
            .unwrap();
        (h, model.parameter_values())
    };
    let (h1, w1) = run(1);
    let (h2, _) = run(1);
    let (h3, _) = run(2);
    assert_eq!(h1.series("loss"), h2.series("loss"));
    assert_ne!(h1.series("loss"), h3.series("loss"));
    assert!(h1.last().unwrap().loss() < 1e-6);
    assert!((w1[0].to_vec()[0] - 2.0).abs() < 1e-3 && (w1[1].to_vec()[0] + 1.0).abs() < 1e-3);
}

/// Records the gradients each step receives, in parameter order; never moves anything.
#[derive(Default)]
struct GradRecorder {
    seen: Vec<Vec<f64>>,
}

impl Optimizer<f64> for GradRecorder {
    fn step_params(&mut self, params: Vec<&mut Param<f64>>, grads: &Gradients<f64>) -> Result<()> {
        let g = params
            .iter()
            .flat_map(|p| grads.param(p.id()).unwrap().to_vec())
            .collect();
        self.seen.push(g);
        Ok(())
    }
    fn lr(&self) -> f64 {
        0.0
    }
    fn set_lr(&mut self, _: f64) {}
}

#[test]
fn gradients_are_clipped_before_the_step_as_pytorch_clips_them() {
    // One batch of x = 0..3, y = 2x, w = 1, b = 0: mse's gradients are
    // d/dw = mean(2 (x - 2x) x) = -2 mean(x^2) = -7, d/db = -2 mean(x) = -3, norm sqrt(58).
    let (x, y, mut model) = line(4);
    let mut opt = GradRecorder::default();
    Trainer::new(1, 4)
        .progress(Progress::Quiet)
        .fit(&mut model, &mut opt, mse, &x, &y)
        .unwrap();
    assert_eq!(opt.seen, vec![vec![-7.0, -3.0]]);

    // clip_grad_norm(1): each times 1 / (sqrt(58) + 1e-6), PyTorch's coefficient.
    let mut opt = GradRecorder::default();
    Trainer::new(1, 4)
        .clip_grad_norm(1.0)
        .progress(Progress::Quiet)
        .fit(&mut model, &mut opt, mse, &x, &y)
        .unwrap();
    let coef = 1.0 / (58f64.sqrt() + 1e-6);
    let got = &opt.seen[0];
    assert!(
        (got[0] + 7.0 * coef).abs() < 1e-15 && (got[1] + 3.0 * coef).abs() < 1e-15,
        "{got:?}"
    );
    // A norm already below max_norm is left alone.
    let mut opt = GradRecorder::default();
    Trainer::new(1, 4)
        .clip_grad_norm(100.0)
        .progress(Progress::Quiet)
        .fit(&mut model, &mut opt, mse, &x, &y)
        .unwrap();
    assert_eq!(opt.seen, vec![vec![-7.0, -3.0]]);

    // clip_grad_value(5): -7 becomes -5, -3 stays.
    let mut opt = GradRecorder::default();
    Trainer::new(1, 4)
        .clip_grad_value(5.0)
        .progress(Progress::Quiet)
        .fit(&mut model, &mut opt, mse, &x, &y)
        .unwrap();
    assert_eq!(opt.seen, vec![vec![-5.0, -3.0]]);

    // A negative bound is the clipping function's clear error.
    let e = Trainer::new(1, 4)
        .clip_grad_norm(-1.0)
        .progress(Progress::Quiet)
        .fit(&mut model, &mut GradRecorder::default(), mse, &x, &y)
        .unwrap_err();
    assert!(e.to_string().contains("clip_grad_norm"), "{e}");
}
