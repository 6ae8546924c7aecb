//! What the wasmtime test files share. Each test file uses part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use wasmtime::Linker;
use wrt_wasmtime::{Governed, GovernedEngine};

/// A plain linker defining `host.tick`, and the count of the times its body ran: the import
/// as wasmtime runs it, uncounted by anything of ours.
pub fn plain_tick(engine: &GovernedEngine) -> (Linker<Governed<()>>, Arc<AtomicU64>) {
    plain_tick_pausing(engine, Duration::ZERO)
}

/// [`plain_tick`] whose body sleeps for `pause` after counting itself.
pub fn plain_tick_pausing(
    engine: &GovernedEngine,
    pause: Duration,
) -> (Linker<Governed<()>>, Arc<AtomicU64>) {
    let ran = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&ran);
    let mut linker = Linker::new(engine.engine());
    linker
        .func_wrap("host", "tick", move || {
            seen.fetch_add(1, Ordering::Relaxed);
            if !pause.is_zero() {
                std::thread::sleep(pause);
            }
        })
        .unwrap();
    (linker, ran)
}
