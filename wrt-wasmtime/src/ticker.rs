//! [`EpochTicker`]: the thread that advances a wasmtime engine's epoch.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Advances an engine's epoch every `tick` until dropped.
///
/// Epoch interruption is how wasmtime lets a host stop a running program without fuel's
/// cost: compiled code compares the epoch at loop headers and function entries, and calls
/// the store's deadline callback when it passed the deadline. The ticker is what makes the
/// epoch move; the [`Governor`](crate::Governor) charges time at each callback.
#[derive(Debug)]
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
    ticks: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
    tick: Duration,
}

impl EpochTicker {
    /// Starts ticking `engine` every `tick`.
    pub fn start(engine: wasmtime::Engine, tick: Duration) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let ticks = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&ticks);
        let thread = std::thread::Builder::new()
            .name("wrt-epoch-ticker".into())
            .spawn(move || {
                while !flag.load(Ordering::Acquire) {
                    std::thread::sleep(tick);
                    // Before the epoch moves: whoever sees the new epoch (a Wasm epoch
                    // check, then the governor at the call hook) sees the new count too.
                    counted.fetch_add(1, Ordering::Release);
                    engine.increment_epoch();
                }
            })?;
        Ok(Self {
            stop,
            ticks,
            thread: Some(thread),
            tick,
        })
    }

    /// The ticks so far: the engine's epoch, as far as this ticker moved it. A governor
    /// reads it to tell wasmtime's epoch check from an import at the call hook.
    pub(crate) fn ticks(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.ticks)
    }

    /// The interval between ticks: the resolution of `max_execution_time`.
    pub const fn tick(&self) -> Duration {
        self.tick
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            // A ticker that panicked has nothing left to clean up.
            let _ = thread.join();
        }
    }
}
