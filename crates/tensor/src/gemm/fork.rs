//! How a threaded product runs its tasks (bands of `C`, pieces of the packed `B`): the calling
//! thread runs the first task itself and hands the others to a pool, as OpenBLAS's caller does.
//!
//! From a worker of a rayon pool (a user's `install`, or a product inside a `par_iter`) the
//! others go to that pool, whose workers steal them, and the caller's wait runs other jobs.
//! From a thread outside any pool (a user's `main`) they go to a small pool of helpers, one
//! thread fewer than rayon's global pool has, so that exactly as many threads compute as the
//! global pool has. `par_iter` there would instead queue every task and put the caller to sleep
//! until the last one is done; and handing the tasks to the global pool left its idle second
//! worker spinning beside the two computing threads (a two-thread 1024^3 f32 took 5.4-6.2 ms
//! against 4.9-5.3 with the helpers). When the caller is done first it spins until the others
//! are, for at most as long as its own task took (tasks are cut even, so they are nearly done),
//! before rayon's blocking wait: a blocking wait on this VM is a context switch and a wake-up
//! per product, and `256x784 @ 784x128` on two threads made ~2 of them per product and took
//! 135-200 us against 125-136 us for NumPy's OpenBLAS (whose caller also computes and then
//! spins), and 122-157 us (mostly 122-130) with the helpers and the spin (docs/performance.md).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Runs every task, the first on this thread, and returns when all are done.
pub(crate) fn run_all<'s, F: FnOnce() + Send + 's>(tasks: Vec<F>) {
    let pending = AtomicUsize::new(0);
    if rayon::current_thread_index().is_some() {
        rayon::in_place_scope(|scope| spawn_rest(scope, &pending, tasks, false));
    } else {
        helpers().in_place_scope(|scope| spawn_rest(scope, &pending, tasks, true));
    }
}

/// The threads that help a caller from outside any rayon pool.
fn helpers() -> &'static rayon::ThreadPool {
    static HELPERS: OnceLock<rayon::ThreadPool> = OnceLock::new();
    HELPERS.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads().saturating_sub(1).max(1))
            .thread_name(|i| format!("tapegrad-gemm-{i}"))
            .build()
            .expect("a thread pool")
    })
}

/// Spawns all tasks but the first into `scope`'s pool, counting them in `pending`, runs the
/// first, then, if `spin` (the caller is outside any pool), spins a bounded while for the others.
fn spawn_rest<'s, F: FnOnce() + Send + 's>(
    scope: &rayon::Scope<'s>,
    pending: &'s AtomicUsize,
    tasks: Vec<F>,
    spin: bool,
) {
    let mut tasks = tasks.into_iter();
    let Some(first) = tasks.next() else {
        return;
    };
    for task in tasks {
        pending.fetch_add(1, Ordering::Relaxed);
        scope.spawn(move |_| {
            task();
            pending.fetch_sub(1, Ordering::Release);
        });
    }
    let started = Instant::now();
    first();
    if spin {
        let own = started.elapsed();
        let waiting = Instant::now();
        while pending.load(Ordering::Acquire) > 0 && waiting.elapsed() < own {
            std::hint::spin_loop();
        }
    }
}
