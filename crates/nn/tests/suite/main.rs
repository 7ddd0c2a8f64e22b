//! nn's integration tests, one module per former test file, in one test binary.
//!
//! Each file under `tests/` is a crate of its own that links and instantiates the generic tensor,
//! tape and layer code again; as modules of one crate they compile once (docs/performance.md,
//! "CI time"). Separate files remain for tests that need a process to themselves
//! (`step_allocations.rs` installs a counting global allocator) and for the file-format tests
//! that CI also runs in release mode by name (`io_hostile.rs`, `io_model_fit.rs`).
//!
//! Run one group with a filter: `cargo test -p nn --test suite checkpoint::`.

mod checked_inputs;
mod checkpoint;
mod io_roundtrip;
mod losses;
mod non_finite;
mod optimizers;
mod sequential;
mod train;
