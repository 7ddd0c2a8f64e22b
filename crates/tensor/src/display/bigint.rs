//! The few unsigned big-integer operations Dragon4 needs: a float's exact value scaled by powers
//! of two and ten reaches about 2^1100 (f64::MAX) or 10^340 (the smallest subnormal).

use std::cmp::Ordering;

/// An unsigned big integer, little-endian 32-bit limbs, no zero limb at the top.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct BigUint(Vec<u32>);

impl BigUint {
    pub(super) fn from_u64(v: u64) -> BigUint {
        let mut b = BigUint(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    /// 2^n.
    pub(super) fn pow2(n: u32) -> BigUint {
        let mut b = BigUint::from_u64(1);
        b.shl(n);
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    pub(super) fn shl(&mut self, n: u32) {
        let (limbs, bits) = ((n / 32) as usize, n % 32);
        if bits > 0 {
            let mut carry = 0;
            for x in &mut self.0 {
                let next = *x >> (32 - bits);
                *x = (*x << bits) | carry;
                carry = next;
            }
            self.0.push(carry);
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
        self.trim();
    }

    pub(super) fn mul_small(&mut self, k: u32) {
        let mut carry = 0u64;
        for x in &mut self.0 {
            let p = u64::from(*x) * u64::from(k) + carry;
            *x = p as u32;
            carry = p >> 32;
        }
        self.0.push(carry as u32);
        self.trim();
    }

    pub(super) fn mul_pow10(&mut self, n: u32) {
        for _ in 0..n / 9 {
            self.mul_small(1_000_000_000);
        }
        self.mul_small(10u32.pow(n % 9));
    }

    pub(super) fn add(&self, other: &BigUint) -> BigUint {
        let (long, short) = if self.0.len() >= other.0.len() {
            (&self.0, &other.0)
        } else {
            (&other.0, &self.0)
        };
        let mut out = Vec::with_capacity(long.len() + 1);
        let mut carry = 0u64;
        for (i, &x) in long.iter().enumerate() {
            let s = u64::from(x) + u64::from(short.get(i).copied().unwrap_or(0)) + carry;
            out.push(s as u32);
            carry = s >> 32;
        }
        out.push(carry as u32);
        let mut b = BigUint(out);
        b.trim();
        b
    }

    /// `self -= other`, for `self >= other`.
    pub(super) fn sub_assign(&mut self, other: &BigUint) {
        let mut borrow = 0i64;
        for (i, x) in self.0.iter_mut().enumerate() {
            let d = i64::from(*x) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            *x = d.rem_euclid(1 << 32) as u32;
            borrow = i64::from(d < 0);
        }
        debug_assert_eq!(borrow, 0, "invariant: sub_assign needs self >= other");
        self.trim();
    }

    /// `self / d` for a quotient known to be below 10; `self` becomes the remainder.
    pub(super) fn div_rem_digit(&mut self, d: &BigUint) -> u8 {
        let mut q = 0;
        while *self >= *d {
            self.sub_assign(d);
            q += 1;
        }
        debug_assert!(q < 10, "invariant: Dragon4 keeps value < 10 * scale");
        q
    }
}

impl Ord for BigUint {
    fn cmp(&self, other: &BigUint) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

impl PartialOrd for BigUint {
    fn partial_cmp(&self, other: &BigUint) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_u128(b: &BigUint) -> u128 {
        assert!(
            b.0.len() <= 4 && b.0.last() != Some(&0),
            "not normalised: {b:?}"
        );
        b.0.iter()
            .rev()
            .fold(0, |acc, &l| (acc << 32) | u128::from(l))
    }

    #[test]
    fn arithmetic_matches_u128() {
        // Checked against native 128-bit arithmetic on values whose results fit in a u128.
        let values = [
            0u64,
            1,
            9,
            0xffff_ffff,
            0x1_0000_0000,
            0xdead_beef_1234_5678,
            u64::MAX,
        ];
        for &a in &values {
            for shift in [0, 1, 31, 32, 33, 63] {
                let mut b = BigUint::from_u64(a);
                b.shl(shift);
                assert_eq!(to_u128(&b), u128::from(a) << shift);
                for n in [0, 1, 9, 10, 19] {
                    let mut m = BigUint::from_u64(a);
                    m.mul_pow10(n);
                    assert_eq!(to_u128(&m), u128::from(a) * 10u128.pow(n));
                }
                for &c in &values {
                    let c = BigUint::from_u64(c);
                    let (x, y) = (to_u128(&b), to_u128(&c));
                    assert_eq!(to_u128(&b.add(&c)), x + y);
                    assert_eq!(b.cmp(&c), x.cmp(&y));
                    if x >= y {
                        let mut d = b.clone();
                        d.sub_assign(&c);
                        assert_eq!(to_u128(&d), x - y);
                    }
                }
            }
        }
        assert_eq!(to_u128(&BigUint::pow2(100)), 1 << 100);
    }

    #[test]
    fn div_rem_digit_gives_quotient_and_remainder() {
        let mut v = BigUint::from_u64(97);
        assert_eq!(v.div_rem_digit(&BigUint::from_u64(10)), 9);
        assert_eq!(v, BigUint::from_u64(7));
        let mut big = BigUint::pow2(90);
        let mut d = BigUint::pow2(88);
        d.mul_small(3);
        // 2^90 = 4 * 2^88 = 1 * (3 * 2^88) + 2^88
        assert_eq!(big.div_rem_digit(&d), 1);
        assert_eq!(big, BigUint::pow2(88));
    }
}
