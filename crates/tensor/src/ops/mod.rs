//! Tensor operations, one file per family. Each op is a short method over a shared helper.

mod binary;
mod matmul;
mod reduce;
mod scatter;
mod select;
mod softmax;
mod std_ops;
mod unary;
mod view;
