//! autograd's integration tests, one module per former test file, in one test binary.
//!
//! Each file under `tests/` is a crate of its own that links and instantiates the generic tensor
//! and tape code again: twelve of them took about 6 minutes of compile time of a fresh CI run
//! (docs/performance.md, "CI time"). As modules of one crate they compile once. Tests that need
//! a process to themselves (`memory.rs`, which installs a counting global allocator) stay
//! separate files.
//!
//! Run one group with a filter: `cargo test -p autograd --test suite gradcheck_shape::`.

mod common;

mod chain;
mod determinism;
mod fused_ops;
mod gradcheck_elementwise;
mod gradcheck_itself;
mod gradcheck_reduce;
mod gradcheck_shape;
mod gradients_edit;
mod lesson_flow;
mod literal;
mod second_order;
mod tape_api;
