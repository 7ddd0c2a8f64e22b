//! Random tensors. Any `rand::Rng` works (samples through `rand_distr`); [`NumpyRng`]
//! reproduces NumPy's legacy `np.random.seed(n)` streams exactly, so the lesson's programs can
//! be rerun number for number. Both are a [`TensorRng`], the one thing the constructors need.

mod numpy;

pub use numpy::NumpyRng;

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::error::{Error, Result};
use crate::float::Float;
use crate::tensor::Tensor;

/// A source of the two distributions tensors are initialised from.
///
/// Implemented for every `rand::Rng` (via `rand_distr`) and for [`NumpyRng`] (NumPy's legacy
/// algorithms), so initialisers written once accept either.
pub trait TensorRng {
    /// One standard normal sample.
    fn next_normal(&mut self) -> f64;
    /// One sample uniform on `[low, high)`.
    fn next_uniform(&mut self, low: f64, high: f64) -> f64;
}

impl<R: Rng + ?Sized> TensorRng for R {
    fn next_normal(&mut self) -> f64 {
        StandardNormal.sample(self)
    }

    fn next_uniform(&mut self, low: f64, high: f64) -> f64 {
        // 53 random bits scaled to [0, 1), the same construction as NumPy's `random_sample`.
        let u = (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        low + (high - low) * u
    }
}

impl<T: Float> Tensor<T> {
    /// Standard normal samples (mean 0, variance 1), drawn in row-major order: with a
    /// [`NumpyRng`] this is NumPy's `np.random.randn(*shape)`.
    ///
    /// ```
    /// use tensor::{NumpyRng, Tensor};
    /// let mut rng = NumpyRng::new(42);
    /// let w = Tensor::<f64>::randn(&[2, 4], &mut rng)?.mul_scalar(0.5);
    /// // np.random.seed(42); np.random.randn(2, 4) * 0.5
    /// assert_eq!(w.get(&[0, 0])?, 0.24835707650561634);
    ///
    /// use rand::SeedableRng;
    /// let mut std_rng = rand::rngs::StdRng::seed_from_u64(0);
    /// assert_eq!(Tensor::<f32>::randn(&[3], &mut std_rng)?.len(), 3);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn randn<R: TensorRng + ?Sized>(shape: &[usize], rng: &mut R) -> Result<Tensor<T>> {
        Tensor::from_fn(shape, |_| T::from_f64(rng.next_normal()))
    }

    /// Samples uniform on `[low, high)`, in row-major order: with a [`NumpyRng`] this is
    /// NumPy's `np.random.uniform(low, high, shape)`.
    ///
    /// # Errors
    /// [`Error::Invalid`] unless `low <= high` and both are finite.
    pub fn rand_uniform<R: TensorRng + ?Sized>(
        shape: &[usize],
        low: T,
        high: T,
        rng: &mut R,
    ) -> Result<Tensor<T>> {
        if low > high || !low.is_finite() || !high.is_finite() {
            return Err(Error::Invalid {
                op: "rand_uniform",
                reason: format!("invalid range [{low}, {high})"),
            });
        }
        Tensor::from_fn(shape, |_| {
            T::from_f64(rng.next_uniform(low.to_f64(), high.to_f64()))
        })
    }
}
