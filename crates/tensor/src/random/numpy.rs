//! NumPy's legacy random stream (`np.random.seed(n)`, `RandomState`), bit for bit: the MT19937
//! generator with NumPy's seeding, `random_sample`, the polar-method `randn` with its cached
//! second value, `uniform`, `randint` (masked rejection) and `permutation` (Fisher-Yates from the
//! end with masked rejection). Checked against vectors NumPy produced (`tests/numpy_rng.rs`).

use crate::error::{Error, Result};
use crate::float::Float;
use crate::random::TensorRng;
use crate::tensor::Tensor;

const N: usize = 624;
const M: usize = 397;

/// NumPy's legacy `RandomState`: MT19937 plus the Gaussian cache.
///
/// ```
/// use tensor::NumpyRng;
/// let mut rng = NumpyRng::new(42); // np.random.seed(42)
/// assert_eq!(rng.random_sample(), 0.3745401188473625); // np.random.random_sample()
/// ```
#[derive(Clone)]
pub struct NumpyRng {
    mt: [u32; N],
    pos: usize,
    gauss: Option<f64>,
}

impl std::fmt::Debug for NumpyRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NumpyRng")
            .field("pos", &self.pos)
            .field("gauss", &self.gauss)
            .finish_non_exhaustive()
    }
}

impl NumpyRng {
    /// The state after `np.random.seed(seed)` (NumPy's `mt19937_seed`, Knuth's initialiser).
    pub fn new(seed: u32) -> NumpyRng {
        let mut mt = [0u32; N];
        mt[0] = seed;
        for i in 1..N {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        NumpyRng {
            mt,
            pos: N,
            gauss: None,
        }
    }

    /// Regenerates the 624 words of state (the MT19937 "twist").
    fn twist(&mut self) {
        for i in 0..N {
            let y = (self.mt[i] & 0x8000_0000) | (self.mt[(i + 1) % N] & 0x7fff_ffff);
            let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
            self.mt[i] = self.mt[(i + M) % N] ^ (y >> 1) ^ mag;
        }
        self.pos = 0;
    }

    /// The next raw 32-bit output (tempered).
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= N {
            self.twist();
        }
        let mut y = self.mt[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// Two 32-bit outputs, high word first (NumPy's `next_uint64` for MT19937).
    pub fn next_u64(&mut self) -> u64 {
        let hi = u64::from(self.next_u32());
        (hi << 32) | u64::from(self.next_u32())
    }

    /// A double in `[0, 1)` from 53 random bits: `np.random.random_sample()`.
    pub fn random_sample(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// A standard normal sample: `np.random.randn()`. The polar method makes two samples per
    /// accepted pair; the second is cached and returned by the next call, as NumPy does.
    pub fn randn(&mut self) -> f64 {
        if let Some(g) = self.gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }

    /// `low + (high - low) * random_sample()`: `np.random.uniform(low, high)`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.random_sample()
    }

    /// A value in `[0, max]` by masked rejection (NumPy's `random_interval`).
    fn interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = u64::MAX >> max.leading_zeros();
        if max <= u64::from(u32::MAX) {
            loop {
                let v = u64::from(self.next_u32()) & mask;
                if v <= max {
                    return v;
                }
            }
        }
        loop {
            let v = self.next_u64() & mask;
            if v <= max {
                return v;
            }
        }
    }

    /// An integer in `[low, high)`: `np.random.randint(low, high)` (NumPy's masked rejection
    /// with 32-bit draws when the range fits, a raw draw when it is exactly 2^32).
    ///
    /// # Errors
    /// [`Error::Invalid`] if `low >= high`.
    pub fn randint(&mut self, low: i64, high: i64) -> Result<i64> {
        if low >= high {
            return Err(Error::Invalid {
                op: "randint",
                reason: format!("low >= high ({low} >= {high})"),
            });
        }
        let rng = high.wrapping_sub(low).wrapping_sub(1) as u64;
        let v = if rng == u64::from(u32::MAX) {
            u64::from(self.next_u32())
        } else if rng == u64::MAX {
            self.next_u64()
        } else {
            self.interval(rng)
        };
        Ok(low.wrapping_add(v as i64))
    }

    /// Shuffles `items` in place as NumPy's legacy `shuffle` does: for `i` from `n - 1` down to
    /// 1, swap item `i` with item `j`, `j` uniform in `[0, i]`.
    pub fn shuffle<X>(&mut self, items: &mut [X]) {
        for i in (1..items.len()).rev() {
            let j = self.interval(i as u64) as usize;
            items.swap(i, j);
        }
    }

    /// A random ordering of `0..n`: `np.random.permutation(n)`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        self.shuffle(&mut p);
        p
    }

    /// `np.random.randn(*shape)` as a tensor (row-major order).
    pub fn randn_tensor<T: Float>(&mut self, shape: &[usize]) -> Result<Tensor<T>> {
        Tensor::randn(shape, self)
    }

    /// `np.random.uniform(low, high, shape)` as a tensor (row-major order).
    ///
    /// # Errors
    /// As [`Tensor::rand_uniform`].
    pub fn uniform_tensor<T: Float>(
        &mut self,
        shape: &[usize],
        low: T,
        high: T,
    ) -> Result<Tensor<T>> {
        Tensor::rand_uniform(shape, low, high, self)
    }

    /// `np.random.random_sample(shape)` as a tensor (row-major order).
    pub fn random_sample_tensor<T: Float>(&mut self, shape: &[usize]) -> Result<Tensor<T>> {
        Tensor::from_fn(shape, |_| T::from_f64(self.random_sample()))
    }
}

impl TensorRng for NumpyRng {
    fn next_normal(&mut self) -> f64 {
        self.randn()
    }

    fn next_uniform(&mut self, low: f64, high: f64) -> f64 {
        self.uniform(low, high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_mt19937_output_for_the_standard_seed() {
        // The MT19937 reference implementation seeded with init_genrand(5489) starts 3499211612.
        let mut r = NumpyRng::new(5489);
        assert_eq!(r.next_u32(), 3_499_211_612);
        // Its 10000th output is 4123659995 (C++ std::mt19937 requirement).
        let mut r = NumpyRng::new(5489);
        let last = (0..10_000).map(|_| r.next_u32()).last();
        assert_eq!(last, Some(4_123_659_995));
    }

    #[test]
    fn randint_rejects_empty_ranges_and_stays_in_range() {
        let mut r = NumpyRng::new(1);
        assert!(r.randint(3, 3).is_err());
        for _ in 0..1000 {
            let v = r.randint(-5, 7).unwrap();
            assert!((-5..7).contains(&v));
        }
        assert!(r.randint(i64::MIN, i64::MAX).is_ok());
    }
}
