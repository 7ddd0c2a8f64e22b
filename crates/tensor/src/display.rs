//! Printing tensors exactly as NumPy 2 prints arrays with `str(a)`.
//!
//! The layout follows `numpy/_core/arrayprint.py` (`_formatArray`, `FloatingFormat`) with its
//! default options (`floatmode='maxprec'`, `sign='-'`, `legacy=False`), and the digits come from
//! a port of NumPy's Dragon4 ([`dragon4`]). `tests/display.rs` checks hundreds of cases against
//! NumPy's own output character for character.

mod bigint;
mod dragon4;

use std::fmt;

use dragon4::{Trim, decode, positional, scientific};

use crate::float::Float;
use crate::tensor::Tensor;

/// The print options of [`Tensor::display_with`]: the part of NumPy's `np.set_printoptions`
/// that applies to float arrays, with NumPy's defaults ([`PrintOptions::default`]).
///
/// ```
/// use tensor::{PrintOptions, Tensor};
/// let t = Tensor::<f64>::arange(0.0, 2000.0, 1.0)?;
/// let opts = PrintOptions { edgeitems: 2, ..PrintOptions::default() };
/// assert_eq!(t.display_with(opts).to_string(), "[0.000e+00 1.000e+00 ... 1.998e+03 1.999e+03]");
/// # Ok::<(), tensor::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrintOptions {
    /// At most this many digits after the decimal point (`precision`, default 8); fewer when
    /// fewer identify the value (NumPy's `floatmode='maxprec'`).
    pub precision: usize,
    /// Lines are wrapped to at most this many characters (`linewidth`, default 75).
    pub linewidth: usize,
    /// Tensors with more elements than this are summarised with `...` (`threshold`, default
    /// 1000; `usize::MAX` never summarises).
    pub threshold: usize,
    /// A summarised axis shows this many items at each end (`edgeitems`, default 3; as in
    /// NumPy, 0 shows `...` and the last item).
    pub edgeitems: usize,
    /// `true` never switches to scientific notation because of small values or a large ratio
    /// between values, only for values of 1e8 and above (1e6 for `f32`) (`suppress`, default
    /// `false`).
    pub suppress: bool,
}

impl Default for PrintOptions {
    fn default() -> PrintOptions {
        PrintOptions {
            precision: 8,
            linewidth: 75,
            threshold: 1000,
            edgeitems: 3,
            suppress: false,
        }
    }
}

/// Prints like NumPy's `str(a)` under NumPy 2's default print options; a precision
/// (`{:.4}`) acts as `np.set_printoptions(precision=4)`.
///
/// Values use the fewest digits that identify them, at most `precision` (8) after the point,
/// padded so that columns align, with scientific notation when NumPy would use it (values of
/// 1e8 and above, 1e6 for `f32`, nonzero values below 1e-4, or a ratio above 1000 between the
/// largest and smallest magnitude). Rows wrap at 75 characters and tensors of more than 1000
/// elements are summarised with `...`. A rank-0 tensor prints its value as NumPy prints a scalar,
/// with all its digits (NumPy ignores `precision` there too); an empty tensor prints `[]`.
/// [`Tensor::display_with`] sets the other options. Width, fill and alignment flags are ignored.
///
/// ```
/// use tensor::Tensor;
/// let w = Tensor::<f64>::from_vec(vec![0.24835707, -0.06913215, 1.0, 0.5], &[2, 2])?;
/// assert_eq!(w.to_string(), "[[ 0.24835707 -0.06913215]\n [ 1.          0.5       ]]");
/// assert_eq!(format!("{:.4}", w), "[[ 0.2484 -0.0691]\n [ 1.      0.5   ]]");
/// assert_eq!(Tensor::<f64>::from_vec(vec![1e-5, 1.0], &[2])?.to_string(), "[1.e-05 1.e+00]");
/// assert_eq!(Tensor::<f32>::scalar(0.1).to_string(), "0.1");
/// # Ok::<(), tensor::Error>(())
/// ```
impl<T: Float> fmt::Display for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.display_with(PrintOptions::default()), f)
    }
}

impl<T: Float> Tensor<T> {
    /// Prints like [`Display`](fmt::Display) with the given options (NumPy's
    /// `np.printoptions(...)` around `str(a)`); a precision in the format string (`{:.3}`)
    /// overrides `options.precision`.
    ///
    /// ```
    /// use tensor::{PrintOptions, Tensor};
    /// let t = Tensor::<f64>::from_vec(vec![1e-6, 0.5, 123.25], &[3])?;
    /// let opts = PrintOptions { suppress: true, ..PrintOptions::default() };
    /// assert_eq!(t.to_string(), "[1.0000e-06 5.0000e-01 1.2325e+02]");
    /// assert_eq!(t.display_with(opts).to_string(), "[  0.000001   0.5      123.25    ]");
    /// assert_eq!(format!("{:.1}", t.display_with(opts)), "[  0.    0.5 123.2]");
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn display_with(&self, options: PrintOptions) -> impl fmt::Display + '_ {
        WithOptions {
            tensor: self,
            options,
        }
    }
}

struct WithOptions<'a, T: Float> {
    tensor: &'a Tensor<T>,
    options: PrintOptions,
}

impl<T: Float> fmt::Display for WithOptions<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut options = self.options;
        if let Some(p) = f.precision() {
            options.precision = p;
        }
        f.write_str(&array_str(self.tensor, &options))
    }
}

/// NumPy's `array_str`: the scalar for rank 0, `[]` when empty, else `_formatArray`.
fn array_str<T: Float>(t: &Tensor<T>, o: &PrintOptions) -> String {
    let shape = t.shape();
    let strides = t.layout.strides();
    if shape.is_empty() {
        return scalar_str(t.data[t.layout.offset]);
    }
    if t.is_empty() {
        return "[]".to_string();
    }
    let summarise = t.len() > o.threshold;

    // The format (notation, widths) is chosen from the elements that will be shown: with
    // summarisation only the corner blocks (NumPy's `_leading_trailing`), so large tensors cost
    // O(edgeitems^ndim), not O(len).
    let kept: Vec<Vec<usize>> = shape
        .iter()
        .map(|&d| {
            if summarise && d > o.edgeitems.saturating_mul(2) && o.edgeitems > 0 {
                (0..o.edgeitems).chain(d - o.edgeitems..d).collect()
            } else {
                (0..d).collect()
            }
        })
        .collect();
    let mut values = Vec::new();
    let mut index = vec![0; shape.len()];
    'outer: loop {
        let off: usize = index
            .iter()
            .zip(&kept)
            .zip(strides)
            .map(|((&i, k), &s)| k[i] * s)
            .sum();
        values.push(t.data[t.layout.offset + off]);
        for axis in (0..shape.len()).rev() {
            index[axis] += 1;
            if index[axis] < kept[axis].len() {
                continue 'outer;
            }
            index[axis] = 0;
        }
        break;
    }

    let printer = Printer {
        t,
        format: FloatFormat::new(&values, o),
        edgeitems: o.edgeitems,
        summarise,
    };
    let width = isize::try_from(o.linewidth).unwrap_or(isize::MAX);
    printer.recurse(0, t.layout.offset, width)
}

/// The state of NumPy's `_formatArray` recursion.
struct Printer<'a, T: Float> {
    t: &'a Tensor<T>,
    format: FloatFormat,
    edgeitems: usize,
    summarise: bool,
}

impl<T: Float> Printer<'_, T> {
    /// The text of the sub-array at `axis` starting at storage offset `off`, as NumPy's
    /// `recurser`: its hanging indent is `axis + 1` spaces, its lines at most `width` long.
    fn recurse(&self, axis: usize, off: usize, width: isize) -> String {
        let shape = self.t.shape();
        if axis == shape.len() {
            return self.format.format(self.t.data[off]);
        }
        let indent = axis + 1;
        let stride = self.t.layout.strides()[axis];
        let len = shape[axis];
        let child = |i: usize| self.recurse(axis + 1, off + i * stride, width - 1);
        let show_summary = self.summarise && self.edgeitems.saturating_mul(2) < len;
        let (leading, trailing) = if show_summary {
            (self.edgeitems, self.edgeitems)
        } else {
            (0, len)
        };
        // Shown: 0..leading, "...", then len - trailing .. len (the last item always).
        let tail = (len - trailing.max(1))..len;

        let mut s = String::new();
        if axis + 1 == shape.len() {
            // Leave room for the closing bracket.
            let elem_width = width - 1;
            let mut line = " ".repeat(indent);
            for i in 0..leading {
                extend_line(&mut s, &mut line, &child(i), elem_width, indent);
                line.push(' ');
            }
            if show_summary {
                extend_line(&mut s, &mut line, "...", elem_width, indent);
                line.push(' ');
            }
            for i in tail.clone() {
                extend_line(&mut s, &mut line, &child(i), elem_width, indent);
                if i + 1 < len {
                    line.push(' ');
                }
            }
            s.push_str(&line);
        } else {
            // One newline between rows, two between matrices, and so on.
            let line_sep = "\n".repeat(shape.len() - axis - 1);
            let pad = " ".repeat(indent);
            for i in 0..leading {
                s.push_str(&pad);
                s.push_str(&child(i));
                s.push_str(&line_sep);
            }
            if show_summary {
                s.push_str(&pad);
                s.push_str("...");
                s.push_str(&line_sep);
            }
            for i in tail.clone() {
                s.push_str(&pad);
                s.push_str(&child(i));
                if i + 1 < len {
                    s.push_str(&line_sep);
                }
            }
        }
        format!("[{}]", &s[indent..])
    }
}

/// NumPy's `_extendLine`: append `word`, first breaking the line if it would pass `width`,
/// unless the line holds nothing but its indent (a break would not help).
fn extend_line(s: &mut String, line: &mut String, word: &str, width: isize, indent: usize) {
    let too_long = (line.len() + word.len()) as isize > width;
    if too_long && line.len() > indent {
        s.push_str(line.trim_end());
        s.push('\n');
        line.clear();
        line.extend(std::iter::repeat_n(' ', indent));
    }
    line.push_str(word);
}

/// NumPy's `FloatingFormat` for `floatmode='maxprec'`, `sign='-'`: one notation and one width
/// for every element, chosen from the elements shown.
struct FloatFormat {
    scientific: bool,
    /// Characters before the decimal point, sign included.
    pad_left: usize,
    /// Characters after the point (positional), or all after the first digit (scientific).
    pad_right: usize,
    /// Digits after the point: the cap (positional) or the exact count (scientific).
    precision: usize,
    /// The exponent's digit count (scientific).
    exp_size: usize,
}

impl FloatFormat {
    fn new<T: Float>(values: &[T], o: &PrintOptions) -> FloatFormat {
        let finite: Vec<T> = values.iter().copied().filter(|x| x.is_finite()).collect();
        let mut abs_nonzero = finite.iter().filter(|&&x| x != T::ZERO).map(|x| x.abs());
        // Compared in T, as NumPy 2 compares a float32 maximum with a Python float.
        let exp_format = abs_nonzero.next().is_some_and(|first| {
            let (max, min) = abs_nonzero.fold((first, first), |(hi, lo), x| {
                (Float::max(hi, x), Float::min(lo, x))
            });
            // 10**min(8, finfo(dtype).precision): finfo(float32).precision is 6.
            let cutoff = if T::DTYPE == "float32" { 1e6 } else { 1e8 };
            max >= T::from_f64(cutoff)
                || (!o.suppress && (min < T::from_f64(1e-4) || max / min > T::from_f64(1000.0)))
        });
        let mut f = FloatFormat {
            scientific: exp_format,
            pad_left: 0,
            pad_right: 0,
            precision: o.precision,
            exp_size: 0,
        };
        if exp_format {
            let (mut int_len, mut frac_len, mut exp_len) = (0, 0, 0);
            for &x in &finite {
                let s = scientific(&decode(x), Some(o.precision), None, Trim::Zeros, 0, None);
                let (dot, e) = (s.find('.'), s.find('e'));
                let (dot, e) = (dot.unwrap_or(0), e.unwrap_or(s.len()));
                int_len = int_len.max(dot);
                frac_len = frac_len.max(e - dot - 1);
                exp_len = exp_len.max(s.len() - e - 2);
            }
            f.exp_size = exp_len;
            f.precision = frac_len;
            f.pad_left = int_len;
            f.pad_right = exp_len + 2 + frac_len;
        } else {
            for &x in &finite {
                let s = positional(&decode(x), Some(o.precision), None, Trim::Zeros, 0, None);
                let dot = s.find('.').unwrap_or(s.len());
                f.pad_left = f.pad_left.max(dot);
                f.pad_right = f.pad_right.max(s.len() - dot - 1);
            }
        }
        if finite.len() != values.len() {
            // Room for "nan", "inf" and "-inf" right-aligned in the column.
            let neg_inf = values
                .iter()
                .any(|&x| !x.is_nan() && !x.is_finite() && x < T::ZERO);
            let need = 3 + usize::from(neg_inf);
            f.pad_left = f.pad_left.max(need.saturating_sub(f.pad_right + 1));
        }
        f
    }

    fn format<T: Float>(&self, x: T) -> String {
        if !x.is_finite() {
            let s = match (x.is_nan(), x < T::ZERO) {
                (true, _) => "nan",
                (false, true) => "-inf",
                (false, false) => "inf",
            };
            let width = self.pad_left + self.pad_right + 1;
            return format!("{s:>width$}");
        }
        let v = decode(x);
        if self.scientific {
            let p = Some(self.precision);
            scientific(&v, p, p, Trim::Keep, self.pad_left, Some(self.exp_size))
        } else {
            positional(
                &v,
                Some(self.precision),
                Some(0),
                Trim::Zeros,
                self.pad_left,
                Some(self.pad_right),
            )
        }
    }
}

/// NumPy's `str` of a float scalar: shortest round-trip digits, positional from 1e-4 up to 1e16
/// (1e6 for `f32`), scientific outside (`1e+16`, `1.5e-05`), `nan`, `inf`, `-0.0`.
fn scalar_str<T: Float>(x: T) -> String {
    if x.is_nan() {
        return "nan".to_string();
    }
    if !x.is_finite() {
        return if x < T::ZERO { "-inf" } else { "inf" }.to_string();
    }
    let a = x.abs().to_f64();
    // NumPy compares with the long double 1e-4L; every f32 and f64 lies on the same side of it
    // as of the f64 1e-4 (the f64 1e-4 is just above the real 1e-4, the f64 below it is below).
    let max_positional = if T::DTYPE == "float32" { 1e6 } else { 1e16 };
    if a == 0.0 || (1e-4..max_positional).contains(&a) {
        positional(&decode(x), None, None, Trim::LeaveOneZero, 0, None)
    } else {
        scientific(&decode(x), None, None, Trim::DptZeros, 0, None)
    }
}
