//! Background work at low priority: recomputing the clusters after an approval runs on a
//! thread pool of its own whose threads have a raised nice value, so that on a small machine a
//! clustering (every core for 0.17 s on the bundled cases, 1.9 s at the 20,000-case limit, in
//! release builds) does not hold up the searches and pages being served meanwhile.

use std::sync::OnceLock;

/// How much lower than the request threads the background threads run (nice, 0 to 19).
const NICENESS: i32 = 10;

/// The pool the clusters are computed on: as many threads as cores, each at [`NICENESS`].
pub(crate) fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("background-{i}"))
            .start_handler(|_| lower_priority())
            .build()
            .expect("the background thread pool starts")
    })
}

/// Raises the calling thread's nice value by [`NICENESS`] (Linux keeps it per thread). Where
/// the call fails or is unsupported, the thread keeps its priority; nothing else changes.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority take no pointers; setpriority on a thread id changes only
    // that thread's scheduling priority.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, NICENESS);
    }
}

/// The calling thread's nice value (Linux), for tests.
#[cfg(all(test, target_os = "linux"))]
fn niceness() -> i32 {
    // SAFETY: as above; getpriority takes no pointers.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::getpriority(libc::PRIO_PROCESS, tid)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn background_threads_run_below_the_request_threads() {
        let here = niceness();
        let there = pool().install(niceness);
        assert_eq!(there, (here + NICENESS).min(19));
        assert_eq!(niceness(), here, "the caller keeps its own priority");
    }
}
