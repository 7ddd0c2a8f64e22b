//! Copies that gather or join: `index_select`, `concat`, `stack`.

use crate::error::{Error, Result};
use crate::float::Float;
use crate::iter::for_each_run;
use crate::shape::{Axis, numel, resolve_axis};
use crate::tensor::{Tensor, try_alloc};

impl<T: Float> Tensor<T> {
    /// Appends the elements of this tensor, in row-major order, to `out`.
    pub(crate) fn extend_into(&self, out: &mut Vec<T>) {
        if let Some(s) = self.as_slice() {
            out.extend_from_slice(s);
            return;
        }
        let l = &self.layout;
        for_each_run(l.shape(), [l.strides()], [l.offset], |[o], len, [s]| {
            out.extend((0..len).map(|j| self.data[o + j * s]));
        });
    }

    /// The slices at `indices` along `axis`, in that order (repeats allowed): NumPy's
    /// `x[indices]` for `axis = 0`, used to shuffle rows and cut minibatches.
    ///
    /// # Errors
    /// [`Error::Axis`] for a bad axis, [`Error::Index`] for an index out of range.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2])?;
    /// assert_eq!(x.index_select(0, &[2, 0])?.to_vec(), vec![5.0, 6.0, 1.0, 2.0]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn index_select(&self, axis: impl Axis, indices: &[usize]) -> Result<Tensor<T>> {
        let ax = resolve_axis("index_select", axis.as_isize(), self.shape())?;
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.shape()[ax]) {
            let mut index = vec![0; self.ndim()];
            index[ax] = bad;
            return Err(Error::Index {
                op: "index_select",
                index,
                shape: self.shape().to_vec(),
            });
        }
        let mut shape = self.shape().to_vec();
        shape[ax] = indices.len();
        let n = numel("index_select", &shape)?;
        let mut out = try_alloc("index_select", n)?;
        // Move the axis to the front so each index picks one contiguous block of the output.
        let mut perm: Vec<usize> = (0..self.ndim()).collect();
        perm.remove(ax);
        perm.insert(0, ax);
        let front = self.permute(&perm)?;
        for &i in indices {
            front.select(0, i)?.extend_into(&mut out);
        }
        let mut shape_front = shape.clone();
        shape_front.remove(ax);
        shape_front.insert(0, indices.len());
        let gathered = Tensor::from_parts(out, &shape_front);
        // And back: the inverse permutation moves axis 0 to position `ax`.
        let mut inv: Vec<usize> = (1..self.ndim()).collect();
        inv.insert(ax, 0);
        Ok(gathered.permute(&inv)?.contiguous())
    }

    /// Joins tensors along an existing axis; all other dimensions must be equal.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty list, [`Error::Axis`] for a bad axis,
    /// [`Error::ShapeMismatch`] naming every shape if they do not fit.
    ///
    /// ```
    /// use tensor::Tensor;
    /// let a = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[1, 2])?;
    /// let b = Tensor::<f64>::from_vec(vec![3.0, 4.0, 5.0, 6.0], &[2, 2])?;
    /// assert_eq!(Tensor::concat(&[&a, &b], 0)?.shape(), &[3, 2]);
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn concat(tensors: &[&Tensor<T>], axis: impl Axis) -> Result<Tensor<T>> {
        let first = tensors.first().ok_or(Error::Invalid {
            op: "concat",
            reason: "no tensors given".into(),
        })?;
        let ax = resolve_axis("concat", axis.as_isize(), first.shape())?;
        let fits = |t: &&Tensor<T>| {
            t.ndim() == first.ndim()
                && t.shape()
                    .iter()
                    .zip(first.shape())
                    .enumerate()
                    .all(|(i, (a, b))| i == ax || a == b)
        };
        if !tensors.iter().all(fits) {
            return Err(Error::ShapeMismatch {
                op: "concat",
                shapes: tensors.iter().map(|t| t.shape().to_vec()).collect(),
                reason: format!("all dimensions except axis {ax} must be equal"),
            });
        }
        let mut shape = first.shape().to_vec();
        shape[ax] = tensors
            .iter()
            .try_fold(0usize, |acc, t| acc.checked_add(t.shape()[ax]))
            .ok_or_else(|| Error::SizeOverflow {
                op: "concat",
                shape: first.shape().to_vec(),
            })?;
        let n = numel("concat", &shape)?;
        let mut out = try_alloc("concat", n)?;
        // Row-major: for each index of the axes before `ax`, copy each tensor's block in turn.
        let outer: usize = shape[..ax].iter().product();
        let merged = tensors
            .iter()
            .map(|t| t.reshape_outer(ax))
            .collect::<Result<Vec<_>>>()?;
        for o in 0..outer {
            for t in &merged {
                t.select(0, o)?.extend_into(&mut out);
            }
        }
        Ok(Tensor::from_parts(out, &shape))
    }

    /// Views the tensor with its first `ax` axes merged into one (copies if not mergeable).
    fn reshape_outer(&self, ax: usize) -> Result<Tensor<T>> {
        let outer: usize = self.shape()[..ax].iter().product();
        let mut shape = vec![outer];
        shape.extend_from_slice(&self.shape()[ax..]);
        self.reshape(&shape)
    }

    /// Joins tensors of equal shape along a new axis at position `axis` (`0..=ndim`).
    ///
    /// # Errors
    /// [`Error::Invalid`] for an empty list, [`Error::ShapeMismatch`] if shapes differ,
    /// [`Error::Axis`] for a bad axis.
    pub fn stack(tensors: &[&Tensor<T>], axis: impl Axis) -> Result<Tensor<T>> {
        let first = tensors.first().ok_or(Error::Invalid {
            op: "stack",
            reason: "no tensors given".into(),
        })?;
        if tensors.iter().any(|t| t.shape() != first.shape()) {
            return Err(Error::ShapeMismatch {
                op: "stack",
                shapes: tensors.iter().map(|t| t.shape().to_vec()).collect(),
                reason: "all shapes must be equal".into(),
            });
        }
        let expanded = tensors
            .iter()
            .map(|t| t.unsqueeze(axis))
            .collect::<Result<Vec<_>>>()?;
        let refs: Vec<&Tensor<T>> = expanded.iter().collect();
        let mut shape = first.shape().to_vec();
        shape.push(1);
        let ax = resolve_axis("stack", axis.as_isize(), &shape)?;
        Tensor::concat(&refs, ax)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iota(shape: &[usize]) -> Tensor<f64> {
        Tensor::from_fn(shape, |i| i as f64).unwrap()
    }

    #[test]
    fn index_select_along_a_middle_axis() {
        // x[i, j, k] = 6i + 3j + k for shape [2, 2, 3]; picking j = [1, 1, 0].
        let x = iota(&[2, 2, 3]);
        let y = x.index_select(1, &[1, 1, 0]).unwrap();
        assert_eq!(y.shape(), &[2, 3, 3]);
        let want: Vec<f64> = (0..2)
            .flat_map(|i| {
                [1, 1, 0]
                    .into_iter()
                    .flat_map(move |j| (0..3).map(move |k| (6 * i + 3 * j + k) as f64))
            })
            .collect();
        assert_eq!(y.to_vec(), want);
        assert!(x.index_select(1, &[2]).is_err());
    }

    #[test]
    fn concat_along_the_last_axis_interleaves_rows() {
        let a = iota(&[2, 1]);
        let b = iota(&[2, 2]).add_scalar(10.0);
        let c = Tensor::concat(&[&a, &b], 1).unwrap();
        assert_eq!(c.to_vec(), vec![0.0, 10.0, 11.0, 1.0, 12.0, 13.0]);
        let e = Tensor::concat(&[&a, &iota(&[3, 1])], 1).unwrap_err();
        assert!(e.to_string().contains("[2, 1], [3, 1]"), "{e}");
    }

    #[test]
    fn stack_makes_a_new_axis() {
        let a = iota(&[2]);
        let b = a.add_scalar(5.0);
        assert_eq!(
            Tensor::stack(&[&a, &b], 0).unwrap().to_vec(),
            vec![0.0, 1.0, 5.0, 6.0]
        );
        assert_eq!(
            Tensor::stack(&[&a, &b], 1).unwrap().to_vec(),
            vec![0.0, 5.0, 1.0, 6.0]
        );
        assert_eq!(Tensor::stack(&[&a, &b], -1).unwrap().shape(), &[2, 2]);
    }
}
