//! Float-to-decimal conversion as NumPy does it: the Dragon4 algorithm (Steele & White 1990,
//! with Burger & Dybvig's exponent estimate) in NumPy's variant, which can stop at a cutoff digit
//! and can go on past the shortest unique digits to a minimum count, plus NumPy's positional and
//! scientific layouts (`format_float_positional`, `format_float_scientific`).
//!
//! Why not Rust's `{}` / `{:.p$}`: NumPy's unique-with-cutoff mode rounds its last digit with the
//! Dragon4 margin tests, which is not always correct rounding (a power of two has a high margin
//! twice its low margin, and a digit inside only the high margin rounds up), and it breaks exact
//! ties between shortest candidates towards the even digit where Rust rounds up (Rust prints
//! `1125899906842624.25` as `...624.3`, NumPy and Python as `...624.2`). Reproducing NumPy's
//! arithmetic is the only way to match it digit for digit.

use std::cmp::Ordering;

use super::bigint::BigUint;
use crate::float::Float;

/// A finite float as `mantissa * 2^exponent`, with what Dragon4 needs to know about its
/// neighbours: `mantissa_bit` is the index of the top set bit (52 or 23 when normal) and the
/// gap to the next float down is half the gap up when the value is a power of two.
#[derive(Clone, Copy, Debug)]
pub(super) struct Decoded {
    mantissa: u64,
    exponent: i32,
    mantissa_bit: u32,
    unequal_margins: bool,
    negative: bool,
}

/// Splits a finite `f32` or `f64` into its IEEE fields (the caller handles NaN and infinities).
pub(super) fn decode<T: Float>(x: T) -> Decoded {
    let bits = x.to_bits_u64();
    // `Float` is sealed to f32 and f64: (mantissa bits, exponent bits, bias).
    let (mbits, ebits, bias) = if T::DTYPE == "float32" {
        (23, 8, 127)
    } else {
        (52, 11, 1023)
    };
    let frac = bits & ((1u64 << mbits) - 1);
    let biased = ((bits >> mbits) & ((1u64 << ebits) - 1)) as i32;
    let negative = (bits >> (mbits + ebits)) & 1 == 1;
    if biased != 0 {
        Decoded {
            mantissa: (1u64 << mbits) | frac,
            exponent: biased - bias - mbits as i32,
            mantissa_bit: mbits,
            unequal_margins: biased != 1 && frac == 0,
            negative,
        }
    } else {
        Decoded {
            mantissa: frac,
            exponent: 1 - bias - mbits as i32,
            mantissa_bit: frac.checked_ilog2().unwrap_or(0),
            unequal_margins: false,
            negative,
        }
    }
}

/// How `precision` and `min_digits` count digits: after the decimal point, or in total.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cutoff {
    Fraction,
    Total,
}

/// NumPy's `trim` argument: what happens to trailing zeros and the decimal point.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Trim {
    /// `'k'`: keep trailing zeros (pad up to `min_digits`) and the point.
    Keep,
    /// `'.'`: trim trailing zeros, keep the point (`1.`).
    Zeros,
    /// `'0'`: trim trailing zeros but leave one after the point (`1.0`).
    LeaveOneZero,
    /// `'-'`: trim trailing zeros and a bare point (`1`).
    DptZeros,
}

/// The size of NumPy's Dragon4 output buffer, which bounds the digits of unlimited requests.
const BUFFER_SIZE: i32 = 16384;

/// NumPy's `Dragon4` in unique-digit mode: the decimal digits of `v` and the power of ten of the
/// first one. Digits stop once they identify `v` among its neighbours and at least `cutoff_min`
/// are out, or at `cutoff_max` (both counted per `mode`; negative means no limit).
fn dragon4(v: &Decoded, mode: Cutoff, cutoff_max: i32, cutoff_min: i32) -> (Vec<u8>, i32) {
    if v.mantissa == 0 {
        return (vec![0], 0);
    }
    let is_even = v.mantissa.is_multiple_of(2);
    // value = scaled_value / scale; the margins are half the gaps to the neighbouring floats,
    // all scaled by 2 (by 4 with unequal margins) so that they are integers.
    let mut value = BigUint::from_u64(v.mantissa);
    let (mut scale, mut margin_low);
    let shift = if v.unequal_margins { 2 } else { 1 };
    if v.exponent > 0 {
        value.shl(v.exponent as u32 + shift);
        scale = BigUint::from_u64(1 << shift);
        margin_low = BigUint::pow2(v.exponent as u32);
    } else {
        value.shl(shift);
        scale = BigUint::pow2((-v.exponent) as u32 + shift);
        margin_low = BigUint::from_u64(1);
    }
    let margin_high = |low: &BigUint| {
        let mut m = low.clone();
        if v.unequal_margins {
            m.shl(1);
        }
        m
    };

    // floor(log10(v)) + 1, or one less (Burger & Dybvig; NumPy subtracts 0.69 on purpose).
    let log10_2 = std::f64::consts::LOG10_2;
    let mut digit_exp =
        ((v.mantissa_bit as i32 + v.exponent) as f64 * log10_2 - 0.69).ceil() as i32;
    // A value below the fractional cutoff starts at the cutoff digit, rounding there.
    if cutoff_max >= 0 && mode == Cutoff::Fraction && digit_exp <= -cutoff_max {
        digit_exp = -cutoff_max + 1;
    }
    if digit_exp > 0 {
        scale.mul_pow10(digit_exp as u32);
    } else if digit_exp < 0 {
        value.mul_pow10((-digit_exp) as u32);
        margin_low.mul_pow10((-digit_exp) as u32);
    }
    if value >= scale {
        digit_exp += 1;
    } else {
        value.mul_small(10);
        margin_low.mul_small(10);
    }

    let mut cutoff_max_exp = digit_exp - BUFFER_SIZE;
    if cutoff_max >= 0 {
        let desired = match mode {
            Cutoff::Total => digit_exp - cutoff_max,
            Cutoff::Fraction => -cutoff_max,
        };
        cutoff_max_exp = cutoff_max_exp.max(desired);
    }
    let mut cutoff_min_exp = digit_exp;
    if cutoff_min >= 0 {
        let desired = match mode {
            Cutoff::Total => digit_exp - cutoff_min,
            Cutoff::Fraction => -cutoff_min,
        };
        cutoff_min_exp = cutoff_min_exp.min(desired);
    }
    let out_exp = digit_exp - 1;

    let mut digits = Vec::new();
    let (digit, low, high) = loop {
        digit_exp -= 1;
        let digit = value.div_rem_digit(&scale);
        let value_high = value.add(&margin_high(&margin_low));
        // With an even mantissa the neighbours' midpoints round back to it, so they count.
        let low = match value.cmp(&margin_low) {
            Ordering::Less => true,
            Ordering::Equal => is_even,
            Ordering::Greater => false,
        };
        let high = match value_high.cmp(&scale) {
            Ordering::Greater => true,
            Ordering::Equal => is_even,
            Ordering::Less => false,
        };
        if ((low || high) && digit_exp <= cutoff_min_exp) || digit_exp == cutoff_max_exp {
            break (digit, low, high);
        }
        digits.push(digit);
        value.mul_small(10);
        margin_low.mul_small(10);
    };

    // Round the last digit: down if only the low neighbour is close, up if only the high one
    // is, otherwise to nearest with ties to the even digit.
    let round_down = if low == high {
        value.shl(1);
        match value.cmp(&scale) {
            Ordering::Less => true,
            Ordering::Equal => digit.is_multiple_of(2),
            Ordering::Greater => false,
        }
    } else {
        low
    };
    let mut out_exp = out_exp;
    if round_down {
        digits.push(digit);
    } else if digit < 9 {
        digits.push(digit + 1);
    } else {
        // Carry through trailing nines: 0.0999|9 -> 0.1, 9.99|9 -> 10.
        while digits.last() == Some(&9) {
            digits.pop();
        }
        match digits.last_mut() {
            Some(d) => *d += 1,
            None => {
                digits.push(1);
                out_exp += 1;
            }
        }
    }
    (digits, out_exp)
}

/// `-1` for "no limit", as NumPy's C code takes it.
fn limit(n: Option<usize>) -> i32 {
    // Bounded so that exponent arithmetic cannot overflow; far beyond any float's digits.
    n.map_or(-1, |n| n.min(1 << 20) as i32)
}

/// NumPy's `dragon4_positional(x, precision, min_digits, unique=True, fractional=True, trim,
/// sign=False, pad_left, pad_right)` for a finite `x`.
pub(super) fn positional(
    v: &Decoded,
    precision: Option<usize>,
    min_digits: Option<usize>,
    trim: Trim,
    pad_left: usize,
    pad_right: Option<usize>,
) -> String {
    let (digits, print_exp) = dragon4(v, Cutoff::Fraction, limit(precision), limit(min_digits));
    let mut s = String::with_capacity(digits.len() + 8);
    let push_digits =
        |s: &mut String, ds: &[u8]| s.extend(ds.iter().map(|&d| char::from(b'0' + d)));
    let (whole, mut frac);
    if print_exp >= 0 {
        whole = print_exp as usize + 1;
        if digits.len() <= whole {
            push_digits(&mut s, &digits);
            s.extend(std::iter::repeat_n('0', whole - digits.len()));
            frac = 0;
        } else {
            push_digits(&mut s, &digits[..whole]);
            s.push('.');
            push_digits(&mut s, &digits[whole..]);
            frac = digits.len() - whole;
        }
    } else {
        let zeros = (-(print_exp + 1)) as usize;
        whole = 1;
        s.push_str("0.");
        s.extend(std::iter::repeat_n('0', zeros));
        push_digits(&mut s, &digits);
        frac = zeros + digits.len();
    }
    if trim != Trim::DptZeros && frac == 0 {
        s.push('.');
    }
    match trim {
        Trim::LeaveOneZero if frac == 0 => {
            s.push('0');
            frac = 1;
        }
        Trim::Keep => {
            let want = min_digits.unwrap_or(0);
            if want > frac {
                s.extend(std::iter::repeat_n('0', want - frac));
                frac = want;
            }
        }
        _ => {}
    }
    if trim != Trim::Keep && frac > 0 {
        while s.ends_with('0') {
            s.pop();
            frac -= 1;
        }
        if s.ends_with('.') {
            match trim {
                Trim::LeaveOneZero => {
                    s.push('0');
                    frac += 1;
                }
                Trim::DptZeros => {
                    s.pop();
                }
                _ => {}
            }
        }
    }
    if let Some(right) = pad_right.filter(|&r| r >= frac) {
        if trim == Trim::DptZeros && frac == 0 {
            s.push(' ');
        }
        s.extend(std::iter::repeat_n(' ', right - frac));
    }
    let used = whole + usize::from(v.negative);
    let mut out = " ".repeat(pad_left.saturating_sub(used));
    if v.negative {
        out.push('-');
    }
    out.push_str(&s);
    out
}

/// NumPy's `dragon4_scientific(x, precision, min_digits, unique=True, trim, sign=False,
/// pad_left, exp_digits)` for a finite `x`: `d.ddde±XX`, the exponent at least `exp_digits`
/// (default 2) digits long.
pub(super) fn scientific(
    v: &Decoded,
    precision: Option<usize>,
    min_digits: Option<usize>,
    trim: Trim,
    pad_left: usize,
    exp_digits: Option<usize>,
) -> String {
    let mut s = " ".repeat(pad_left.saturating_sub(1 + usize::from(v.negative)));
    if v.negative {
        s.push('-');
    }
    let plus_one = |n: Option<usize>| limit(n.map(|n| n.saturating_add(1)));
    let (digits, print_exp) = dragon4(v, Cutoff::Total, plus_one(precision), plus_one(min_digits));
    s.push(char::from(b'0' + digits[0]));
    let mut frac = digits.len() - 1;
    if frac > 0 {
        s.push('.');
        s.extend(digits[1..].iter().map(|&d| char::from(b'0' + d)));
    }
    if trim != Trim::DptZeros && frac == 0 {
        s.push('.');
    }
    match trim {
        Trim::LeaveOneZero if frac == 0 => {
            s.push('0');
            frac = 1;
        }
        Trim::Keep => {
            let want = min_digits.unwrap_or(0);
            if want > frac {
                s.extend(std::iter::repeat_n('0', want - frac));
            }
        }
        _ => {}
    }
    // NumPy's scientific trim keeps a bare point even in '-' mode ("1." for 1.0 at cutoff).
    if trim != Trim::Keep && frac > 0 {
        while s.ends_with('0') {
            s.pop();
        }
        if trim == Trim::LeaveOneZero && s.ends_with('.') {
            s.push('0');
        }
    }
    let width = exp_digits.unwrap_or(2).min(5);
    let sign = if print_exp < 0 { '-' } else { '+' };
    s.push('e');
    s.push(sign);
    s.push_str(&format!("{:0width$}", print_exp.unsigned_abs()));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits_of(x: f64, mode: Cutoff, max: i32, min: i32) -> (String, i32) {
        let (d, e) = dragon4(&decode(x), mode, max, min);
        (d.iter().map(|&d| char::from(b'0' + d)).collect(), e)
    }

    #[test]
    fn shortest_digits_round_trip_and_match_known_values() {
        // Shortest round-trip digits, as Python's repr: 0.1, 1/3, 2^-1074, f64::MAX.
        assert_eq!(digits_of(0.1, Cutoff::Total, -1, -1), ("1".into(), -1));
        assert_eq!(
            digits_of(1.0 / 3.0, Cutoff::Total, -1, -1),
            ("3333333333333333".into(), -1)
        );
        assert_eq!(digits_of(5e-324, Cutoff::Total, -1, -1), ("5".into(), -324));
        assert_eq!(
            digits_of(f64::MAX, Cutoff::Total, -1, -1),
            ("17976931348623157".into(), 308)
        );
    }

    #[test]
    fn cutoffs_round_half_to_even_on_exact_ties() {
        // 0.125 and 0.375 are exact in binary: to 2 places they tie, and go to the even digit.
        assert_eq!(digits_of(0.125, Cutoff::Fraction, 2, -1), ("12".into(), -1));
        assert_eq!(digits_of(0.375, Cutoff::Fraction, 2, -1), ("38".into(), -1));
        // 0.999 to 2 places carries into a new leading digit.
        assert_eq!(digits_of(0.999, Cutoff::Fraction, 2, -1), ("1".into(), 0));
    }
}
