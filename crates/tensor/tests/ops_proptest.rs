//! Broadcasting, reductions, views and `sum_to` against the naive reference in `common`, over
//! random shapes of rank 0 to 4 with dimensions 0 to 4 (size-0 dimensions included).

mod common;

use common::{Naive, broadcast, broadcast_pair, config, int_tensor, real_tensor, same_bits, shape};
use proptest::prelude::*;
use tensor::Tensor;

type BinOp = fn(&Tensor<f64>, &Tensor<f64>) -> tensor::Result<Tensor<f64>>;
type Case = (&'static str, BinOp, fn(f64, f64) -> f64);

/// Every broadcasting binary op with the scalar function that defines it.
fn binary_ops() -> Vec<Case> {
    fn b(x: bool) -> f64 {
        if x { 1.0 } else { 0.0 }
    }
    vec![
        ("add", Tensor::add, |x, y| x + y),
        ("sub", Tensor::sub, |x, y| x - y),
        ("mul", Tensor::mul, |x, y| x * y),
        ("div", Tensor::div, |x, y| x / y),
        ("pow", Tensor::pow, f64::powf),
        // NumPy's maximum: (x >= y || isnan(x)) ? x : y.
        ("maximum", Tensor::maximum, |x, y| {
            if x >= y || x.is_nan() { x } else { y }
        }),
        ("minimum", Tensor::minimum, |x, y| {
            if x <= y || x.is_nan() { x } else { y }
        }),
        ("gt", Tensor::gt, |x, y| b(x > y)),
        ("ge", Tensor::ge, |x, y| b(x >= y)),
        ("lt", Tensor::lt, |x, y| b(x < y)),
        ("le", Tensor::le, |x, y| b(x <= y)),
        ("eq", Tensor::eq, |x, y| b(x == y)),
        ("ne", Tensor::ne, |x, y| b(x != y)),
    ]
}

fn pair() -> impl Strategy<Value = (Tensor<f64>, Tensor<f64>)> {
    broadcast_pair().prop_flat_map(|(a, b)| (real_tensor(a), real_tensor(b)))
}

/// A tensor and a random view of it, described by the view op applied.
#[derive(Clone, Debug)]
enum View {
    Permute(Vec<usize>),
    Narrow(usize, usize, usize),
    Broadcast(Vec<usize>),
    Select(usize, usize),
    Unsqueeze(usize),
}

fn view_of(t: &Tensor<f64>, v: &View) -> Tensor<f64> {
    match v {
        View::Permute(p) => t.permute(p).unwrap(),
        View::Narrow(ax, s, l) => t.narrow(*ax, *s, *l).unwrap(),
        View::Broadcast(s) => t.broadcast_to(s).unwrap(),
        View::Select(ax, i) => t.select(*ax, *i).unwrap(),
        View::Unsqueeze(ax) => t.unsqueeze(*ax).unwrap(),
    }
}

/// The view's elements by definition, from the naive array.
fn view_naive(x: &Naive, v: &View) -> Naive {
    let out_shape: Vec<usize> = match v {
        View::Permute(p) => p.iter().map(|&i| x.shape[i]).collect(),
        View::Narrow(ax, _, l) => {
            let mut s = x.shape.clone();
            s[*ax] = *l;
            s
        }
        View::Broadcast(s) => s.clone(),
        View::Select(ax, _) => {
            let mut s = x.shape.clone();
            s.remove(*ax);
            s
        }
        View::Unsqueeze(ax) => {
            let mut s = x.shape.clone();
            s.insert(*ax, 1);
            s
        }
    };
    let n: usize = out_shape.iter().product();
    let data = (0..n)
        .map(|flat| {
            let idx = Naive::unravel(&out_shape, flat);
            match v {
                View::Permute(p) => {
                    let mut src = vec![0; idx.len()];
                    for (k, &pk) in p.iter().enumerate() {
                        src[pk] = idx[k];
                    }
                    x.at(&src)
                }
                View::Narrow(ax, s, _) => {
                    let mut src = idx.clone();
                    src[*ax] += s;
                    x.at(&src)
                }
                View::Broadcast(_) => x.at_broadcast(&idx),
                View::Select(ax, i) => {
                    let mut src = idx.clone();
                    src.insert(*ax, *i);
                    x.at(&src)
                }
                View::Unsqueeze(ax) => {
                    let mut src = idx.clone();
                    src.remove(*ax);
                    x.at(&src)
                }
            }
        })
        .collect();
    Naive {
        shape: out_shape,
        data,
    }
}

/// A random valid view op for `shape`.
fn view_op(shape: Vec<usize>) -> BoxedStrategy<View> {
    let n = shape.len();
    let mut options: Vec<BoxedStrategy<View>> = vec![
        Just((0..n).collect::<Vec<_>>())
            .prop_shuffle()
            .prop_map(View::Permute)
            .boxed(),
        (0..=n).prop_map(View::Unsqueeze).boxed(),
        // Broadcast: prepend up to two axes, and stretch size-1 axes.
        (
            prop::collection::vec(0usize..=3, 0..=2),
            prop::collection::vec(1usize..=3, n),
        )
            .prop_map({
                let shape = shape.clone();
                move |(lead, stretch)| {
                    let mut s = lead;
                    s.extend(
                        shape
                            .iter()
                            .zip(&stretch)
                            .map(|(&d, &k)| if d == 1 { k } else { d }),
                    );
                    View::Broadcast(s)
                }
            })
            .boxed(),
    ];
    for (ax, &d) in shape.iter().enumerate() {
        options.push(
            (0..=d)
                .prop_flat_map(move |s| (Just(s), 0..=d - s))
                .prop_map(move |(s, l)| View::Narrow(ax, s, l))
                .boxed(),
        );
        if d > 0 {
            options.push((0..d).prop_map(move |i| View::Select(ax, i)).boxed());
        }
    }
    prop::strategy::Union::new(options).boxed()
}

fn tensor_and_view() -> impl Strategy<Value = (Tensor<f64>, View)> {
    shape().prop_flat_map(|s| (real_tensor(s.clone()), view_op(s)))
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn binary_ops_broadcast_like_numpy((a, b) in pair()) {
        let out_shape = broadcast(a.shape(), b.shape()).unwrap();
        let (na, nb) = (Naive::of(&a), Naive::of(&b));
        for (name, op, f) in binary_ops() {
            let got = op(&a, &b).unwrap();
            prop_assert_eq!(got.shape(), &out_shape[..], "{}", name);
            let n: usize = out_shape.iter().product();
            let want: Vec<f64> = (0..n).map(|flat| {
                let idx = Naive::unravel(&out_shape, flat);
                f(na.at_broadcast(&idx), nb.at_broadcast(&idx))
            }).collect();
            prop_assert!(same_bits(&got.to_vec(), &want), "{} of {:?} and {:?}", name, a.shape(), b.shape());
        }
    }

    #[test]
    fn views_read_the_elements_their_definition_names((t, v) in tensor_and_view()) {
        let got = view_of(&t, &v);
        prop_assert!(got.shares_storage(&t));
        let want = view_naive(&Naive::of(&t), &v);
        prop_assert_eq!(got.shape(), &want.shape[..]);
        prop_assert!(same_bits(&got.to_vec(), &want.data));
    }

    #[test]
    fn ops_on_views_are_bitwise_equal_to_ops_on_contiguous_copies((t, v) in tensor_and_view(), k in -2.0f64..2.0) {
        let view = view_of(&t, &v);
        let copy = Tensor::from_vec(view.to_vec(), view.shape()).unwrap();
        let same = |a: &Tensor<f64>, b: &Tensor<f64>| same_bits(&a.to_vec(), &b.to_vec()) && a.shape() == b.shape();
        prop_assert!(same(&view.exp(), &copy.exp()));
        prop_assert!(same(&view.mul_scalar(k), &copy.mul_scalar(k)));
        prop_assert!(same(&view.add(&view).unwrap(), &copy.add(&copy).unwrap()));
        prop_assert!(same(&view.sum(), &copy.sum()));
        prop_assert!(same(&view.mean(), &copy.mean()));
        for ax in 0..view.ndim() {
            for keep in [false, true] {
                prop_assert!(same(&view.sum_axis(ax, keep).unwrap(), &copy.sum_axis(ax, keep).unwrap()));
                prop_assert!(same(&view.var_axis(ax, keep).unwrap(), &copy.var_axis(ax, keep).unwrap()));
                if view.shape()[ax] > 0 {
                    prop_assert!(same(&view.max_axis(ax, keep).unwrap(), &copy.max_axis(ax, keep).unwrap()));
                    prop_assert!(same(&view.argmin_axis(ax, keep).unwrap(), &copy.argmin_axis(ax, keep).unwrap()));
                    prop_assert!(same(&view.softmax(ax).unwrap(), &copy.softmax(ax).unwrap()));
                }
            }
        }
        if view.ndim() == 2 {
            let vt = view.t().unwrap();
            let ct = copy.t().unwrap().contiguous();
            prop_assert!(same(&view.matmul(&vt).unwrap(), &copy.matmul(&ct).unwrap()));
        }
    }

    #[test]
    fn axis_reductions_match_the_definition(t in shape().prop_flat_map(int_tensor)) {
        // Integer data: every sum is exact, so any summation order gives the same value.
        let x = Naive::of(&t);
        for ax in 0..t.ndim() {
            let mut out_shape = x.shape.clone();
            let n = out_shape.remove(ax);
            let m: usize = out_shape.iter().product();
            let column = |flat: usize| -> Vec<f64> {
                let mut idx = Naive::unravel(&out_shape, flat);
                idx.insert(ax, 0);
                (0..n).map(|i| { idx[ax] = i; x.at(&idx) }).collect()
            };
            let sums: Vec<f64> = (0..m).map(|f| column(f).iter().sum()).collect();
            let got = t.sum_axis(ax, false).unwrap();
            prop_assert_eq!(got.shape(), &out_shape[..]);
            prop_assert_eq!(got.to_vec(), sums.clone());
            let means: Vec<f64> = sums.iter().map(|s| s / n as f64).collect();
            prop_assert!(same_bits(&t.mean_axis(ax, false).unwrap().to_vec(), &means));
            let kept = t.sum_axis(ax as isize - t.ndim() as isize, true).unwrap();
            prop_assert_eq!(kept.shape()[ax], 1);
            prop_assert_eq!(kept.to_vec(), sums);
            if n > 0 {
                let cols: Vec<Vec<f64>> = (0..m).map(column).collect();
                let maxs: Vec<f64> = cols.iter().map(|c| c.iter().copied().fold(f64::NEG_INFINITY, f64::max)).collect();
                let mins: Vec<f64> = cols.iter().map(|c| c.iter().copied().fold(f64::INFINITY, f64::min)).collect();
                // First index of the extreme value.
                let argmax: Vec<f64> = cols.iter().zip(&maxs).map(|(c, mx)| c.iter().position(|v| v == mx).unwrap() as f64).collect();
                let argmin: Vec<f64> = cols.iter().zip(&mins).map(|(c, mn)| c.iter().position(|v| v == mn).unwrap() as f64).collect();
                prop_assert_eq!(t.max_axis(ax, false).unwrap().to_vec(), maxs);
                prop_assert_eq!(t.min_axis(ax, false).unwrap().to_vec(), mins);
                prop_assert_eq!(t.argmax_axis(ax, false).unwrap().to_vec(), argmax);
                prop_assert_eq!(t.argmin_axis(ax, false).unwrap().to_vec(), argmin);
                // Population variance: mean of squared deviations (within rounding of the mean).
                let vars: Vec<f64> = cols.iter().map(|c| {
                    let mu = c.iter().sum::<f64>() / n as f64;
                    c.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / n as f64
                }).collect();
                for (g, w) in t.var_axis(ax, false).unwrap().to_vec().iter().zip(&vars) {
                    prop_assert!((g - w).abs() <= 1e-12 * (1.0 + w.abs()));
                }
                for (g, w) in t.std_axis(ax, false).unwrap().to_vec().iter().zip(&vars) {
                    prop_assert!((g - w.sqrt()).abs() <= 1e-12 * (1.0 + w.sqrt()));
                }
            } else {
                prop_assert!(t.max_axis(ax, false).is_err());
                prop_assert!(t.argmax_axis(ax, false).is_err());
            }
        }
        let total: f64 = x.data.iter().sum();
        prop_assert_eq!(t.sum().item().unwrap(), total);
        if x.len() > 0 {
            let mx = x.data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            prop_assert_eq!(t.max().unwrap().item().unwrap(), mx);
            prop_assert_eq!(t.argmax().unwrap(), x.data.iter().position(|&v| v == mx).unwrap());
        }
    }

    #[test]
    fn sum_to_undoes_broadcasting((small, big) in broadcast_pair().prop_filter("small broadcasts to big", |(a, b)| {
        broadcast(a, b).as_deref() == Some(&b[..])
    }), seed in any::<u64>()) {
        // g has the broadcast (big) shape; sum_to(small) must add up every element of g that the
        // broadcast read from each element of `small`.
        let n: usize = big.iter().product();
        let g = Tensor::<f64>::from_fn(&big, |i| ((i as u64 ^ seed) % 9) as f64 - 4.0).unwrap();
        let got = g.sum_to(&small).unwrap();
        prop_assert_eq!(got.shape(), &small[..]);
        let m: usize = small.iter().product();
        let mut want = vec![0.0; m];
        let lead = big.len() - small.len();
        for flat in 0..n {
            let idx = Naive::unravel(&big, flat);
            let mut tgt = 0;
            for (i, &d) in small.iter().enumerate() {
                tgt = tgt * d + if d == 1 { 0 } else { idx[lead + i] };
            }
            want[tgt] += g.to_vec()[flat];
        }
        prop_assert_eq!(got.to_vec(), want);
    }

    #[test]
    fn index_select_concat_and_stack_match_the_definition(
        t in shape().prop_filter("rank >= 1", |s| !s.is_empty()).prop_flat_map(int_tensor),
        picks in prop::collection::vec(0usize..100, 0..6),
    ) {
        let x = Naive::of(&t);
        for ax in 0..t.ndim() {
            let d = t.shape()[ax];
            let idx: Vec<usize> = if d == 0 { vec![] } else { picks.iter().map(|p| p % d).collect() };
            let got = t.index_select(ax, &idx).unwrap();
            let mut shape = x.shape.clone();
            shape[ax] = idx.len();
            let want: Vec<f64> = (0..shape.iter().product()).map(|f| {
                let mut i = Naive::unravel(&shape, f);
                i[ax] = idx[i[ax]];
                x.at(&i)
            }).collect();
            prop_assert_eq!(got.to_vec(), want);
            // concat [t, t] along ax: the second copy starts at index d.
            let c = Tensor::concat(&[&t, &t], ax).unwrap();
            let mut cshape = x.shape.clone();
            cshape[ax] *= 2;
            let want: Vec<f64> = (0..cshape.iter().product()).map(|f| {
                let mut i = Naive::unravel(&cshape, f);
                i[ax] %= d.max(1);
                x.at(&i)
            }).collect();
            prop_assert_eq!(c.to_vec(), want);
        }
        let s = Tensor::stack(&[&t, &t.neg()], 0).unwrap();
        prop_assert_eq!(s.select(0, 1).unwrap().to_vec(), t.neg().to_vec());
    }
}
