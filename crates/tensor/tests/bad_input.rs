//! Bad input gets an `Err` that names the op and the shapes: never a panic, never a huge
//! allocation. `.ci/run` runs this file in both debug and `--release`, where integer overflow
//! would wrap silently if a size computation were unchecked.

mod common;

use common::{broadcast, config, shape};
use proptest::prelude::*;
use tensor::{Error, Tensor};

fn zeros(shape: &[usize]) -> Tensor<f32> {
    Tensor::zeros(shape).unwrap()
}

/// Two shapes that do not broadcast: some aligned pair of dimensions differs and neither is 1.
fn incompatible_pair() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    (shape(), shape(), 2usize..=4, 2usize..=4)
        .prop_filter("distinct non-1 dims", |(_, _, x, y)| x != y)
        .prop_map(|(mut a, mut b, x, y)| {
            // Put the conflicting pair on the last axis of both.
            a.push(x);
            b.push(y);
            (a, b)
        })
}

fn fmt(s: &[usize]) -> String {
    format!("{s:?}")
}

type BinOp = fn(&Tensor<f32>, &Tensor<f32>) -> tensor::Result<Tensor<f32>>;

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn every_binary_op_rejects_incompatible_shapes_by_name((a, b) in incompatible_pair()) {
        prop_assert!(broadcast(&a, &b).is_none());
        let (x, y) = (zeros(&a), zeros(&b));
        let ops: [(&str, BinOp); 13] = [
            ("add", Tensor::add), ("sub", Tensor::sub), ("mul", Tensor::mul), ("div", Tensor::div),
            ("pow", Tensor::pow), ("maximum", Tensor::maximum), ("minimum", Tensor::minimum),
            ("gt", Tensor::gt), ("ge", Tensor::ge), ("lt", Tensor::lt), ("le", Tensor::le),
            ("eq", Tensor::eq), ("ne", Tensor::ne),
        ];
        for (name, op) in ops {
            let e = op(&x, &y).unwrap_err();
            let msg = e.to_string();
            prop_assert!(matches!(e, Error::Broadcast { .. }), "{}", msg);
            prop_assert!(msg.starts_with(&format!("{name}: ")), "{}", msg);
            prop_assert!(msg.contains(&fmt(&a)) && msg.contains(&fmt(&b)), "{}", msg);
        }
    }

    #[test]
    fn matmul_rejects_mismatched_inner_dimensions(
        batch in prop::collection::vec(1usize..=3, 0..=2), m in 0usize..=4, k in 0usize..=4,
        k2 in 0usize..=4, n in 0usize..=4, rank_b in 1usize..=3,
    ) {
        prop_assume!(k != k2);
        let mut a = batch.clone();
        a.extend([m, k]);
        let b: Vec<usize> = match rank_b { 1 => vec![k2], 2 => vec![k2, n], _ => { let mut b = batch; b.extend([k2, n]); b } };
        let e = zeros(&a).matmul(&zeros(&b)).unwrap_err();
        let msg = e.to_string();
        prop_assert!(matches!(e, Error::Matmul { .. }), "{}", msg);
        prop_assert_eq!(msg, format!(
            "matmul: cannot multiply {} by {} (inner dimensions {k} and {k2} differ)", fmt(&a), fmt(&b)
        ));
    }

    #[test]
    fn reshape_and_from_vec_reject_wrong_element_counts(from in shape(), to in shape()) {
        let (nf, nt): (usize, usize) = (from.iter().product(), to.iter().product());
        prop_assume!(nf != nt);
        let msg = zeros(&from).reshape(&to).unwrap_err().to_string();
        prop_assert!(msg.contains(&fmt(&from)) && msg.contains(&fmt(&to)), "{}", msg);
        let msg = Tensor::<f64>::from_vec(vec![0.0; nf], &to).unwrap_err().to_string();
        prop_assert_eq!(msg, format!("from_vec: shape {} needs {nt} elements but {nf} were given", fmt(&to)));
    }

    #[test]
    fn out_of_range_axes_are_errors_for_every_axis_op(s in shape(), axis in -7isize..7) {
        let t = zeros(&s);
        let nd = s.len() as isize;
        let valid = (-nd..nd).contains(&axis);
        let results = [
            t.sum_axis(axis, false).map(|_| ()),
            t.mean_axis(axis, true).map(|_| ()),
            t.var_axis(axis, false).map(|_| ()),
            t.softmax(axis).map(|_| ()),
            t.log_softmax(axis).map(|_| ()),
            t.transpose(axis, 0).map(|_| ()),
            t.narrow(axis, 0, 0).map(|_| ()),
            t.index_select(axis, &[]).map(|_| ()),
            t.squeeze(axis).map(|_| ()),
        ];
        for r in results {
            match r {
                Err(Error::Axis { axis: a, shape, .. }) => {
                    prop_assert!(!valid || nd == 0);
                    prop_assert_eq!(a, axis);
                    prop_assert_eq!(shape, s.clone());
                }
                // A valid axis may still fail for another reason (empty axis, length != 1).
                Err(e) => prop_assert!(valid, "{}", e),
                Ok(()) => prop_assert!(valid),
            }
        }
    }
}

#[test]
fn overflowing_shapes_are_errors_not_wraparounds() {
    let huge: [&[usize]; 3] = [
        &[1 << 32, 1 << 32],
        &[2, usize::MAX / 2 + 1],
        &[usize::MAX, 2, 0, 3],
    ];
    for s in huge {
        // [usize::MAX, 2, 0, 3] has no elements, but its nonzero dimensions multiply past usize:
        // NumPy rejects it too ("array is too big"), and so do we.
        let e = Tensor::<f32>::zeros(s).unwrap_err();
        assert!(matches!(e, Error::SizeOverflow { .. }), "{s:?}: {e}");
        assert!(e.to_string().contains(&fmt(s)), "{e}");
        assert!(Tensor::<f32>::from_vec(vec![], s).is_err());
        assert!(Tensor::<f32>::ones(s).is_err());
        assert!(Tensor::<f32>::from_fn(s, |_| 0.0).is_err());
        assert!(zeros(&[0]).reshape(s).is_err());
        assert!(Tensor::scalar(1.0f32).broadcast_to(s).is_err());
    }
}

#[test]
fn a_broadcast_view_of_a_huge_shape_cannot_be_materialised() {
    // Views of huge shapes are legal (stride 0, no storage), but an op that would materialise
    // 2^64 elements must fail cleanly, and so must a product whose output overflows.
    let a = Tensor::scalar(1.0f32).broadcast_to(&[1 << 32, 1]).unwrap();
    let b = Tensor::scalar(1.0f32).broadcast_to(&[1, 1 << 32]).unwrap();
    assert!(matches!(a.add(&b).unwrap_err(), Error::SizeOverflow { .. }));
    assert!(matches!(
        a.matmul(&b).unwrap_err(),
        Error::SizeOverflow { .. }
    ));
}

#[test]
#[cfg_attr(miri, ignore = "asks the allocator for terabytes")]
fn a_representable_but_impossible_allocation_is_an_error() {
    // 2^40 f32 = 4 TiB: the count fits and the byte size fits isize, but no allocator grants it.
    let e = Tensor::<f32>::zeros(&[1 << 40]).unwrap_err();
    assert!(matches!(e, Error::Alloc { .. }), "{e}");
    // 2^61 f64 = 2^64 bytes: the byte size itself overflows.
    assert!(matches!(
        Tensor::<f64>::zeros(&[1 << 61]).unwrap_err(),
        Error::SizeOverflow { .. }
    ));
}

#[test]
fn other_bad_arguments_are_named_errors() {
    let t = zeros(&[2, 3]);
    assert!(t.get(&[2, 0]).unwrap_err().to_string().contains("[2, 3]"));
    assert!(t.item().is_err());
    assert!(
        t.narrow(1, 2, 2)
            .unwrap_err()
            .to_string()
            .contains("[2, 3]")
    );
    assert!(
        t.index_select(0, &[0, 5])
            .unwrap_err()
            .to_string()
            .contains("[2, 3]")
    );
    assert!(t.permute(&[0, 0]).is_err());
    assert!(t.clamp(1.0, 0.0).is_err());
    assert!(Tensor::<f32>::concat(&[], 0).is_err());
    assert!(
        Tensor::concat(&[&t, &zeros(&[2, 2])], 0)
            .unwrap_err()
            .to_string()
            .contains("[2, 3], [2, 2]")
    );
    assert!(Tensor::stack(&[&t, &zeros(&[3, 2])], 0).is_err());
    assert!(zeros(&[0]).max().is_err());
    assert!(zeros(&[2, 0]).argmax_axis(1, false).is_err());
    assert!(Tensor::scalar(1.0f32).matmul(&t).is_err());
    assert!(Tensor::<f32>::arange(0.0, 1.0, 0.0).is_err());
    assert!(Tensor::<f32>::arange(0.0, f32::INFINITY, 1.0).is_err());
}
