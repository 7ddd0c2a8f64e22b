//! Gradients at chosen points, each derived by hand in a comment. The points are picked so that
//! the exact answer is representable and every operation on the way is exact (small integers,
//! halves, quarters), hence `assert_eq!`; where a transcendental is involved the tolerance is a few
//! ulps and says so.

#![allow(clippy::unwrap_used)]

use autograd::{Tape, Tensor, Var};

fn t(v: &[f64], s: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(v.to_vec(), s).unwrap()
}

/// The gradient of `f(x).sum()` with respect to one leaf `x`.
fn grad(
    x: &[f64],
    shape: &[usize],
    f: impl Fn(&Var<f64>) -> autograd::Result<Var<f64>>,
) -> Vec<f64> {
    let tape = Tape::new();
    let x = tape.var(t(x, shape));
    f(&x)
        .unwrap()
        .sum()
        .unwrap()
        .backward()
        .unwrap()
        .get(&x)
        .unwrap()
        .to_vec()
}

/// The gradients of `f(a, b).sum()` with respect to both leaves.
fn grad2(
    a: Tensor<f64>,
    b: Tensor<f64>,
    f: impl Fn(&Var<f64>, &Var<f64>) -> autograd::Result<Var<f64>>,
) -> (Vec<f64>, Vec<f64>) {
    let tape = Tape::new();
    let (a, b) = (tape.var(a), tape.var(b));
    let g = f(&a, &b).unwrap().sum().unwrap().backward().unwrap();
    (g.get(&a).unwrap().to_vec(), g.get(&b).unwrap().to_vec())
}

#[test]
fn quadratic_gradient_is_two_x_plus_five() {
    // y = x^2 + 5x + 4, dy/dx = 2x + 5: at [3, 1, 4] that is [11, 7, 13].
    let g = grad(&[3.0, 1.0, 4.0], &[3], |x| {
        x.square()?.add(&x.mul_scalar(5.0)?)?.add_scalar(4.0)
    });
    assert_eq!(g, vec![11.0, 7.0, 13.0]);
    // The same with operators and x * x (x used twice: 2x from the product rule, summed).
    let g = grad(&[3.0, 1.0, 4.0], &[3], |x| {
        Ok(&(&(x * x) + &(x * 5.0)) + 4.0)
    });
    assert_eq!(g, vec![11.0, 7.0, 13.0]);
}

#[test]
fn broadcast_product_gradients_are_summed_down_to_each_shape() {
    // s = sum_ij a_ij b_j with a: [2, 2], b: [2]. ds/da_ij = b_j; ds/db_j = sum_i a_ij.
    let (ga, gb) = grad2(
        t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]),
        t(&[10.0, 20.0], &[2]),
        |a, b| a.mul(b),
    );
    assert_eq!(ga, vec![10.0, 20.0, 10.0, 20.0]);
    assert_eq!(gb, vec![4.0, 6.0]);
    // A column [2, 1] against a row [3]: the [2, 3] outer sum. ds/dcol_i = 3, ds/drow_j = 2.
    let (gc, gr) = grad2(
        t(&[1.0, 2.0], &[2, 1]),
        t(&[1.0, 2.0, 3.0], &[3]),
        |a, b| a.add(b),
    );
    assert_eq!(gc, vec![3.0, 3.0]);
    assert_eq!(gr, vec![2.0, 2.0, 2.0]);
    // A rank-0 operand receives the sum over everything: d/ds sum(x - s) = -numel = -4.
    let (_, gs) = grad2(t(&[1.0; 4], &[2, 2]), t(&[0.5], &[]), |x, s| x.sub(s));
    assert_eq!(gs, vec![-4.0]);
}

#[test]
fn quotient_and_power_rules() {
    // d(a/b)/da = 1/b = [1/2, 1/4]; d(a/b)/db = -a/b^2 = [-1/4, -2/16].
    let (ga, gb) = grad2(t(&[1.0, 2.0], &[2]), t(&[2.0, 4.0], &[2]), |a, b| a.div(b));
    assert_eq!(ga, vec![0.5, 0.25]);
    assert_eq!(gb, vec![-0.25, -0.125]);
    // d(a^b)/da = b a^(b-1) = 3 * 2^2 = 12; d(a^b)/db = a^b ln a = 8 ln 2 (ln is correctly
    // rounded to within an ulp, so allow 2 ulps of 5.5).
    let (ga, gb) = grad2(t(&[2.0], &[1]), t(&[3.0], &[1]), |a, b| a.pow(b));
    assert_eq!(ga, vec![12.0]);
    assert!((gb[0] - 8.0 * 2f64.ln()).abs() <= 2.0 * f64::EPSILON * 8.0);
    // Scalar forms: d(3 - x)/dx = -1; d(2 / x)/dx = -2/x^2 = -1/2 at 2; d(x^1.5)/dx = 1.5 sqrt(x)
    // = 3 at 4; d(x / 4)/dx = 1/4.
    assert_eq!(grad(&[5.0], &[1], |x| x.rsub_scalar(3.0)), vec![-1.0]);
    assert_eq!(grad(&[2.0], &[1], |x| x.rdiv_scalar(2.0)), vec![-0.5]);
    assert_eq!(grad(&[4.0], &[1], |x| x.powf(1.5)), vec![3.0]);
    assert_eq!(grad(&[7.0], &[1], |x| x.div_scalar(4.0)), vec![0.25]);
    // d(x^-2)/dx = -2 x^-3 = -1/4 at 2; d(x^0)/dx = 0 even at 0 (no 0 * inf).
    assert_eq!(grad(&[2.0], &[1], |x| x.powi(-2)), vec![-0.25]);
    assert_eq!(grad(&[0.0, 3.0], &[2], |x| x.powi(0)), vec![0.0, 0.0]);
    assert_eq!(grad(&[0.0], &[1], |x| x.powf(0.0)), vec![0.0]);
}

#[test]
fn smooth_unary_derivatives_at_exact_points() {
    // exp'(0) = 1, ln'(2) = 1/2, sqrt'(4) = 1/(2*2) = 1/4, recip'(2) = -1/4, tanh'(0) = 1,
    // sigmoid'(0) = 1/2 * 1/2 = 1/4, square'(3) = 6, neg' = -1.
    assert_eq!(grad(&[0.0], &[], |x| x.exp()), vec![1.0]);
    assert_eq!(grad(&[2.0], &[], |x| x.ln()), vec![0.5]);
    assert_eq!(grad(&[4.0], &[], |x| x.sqrt()), vec![0.25]);
    assert_eq!(grad(&[2.0], &[], |x| x.recip()), vec![-0.25]);
    assert_eq!(grad(&[0.0], &[], |x| x.tanh()), vec![1.0]);
    assert_eq!(grad(&[0.0], &[], |x| x.sigmoid()), vec![0.25]);
    assert_eq!(grad(&[3.0], &[], |x| x.square()), vec![6.0]);
    assert_eq!(grad(&[3.0], &[], |x| x.neg()), vec![-1.0]);
}

#[test]
fn kink_conventions_are_the_documented_ones() {
    // relu'(z) = (z > 0), the lesson's relu_derivative: 0 at the kink.
    assert_eq!(
        grad(&[-1.0, 0.0, 2.0], &[3], |x| x.relu()),
        vec![0.0, 0.0, 1.0]
    );
    // abs'(x) = sign(x): 0 at 0.
    assert_eq!(
        grad(&[-2.0, 0.0, 3.0], &[3], |x| x.abs()),
        vec![-1.0, 0.0, 1.0]
    );
    // leaky_relu'(x) = 1 for x > 0, slope otherwise (0 included).
    assert_eq!(
        grad(&[-1.0, 0.0, 2.0], &[3], |x| x.leaky_relu(0.125)),
        vec![0.125, 0.125, 1.0]
    );
    // clamp passes the gradient on the closed interval [lo, hi].
    assert_eq!(
        grad(&[-2.0, -1.0, 0.0, 1.0, 2.0], &[5], |x| x.clamp(-1.0, 1.0)),
        vec![0.0, 1.0, 1.0, 1.0, 0.0]
    );
    // max with a tie splits evenly between the tied elements; the others get 0.
    assert_eq!(
        grad(&[1.0, 3.0, 3.0, 2.0], &[4], |x| x.max()),
        vec![0.0, 0.5, 0.5, 0.0]
    );
    assert_eq!(
        grad(&[1.0, 1.0, 1.0, 2.0], &[4], |x| x.min()),
        vec![1.0 / 3.0; 3]
            .into_iter()
            .chain([0.0])
            .collect::<Vec<_>>()
    );
    // Row-wise: row [5, 5, 1] ties, row [0, 2, 1] does not.
    assert_eq!(
        grad(&[5.0, 5.0, 1.0, 0.0, 2.0, 1.0], &[2, 3], |x| x
            .max_axis(1, false)),
        vec![0.5, 0.5, 0.0, 0.0, 1.0, 0.0]
    );
    // maximum(a, b): the larger side gets g, a tie gives g/2 to each side.
    let (ga, gb) = grad2(
        t(&[1.0, 2.0, 3.0], &[3]),
        t(&[3.0, 2.0, 1.0], &[3]),
        |a, b| a.maximum(b),
    );
    assert_eq!((ga, gb), (vec![0.0, 0.5, 1.0], vec![1.0, 0.5, 0.0]));
    let (ga, gb) = grad2(
        t(&[1.0, 2.0, 3.0], &[3]),
        t(&[3.0, 2.0, 1.0], &[3]),
        |a, b| a.minimum(b),
    );
    assert_eq!((ga, gb), (vec![1.0, 0.5, 0.0], vec![0.0, 0.5, 1.0]));
    assert_eq!(
        grad(&[0.0, 1.0, -1.0], &[3], |x| x.maximum_scalar(0.0)),
        vec![0.5, 1.0, 0.0]
    );
    // maximum(x, x) = x, so its derivative is 1: the even split is what makes that hold.
    assert_eq!(grad(&[2.0], &[1], |x| x.maximum(x)), vec![1.0]);
}

#[test]
fn reductions_spread_the_gradient_back() {
    // mean over 4 elements: 1/4 each. mean over axis 0 of [2, 3] then summed: 1/2 each.
    assert_eq!(
        grad(&[1.0, 2.0, 3.0, 4.0], &[4], |x| x.mean()),
        vec![0.25; 4]
    );
    assert_eq!(
        grad(&[0.0; 6], &[2, 3], |x| x.mean_axis(0, false)),
        vec![0.5; 6]
    );
    // sum over axis 1 kept, times w = [[1], [2]]: every element of row i gets w_i.
    let w = t(&[1.0, 2.0], &[2, 1]);
    let g = grad(&[0.0; 6], &[2, 3], |x| {
        x.sum_axis(1, true)?.mul(&x.tape().constant(w.clone()))
    });
    assert_eq!(g, vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    // x = [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, var = mean((x - 5)^2) = 32/8 = 4, std = 2.
    // dvar/dx_i = 2 (x_i - 5) / 8 (the mean's own path contributes -sum(x - 5)/4 * 1/8 = 0);
    // dstd/dx_i = dvar/dx_i / (2 std) = (x_i - 5) / 16.
    let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
    let dvar: Vec<f64> = x.iter().map(|v| (v - 5.0) / 4.0).collect();
    let dstd: Vec<f64> = x.iter().map(|v| (v - 5.0) / 16.0).collect();
    assert_eq!(grad(&x, &[8], |x| x.var()), dvar);
    assert_eq!(grad(&x, &[8], |x| x.std()), dstd);
    // As [2, 4], columns (a, b) = (2, 5), (4, 5), (4, 7), (4, 9): var = ((a - b) / 2)^2 per
    // column, so dvar/da = (a - b) / 2 and dvar/db = (b - a) / 2.
    assert_eq!(
        grad(&x, &[2, 4], |x| x.var_axis(0, false)),
        vec![-1.5, -0.5, -1.5, -2.5, 1.5, 0.5, 1.5, 2.5]
    );
    // sum_axes over [0, 2] of a [2, 3, 2], times w = [1, 2, 3] along axis 1.
    let w = t(&[1.0, 2.0, 3.0], &[3]);
    let g = grad(&[0.0; 12], &[2, 3, 2], |x| {
        x.sum_axes(&[0, -1], false)?
            .mul(&x.tape().constant(w.clone()))
    });
    assert_eq!(g, [1.0, 1.0, 2.0, 2.0, 3.0, 3.0].repeat(2));
    // sum_to([1, 3]) of a [2, 3] times w = [[1, 2, 3]]: each column gets its w.
    let w = t(&[1.0, 2.0, 3.0], &[1, 3]);
    let g = grad(&[0.0; 6], &[2, 3], |x| {
        x.sum_to(&[1, 3])?.mul(&x.tape().constant(w.clone()))
    });
    assert_eq!(g, vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
}

#[test]
fn softmax_family_at_symmetric_points() {
    // x = [0, 0]: softmax y = [1/2, 1/2]. With upstream w = [1, 3]: dx = y (w - sum(w y))
    // = 1/2 ([1, 3] - 2) = [-1/2, 1/2].
    let w = t(&[1.0, 3.0], &[2]);
    let g = grad(&[0.0, 0.0], &[2], |x| {
        x.softmax(0)?.mul(&x.tape().constant(w.clone()))
    });
    assert_eq!(g, vec![-0.5, 0.5]);
    // log_softmax with upstream [1, 0]: dx = g - y sum(g) = [1 - 1/2, 0 - 1/2].
    let w = t(&[1.0, 0.0], &[2]);
    let g = grad(&[0.0, 0.0], &[2], |x| {
        x.log_softmax(-1)?.mul(&x.tape().constant(w.clone()))
    });
    assert_eq!(g, vec![0.5, -0.5]);
    // logsumexp'(x) = softmax(x) = [1/4; 4] at four equal entries, per row. The rule computes
    // exp(x - lse) with lse = 7 + ln 4 rounded, so allow two ulps of 1/4.
    let g = grad(&[7.0; 8], &[2, 4], |x| x.logsumexp(1, false));
    assert!(
        g.iter()
            .all(|v| (v - 0.25).abs() <= 2.0 * f64::EPSILON * 0.25),
        "{g:?}"
    );
}

#[test]
fn matmul_gradients_are_row_and_column_sums() {
    // s = sum(A B). ds/dA_ik = sum_j B_kj (row sums of B); ds/dB_kj = sum_i A_ik (column sums of A).
    let a = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let b = t(&[1.0, 0.0, 2.0, 1.0, 0.0, 3.0], &[3, 2]);
    let (ga, gb) = grad2(a, b, |a, b| a.matmul(b));
    assert_eq!(ga, vec![1.0, 3.0, 3.0, 1.0, 3.0, 3.0]);
    assert_eq!(gb, vec![5.0, 5.0, 7.0, 7.0, 9.0, 9.0]);
    // Vector @ matrix: s = sum_j sum_k v_k M_kj, ds/dv = row sums of M, ds/dM_kj = v_k.
    let (gv, gm) = grad2(
        t(&[1.0, 2.0], &[2]),
        t(&[1.0, 2.0, 3.0, 4.0], &[2, 2]),
        |v, m| v.matmul(m),
    );
    assert_eq!((gv, gm), (vec![3.0, 7.0], vec![1.0, 1.0, 2.0, 2.0]));
    // A batch [2, 1, 2] @ a shared [2, 1]: the shared matrix gets the sum over the batch.
    let (_, gm) = grad2(
        t(&[1.0, 2.0, 3.0, 4.0], &[2, 1, 2]),
        t(&[1.0, 1.0], &[2, 1]),
        |a, m| a.matmul(m),
    );
    assert_eq!(gm, vec![4.0, 6.0]);
}

#[test]
fn movement_ops_put_the_gradient_back_in_place() {
    // sum(x^T * w) = sum_ij x_ji w_ij, so dx = w^T.
    let w = t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]);
    let g = grad(&[0.0; 6], &[2, 3], |x| {
        x.t()?.mul(&x.tape().constant(w.clone()))
    });
    assert_eq!(g, vec![1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);
    // index_select with a repeat: x[2] picked twice, x[1] never.
    assert_eq!(
        grad(&[10.0, 20.0, 30.0], &[3], |x| x.index_select(0, &[2, 0, 2])),
        vec![1.0, 0.0, 2.0]
    );
    // narrow(0, 1, 2) of 4 elements: only the middle two get gradient.
    assert_eq!(
        grad(&[0.0; 4], &[4], |x| x.narrow(0, 1, 2)),
        vec![0.0, 1.0, 1.0, 0.0]
    );
    // broadcast_to([2, 3]) of [3]: each element is used twice.
    assert_eq!(
        grad(&[0.0; 3], &[3], |x| x.broadcast_to(&[2, 3])),
        vec![2.0; 3]
    );
    // concat([x, 2x]) along 0: d/dx = 1 + 2.
    assert_eq!(
        grad(&[0.0; 2], &[2], |x| Var::concat(
            &[x, &x.mul_scalar(2.0)?],
            0
        )),
        vec![3.0, 3.0]
    );
    // stack([x, x^2]) at x = 3: d/dx = 1 + 2x = 7.
    assert_eq!(
        grad(&[3.0], &[1], |x| Var::stack(&[x, &x.square()?], 1)),
        vec![7.0]
    );
    // select(1, 2) of a [2, 3] times [10, 20]: the last column gets [10, 20].
    let w = t(&[10.0, 20.0], &[2]);
    let g = grad(&[0.0; 6], &[2, 3], |x| {
        x.select(1, 2)?.mul(&x.tape().constant(w.clone()))
    });
    assert_eq!(g, vec![0.0, 0.0, 10.0, 0.0, 0.0, 20.0]);
    // where(c, a, b): a gets the picked positions, b the others.
    let c = t(&[1.0, 0.0, 1.0], &[3]);
    let (ga, gb) = grad2(t(&[0.0; 3], &[3]), t(&[0.0], &[1]), |a, b| {
        Var::where_cond(&c, a, b)
    });
    assert_eq!((ga, gb), (vec![1.0, 0.0, 1.0], vec![1.0]));
}
