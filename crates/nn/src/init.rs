//! Weight initialisers for a weight laid out as the lesson lays it out: `[fan_in, fan_out]`
//! (inputs are rows, so a layer computes `x @ W + b`).
//!
//! Each takes any [`TensorRng`]: a seeded `rand` generator, or a [`tensor::NumpyRng`] to draw
//! exactly what NumPy's `np.random.seed(n)` programs draw. The formulas are PyTorch's
//! (`torch.nn.init`) with the fans read from our `[in, out]` layout:
//!
//! | init | distribution |
//! | --- | --- |
//! | the lesson's `randn * scale` | `N(0, scale^2)` |
//! | Xavier/Glorot normal | `N(0, 2 / (fan_in + fan_out))` |
//! | Xavier/Glorot uniform | `U(-a, a)`, `a = sqrt(6 / (fan_in + fan_out))` |
//! | He/Kaiming normal (ReLU gain) | `N(0, 2 / fan_in)` |
//! | He/Kaiming uniform (ReLU gain) | `U(-a, a)`, `a = sqrt(6 / fan_in)` |

use tensor::{Error, Float, Result, Tensor, TensorRng};

/// A rule for filling a new weight tensor.
///
/// ```
/// use nn::init::Init;
/// use tensor::NumpyRng;
///
/// // The lesson's `W1 = np.random.randn(2, 4) * 0.5` after `np.random.seed(42)`.
/// let mut rng = NumpyRng::new(42);
/// let w1 = Init::Randn { scale: 0.5 }.tensor::<f64, _>(&[2, 4], &mut rng)?;
/// assert_eq!(w1.get(&[0, 0])?, 0.24835707650561634);
/// # Ok::<(), tensor::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// All zeros (the lesson's biases).
    Zeros,
    /// The lesson's `np.random.randn(*shape) * scale`.
    Randn {
        /// The standard deviation.
        scale: f64,
    },
    /// Xavier/Glorot normal: `N(0, 2 / (fan_in + fan_out))`, for tanh and sigmoid layers.
    XavierNormal,
    /// Xavier/Glorot uniform: `U(-a, a)` with `a = sqrt(6 / (fan_in + fan_out))`.
    XavierUniform,
    /// He/Kaiming normal with the ReLU gain `sqrt(2)`: `N(0, 2 / fan_in)`.
    KaimingNormal,
    /// He/Kaiming uniform with the ReLU gain: `U(-a, a)` with `a = sqrt(6 / fan_in)`.
    KaimingUniform,
}

impl Init {
    /// A tensor of `shape` filled by this rule, samples drawn in row-major order.
    ///
    /// # Errors
    /// [`Error::Rank`] if a fan-based rule is given a shape that is not `[fan_in, fan_out]`,
    /// [`Error::Invalid`] for a non-finite `scale`, and the constructors' size errors.
    pub fn tensor<T: Float, R: TensorRng + ?Sized>(
        self,
        shape: &[usize],
        rng: &mut R,
    ) -> Result<Tensor<T>> {
        match self {
            Init::Zeros => Tensor::zeros(shape),
            Init::Randn { scale } => randn_scaled(shape, scale, rng),
            Init::XavierNormal => xavier_normal(shape, rng),
            Init::XavierUniform => xavier_uniform(shape, rng),
            Init::KaimingNormal => kaiming_normal(shape, rng),
            Init::KaimingUniform => kaiming_uniform(shape, rng),
        }
    }
}

/// `(fan_in, fan_out)` of a weight shaped `[fan_in, fan_out]`.
fn fans(op: &'static str, shape: &[usize]) -> Result<(f64, f64)> {
    match *shape {
        [fan_in, fan_out] => Ok((fan_in as f64, fan_out as f64)),
        _ => Err(Error::Rank {
            op,
            expected: "a 2-D weight shape [fan_in, fan_out]".into(),
            shape: shape.to_vec(),
        }),
    }
}

/// The lesson's initialiser: `np.random.randn(*shape) * scale`.
///
/// The product is taken in `T`; for `f64` this is NumPy's computation exactly.
///
/// # Errors
/// [`Error::Invalid`] if `scale` is not finite; the constructors' size errors.
///
/// ```
/// use tensor::NumpyRng;
/// let mut rng = NumpyRng::new(42);
/// let w = nn::init::randn_scaled::<f64, _>(&[2, 4], 0.5, &mut rng)?;
/// assert_eq!(w.get(&[0, 1])?, -0.06913215058559233); // -0.13826430117118466 * 0.5
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn randn_scaled<T: Float, R: TensorRng + ?Sized>(
    shape: &[usize],
    scale: f64,
    rng: &mut R,
) -> Result<Tensor<T>> {
    if !scale.is_finite() {
        return Err(Error::Invalid {
            op: "randn_scaled",
            reason: format!("scale must be finite, got {scale}"),
        });
    }
    Ok(Tensor::randn(shape, rng)?.mul_scalar(T::from_f64(scale)))
}

/// Standard normal samples times `std`, or zeros without drawing when the tensor is empty
/// (an empty fan would make `std` infinite).
fn normal<T: Float, R: TensorRng + ?Sized>(
    shape: &[usize],
    std: f64,
    rng: &mut R,
) -> Result<Tensor<T>> {
    if shape.contains(&0) {
        return Tensor::zeros(shape);
    }
    randn_scaled(shape, std, rng)
}

fn uniform<T: Float, R: TensorRng + ?Sized>(
    shape: &[usize],
    bound: f64,
    rng: &mut R,
) -> Result<Tensor<T>> {
    if shape.contains(&0) {
        return Tensor::zeros(shape);
    }
    Tensor::rand_uniform(shape, T::from_f64(-bound), T::from_f64(bound), rng)
}

/// Xavier/Glorot normal (Glorot & Bengio 2010): `N(0, 2 / (fan_in + fan_out))`, which keeps the
/// variance of activations and of gradients roughly constant through tanh/sigmoid layers.
///
/// # Errors
/// [`Error::Rank`] unless `shape` is `[fan_in, fan_out]`.
pub fn xavier_normal<T: Float, R: TensorRng + ?Sized>(
    shape: &[usize],
    rng: &mut R,
) -> Result<Tensor<T>> {
    let (fan_in, fan_out) = fans("xavier_normal", shape)?;
    normal(shape, (2.0 / (fan_in + fan_out)).sqrt(), rng)
}

/// Xavier/Glorot uniform: `U(-a, a)` with `a = sqrt(6 / (fan_in + fan_out))` (variance
/// `a^2 / 3 = 2 / (fan_in + fan_out)`, as [`xavier_normal`]).
///
/// # Errors
/// [`Error::Rank`] unless `shape` is `[fan_in, fan_out]`.
///
/// ```
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(7);
/// let w = nn::init::xavier_uniform::<f32, _>(&[3, 3], &mut rng)?;
/// assert!(w.to_vec().iter().all(|v| v.abs() < 1.0)); // a = sqrt(6 / 6) = 1
/// # Ok::<(), tensor::Error>(())
/// ```
pub fn xavier_uniform<T: Float, R: TensorRng + ?Sized>(
    shape: &[usize],
    rng: &mut R,
) -> Result<Tensor<T>> {
    let (fan_in, fan_out) = fans("xavier_uniform", shape)?;
    uniform(shape, (6.0 / (fan_in + fan_out)).sqrt(), rng)
}

/// He/Kaiming normal (He et al. 2015) with the ReLU gain: `N(0, 2 / fan_in)`. A ReLU zeroes
/// half its inputs on average, so twice Xavier's input variance keeps activations from
/// shrinking layer after layer.
///
/// # Errors
/// [`Error::Rank`] unless `shape` is `[fan_in, fan_out]`.
pub fn kaiming_normal<T: Float, R: TensorRng + ?Sized>(
    shape: &[usize],
    rng: &mut R,
) -> Result<Tensor<T>> {
    let (fan_in, _) = fans("kaiming_normal", shape)?;
    normal(shape, (2.0 / fan_in).sqrt(), rng)
}

/// He/Kaiming uniform with the ReLU gain: `U(-a, a)` with `a = sqrt(6 / fan_in)`.
///
/// # Errors
/// [`Error::Rank`] unless `shape` is `[fan_in, fan_out]`.
pub fn kaiming_uniform<T: Float, R: TensorRng + ?Sized>(
    shape: &[usize],
    rng: &mut R,
) -> Result<Tensor<T>> {
    let (fan_in, _) = fans("kaiming_uniform", shape)?;
    uniform(shape, (6.0 / fan_in).sqrt(), rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use tensor::NumpyRng;

    // What NumPy 2.4 prints for `np.random.seed(42); np.random.randn(3)` and for
    // `np.random.seed(42); np.random.random_sample(2)`.
    const RANDN_42: [f64; 3] = [0.4967141530112327, -0.13826430117118466, 0.6476885381006925];
    const SAMPLE_42: [f64; 2] = [0.3745401188473625, 0.9507143064099162];

    #[test]
    fn lesson_init_is_numpy_randn_times_scale() {
        let w = Init::Randn { scale: 0.5 }
            .tensor::<f64, _>(&[1, 3], &mut NumpyRng::new(42))
            .unwrap();
        let want: Vec<f64> = RANDN_42.iter().map(|v| v * 0.5).collect();
        assert_eq!(w.to_vec(), want);
    }

    #[test]
    fn xavier_and_kaiming_normal_scale_numpy_draws_by_the_formula() {
        // Shape [2, 4]: Xavier std = sqrt(2 / 6), Kaiming std = sqrt(2 / 2) = 1.
        let w = xavier_normal::<f64, _>(&[2, 4], &mut NumpyRng::new(42)).unwrap();
        assert_eq!(w.get(&[0, 0]).unwrap(), RANDN_42[0] * (1.0f64 / 3.0).sqrt());
        let w = kaiming_normal::<f64, _>(&[2, 4], &mut NumpyRng::new(42)).unwrap();
        assert_eq!(w.get(&[0, 2]).unwrap(), RANDN_42[2]);
    }

    #[test]
    fn xavier_and_kaiming_uniform_map_numpy_samples_onto_the_bounds() {
        // uniform(-a, a) = -a + 2a u. Shape [3, 3]: Xavier a = 1; Kaiming a = sqrt(2).
        let w = xavier_uniform::<f64, _>(&[3, 3], &mut NumpyRng::new(42)).unwrap();
        assert!((w.get(&[0, 0]).unwrap() - (-1.0 + 2.0 * SAMPLE_42[0])).abs() < 1e-15);
        let w = kaiming_uniform::<f64, _>(&[3, 3], &mut NumpyRng::new(42)).unwrap();
        let a = 2f64.sqrt();
        assert!((w.get(&[0, 1]).unwrap() - (-a + 2.0 * a * SAMPLE_42[1])).abs() < 1e-15);
    }

    /// Sample variance of `n` draws; for `n = 40_000` its relative standard error is
    /// `sqrt(2 / n) = 0.7%` (normal) or less (uniform), so a 5% band is > 7 sigma.
    fn sample_var(w: &Tensor<f64>) -> f64 {
        w.var().item().unwrap()
    }

    #[test]
    fn every_rule_has_its_variance_with_any_rand_generator() {
        let mut rng = StdRng::seed_from_u64(3);
        let (fan_in, fan_out) = (100.0, 400.0);
        let cases = [
            (Init::Randn { scale: 0.3 }, 0.09),
            (Init::XavierNormal, 2.0 / (fan_in + fan_out)),
            (Init::XavierUniform, 2.0 / (fan_in + fan_out)),
            (Init::KaimingNormal, 2.0 / fan_in),
            (Init::KaimingUniform, 2.0 / fan_in),
        ];
        for (init, want) in cases {
            let w = init.tensor::<f64, _>(&[100, 400], &mut rng).unwrap();
            let v = sample_var(&w);
            assert!(
                (v / want - 1.0).abs() < 0.05,
                "{init:?}: var {v}, want {want}"
            );
        }
        let a = (6.0f64 / 100.0).sqrt();
        let w = Init::KaimingUniform
            .tensor::<f64, _>(&[100, 400], &mut rng)
            .unwrap();
        assert!(w.to_vec().iter().all(|v| v.abs() < a));
    }

    #[test]
    fn bad_shapes_and_scales_are_errors_and_empty_fans_are_empty() {
        let mut rng = NumpyRng::new(0);
        let e = xavier_normal::<f32, _>(&[2, 3, 4], &mut rng).unwrap_err();
        assert!(e.to_string().contains("xavier_normal"), "{e}");
        assert!(kaiming_uniform::<f32, _>(&[5], &mut rng).is_err());
        assert!(randn_scaled::<f32, _>(&[2], f64::NAN, &mut rng).is_err());
        let w = kaiming_normal::<f32, _>(&[0, 3], &mut rng).unwrap();
        assert_eq!(w.shape(), &[0, 3]);
        assert_eq!(
            Init::Zeros
                .tensor::<f32, _>(&[1, 2], &mut rng)
                .unwrap()
                .to_vec(),
            vec![0.0; 2]
        );
    }
}
