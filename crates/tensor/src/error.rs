//! The one error type of tapegrad. `autograd` and `nn` re-export it.

use std::fmt;

/// A `Result` whose error is tapegrad's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in tapegrad. Every shape error names the op and the shapes.
///
/// ```
/// use tensor::Tensor;
/// let a = Tensor::<f32>::zeros(&[4, 2])?;
/// let b = Tensor::<f32>::zeros(&[3, 4])?;
/// let err = a.matmul(&b).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "matmul: cannot multiply [4, 2] by [3, 4] (inner dimensions 2 and 3 differ)"
/// );
/// # Ok::<(), tensor::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Two shapes that NumPy's broadcasting rule cannot combine.
    Broadcast {
        /// The op that tried.
        op: &'static str,
        /// Left operand's shape.
        lhs: Vec<usize>,
        /// Right operand's shape.
        rhs: Vec<usize>,
    },
    /// A tensor cannot be broadcast (or summed) to the requested shape.
    BroadcastTo {
        /// The op that tried.
        op: &'static str,
        /// The tensor's shape.
        from: Vec<usize>,
        /// The requested shape.
        to: Vec<usize>,
    },
    /// Matrix product operands that do not fit.
    Matmul {
        /// Left operand's shape.
        lhs: Vec<usize>,
        /// Right operand's shape.
        rhs: Vec<usize>,
        /// Why, e.g. "inner dimensions 2 and 3 differ".
        reason: String,
    },
    /// Data whose length does not match the shape's element count.
    DataLength {
        /// The op that was given the data.
        op: &'static str,
        /// The requested shape.
        shape: Vec<usize>,
        /// The element count the shape needs.
        expected: usize,
        /// The number of elements given.
        got: usize,
    },
    /// A reshape to a shape with a different element count.
    Reshape {
        /// The tensor's shape.
        from: Vec<usize>,
        /// The requested shape.
        to: Vec<usize>,
    },
    /// A shape whose element count (or byte size) does not fit in `usize`/`isize`.
    SizeOverflow {
        /// The op that was given the shape.
        op: &'static str,
        /// The shape.
        shape: Vec<usize>,
    },
    /// The allocator refused a buffer of this many elements.
    Alloc {
        /// The op that needed the buffer.
        op: &'static str,
        /// The buffer's element count.
        elements: usize,
    },
    /// An axis outside `-ndim..ndim`.
    Axis {
        /// The op.
        op: &'static str,
        /// The axis given.
        axis: isize,
        /// The tensor's shape.
        shape: Vec<usize>,
    },
    /// An index outside a dimension.
    Index {
        /// The op.
        op: &'static str,
        /// The index given.
        index: Vec<usize>,
        /// The tensor's shape.
        shape: Vec<usize>,
    },
    /// A rank the op does not take.
    Rank {
        /// The op.
        op: &'static str,
        /// What the op needs, e.g. "2-D".
        expected: String,
        /// The shape given.
        shape: Vec<usize>,
    },
    /// Shapes that must match exactly (after the op's own rules) but do not.
    ShapeMismatch {
        /// The op.
        op: &'static str,
        /// The shapes, in argument order.
        shapes: Vec<Vec<usize>>,
        /// What had to hold.
        reason: String,
    },
    /// A NaN or an infinity where one must not be: a forward or backward pass in autograd's
    /// anomaly mode, or a gradient an optimizer was asked to apply (`pass` is `"step"`).
    NonFinite {
        /// The op whose output was not finite, or the optimizer that refused the step.
        op: String,
        /// `"forward"`, `"backward"` with the input index that received the gradient, or
        /// `"step"` (an optimizer's gradient check).
        pass: String,
        /// The tape node the op's output is (or would have been) recorded as, if any.
        node: Option<usize>,
        /// Where in the model, if known: the module path (`layer 0 (Linear(64 -> 64))`) or the
        /// parameter (`1.weight`); empty otherwise.
        location: String,
        /// What is known of the value's origin, e.g. that it was already in an input that is a
        /// constant (the data); empty if nothing more is known.
        cause: String,
    },
    /// Any other invalid argument.
    Invalid {
        /// The op.
        op: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A malformed file or stream.
    Format {
        /// What was being read.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An I/O error (kept as text so `Error` stays `Clone` and `PartialEq`).
    Io(String),
    /// A tensor file (safetensors) that cannot be read, or whose tensors do not fit the model
    /// they are loaded into. Names the file and, where one is at fault, the tensor.
    File {
        /// The file's path (or the name a byte buffer was given).
        file: String,
        /// The tensor at fault, if one is.
        tensor: Option<String>,
        /// Which check failed.
        kind: FileErrorKind,
        /// What is wrong, with the numbers.
        reason: String,
    },
}

/// Which check a tensor file failed: the `kind` of [`Error::File`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileErrorKind {
    /// The file could not be opened, read or written.
    Io,
    /// The file ends before its 8-byte header length or before the header it announces.
    Truncated,
    /// The announced header length is above the cap.
    HeaderTooLarge,
    /// The header is not UTF-8.
    HeaderNotUtf8,
    /// The header is not JSON, or not the JSON safetensors describes.
    HeaderNotJson,
    /// Two tensors (or two fields of one) have the same name.
    DuplicateName,
    /// A tensor's end offset is before its start offset.
    OffsetsMisordered,
    /// A tensor's bytes lie (partly) beyond the end of the file.
    OffsetsOutOfRange,
    /// Two tensors claim the same bytes.
    OffsetsOverlap,
    /// Bytes of the data section belong to no tensor (a gap, or trailing bytes).
    Uncovered,
    /// A tensor's byte length is not its dtype's size times its shape's element count.
    ByteLength,
    /// A shape whose element count or byte size does not fit in `usize`.
    SizeOverflow,
    /// A dtype safetensors does not define.
    UnknownDtype,
    /// A dtype safetensors defines but tapegrad does not hold (tapegrad holds F32 and F64).
    UnsupportedDtype,
    /// A tensor's dtype differs from the model's and no conversion was asked for.
    DtypeMismatch,
    /// A tensor the model has no parameter for (strict loading).
    UnexpectedName,
    /// A parameter the file has no tensor for (strict loading).
    MissingName,
    /// A tensor's shape differs from its parameter's.
    ShapeMismatch,
    /// The file's metadata (for example a checkpoint's) is missing or invalid.
    Metadata,
}

impl fmt::Display for FileErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use FileErrorKind as K;
        f.write_str(match self {
            K::Io => "I/O error",
            K::Truncated => "truncated file",
            K::HeaderTooLarge => "header too large",
            K::HeaderNotUtf8 => "header is not UTF-8",
            K::HeaderNotJson => "invalid header",
            K::DuplicateName => "duplicate name",
            K::OffsetsMisordered => "misordered offsets",
            K::OffsetsOutOfRange => "offsets out of range",
            K::OffsetsOverlap => "overlapping offsets",
            K::Uncovered => "bytes outside every tensor",
            K::ByteLength => "byte length disagrees with dtype and shape",
            K::SizeOverflow => "size overflow",
            K::UnknownDtype => "unknown dtype",
            K::UnsupportedDtype => "unsupported dtype",
            K::DtypeMismatch => "dtype mismatch",
            K::UnexpectedName => "unexpected tensor",
            K::MissingName => "missing tensor",
            K::ShapeMismatch => "shape mismatch",
            K::Metadata => "invalid metadata",
        })
    }
}

/// Formats a shape as NumPy's `(4, 2)` would be written in a Rust list: `[4, 2]`.
pub(crate) struct ShapeFmt<'a>(pub &'a [usize]);

impl fmt::Display for ShapeFmt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ShapeFmt as S;
        match self {
            Error::Broadcast { op, lhs, rhs } => write!(
                f,
                "{op}: cannot broadcast {} with {} (NumPy rule: trailing dimensions must be equal or 1)",
                S(lhs),
                S(rhs)
            ),
            Error::BroadcastTo { op, from, to } => {
                write!(f, "{op}: cannot broadcast {} to {}", S(from), S(to))
            }
            Error::Matmul { lhs, rhs, reason } => {
                write!(
                    f,
                    "matmul: cannot multiply {} by {} ({reason})",
                    S(lhs),
                    S(rhs)
                )
            }
            Error::DataLength {
                op,
                shape,
                expected,
                got,
            } => write!(
                f,
                "{op}: shape {} needs {expected} elements but {got} were given",
                S(shape)
            ),
            Error::Reshape { from, to } => {
                write!(
                    f,
                    "reshape: cannot reshape {} into {} (element counts differ)",
                    S(from),
                    S(to)
                )
            }
            Error::SizeOverflow { op, shape } => {
                write!(
                    f,
                    "{op}: shape {} has too many elements to address",
                    S(shape)
                )
            }
            Error::Alloc { op, elements } => {
                write!(
                    f,
                    "{op}: could not allocate a buffer of {elements} elements"
                )
            }
            Error::Axis { op, axis, shape } => write!(
                f,
                "{op}: axis {axis} is out of range for shape {} (rank {})",
                S(shape),
                shape.len()
            ),
            Error::Index { op, index, shape } => {
                write!(
                    f,
                    "{op}: index {} is out of range for shape {}",
                    S(index),
                    S(shape)
                )
            }
            Error::Rank {
                op,
                expected,
                shape,
            } => {
                write!(
                    f,
                    "{op}: expected a {expected} tensor, got shape {}",
                    S(shape)
                )
            }
            Error::ShapeMismatch { op, shapes, reason } => {
                write!(f, "{op}: incompatible shapes ")?;
                for (i, s) in shapes.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}", S(s))?;
                }
                write!(f, " ({reason})")
            }
            Error::NonFinite {
                op,
                pass,
                location,
                cause,
                ..
            } if pass == "step" => {
                write!(
                    f,
                    "{op}: the gradient of parameter '{location}' holds a NaN or infinity; \
                     the step was refused and no parameter or optimizer state changed"
                )?;
                if !cause.is_empty() {
                    write!(f, " ({cause})")?;
                }
                Ok(())
            }
            Error::NonFinite {
                op,
                pass,
                node,
                location,
                cause,
            } => {
                match node {
                    Some(n) => write!(f, "anomaly: node {n} ({op})")?,
                    None => write!(f, "anomaly: {op}")?,
                }
                if !location.is_empty() {
                    write!(f, " in {location}")?;
                }
                write!(f, " produced a NaN or infinity in its {pass}")?;
                if !cause.is_empty() {
                    write!(f, "; {cause}")?;
                }
                Ok(())
            }
            Error::Invalid { op, reason } => write!(f, "{op}: {reason}"),
            Error::Format { what, reason } => write!(f, "invalid {what}: {reason}"),
            Error::Io(msg) => write!(f, "I/O error: {msg}"),
            Error::File {
                file,
                tensor,
                kind,
                reason,
            } => {
                write!(f, "file '{file}'")?;
                if let Some(t) = tensor {
                    write!(f, ", tensor '{t}'")?;
                }
                write!(f, ": {kind}: {reason}")
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}
