//! The no_alloc proof: every fixed-capacity type of the `wrt` crates used from a `#![no_std]`
//! static library that has its own panic handler and NO global allocator.
//!
//! If anything in the dependency graph pulls in `alloc`, rustc refuses to link this crate
//! ("no global memory allocator found but one is required"); if `std` leaks in, its
//! `panic_impl` collides with ours. `cargo xtask ci` builds it, and builds it once more
//! with the `leak-alloc` feature to show the refusal really happens.
//!
//! Each exported function drives one type through its API and returns 0 when every result
//! was the expected one, else the number of the first unexpected step (the functions are
//! `extern "C"` so a C or embedded harness can call them; the build itself is the proof).
#![no_std]

use core::panic::PanicInfo;
use core::time::Duration;

use wrt_component::cleanup::{CleanupConfig, FixedCleanupManager};
use wrt_component::{
    ComponentId, ComponentResourceManager, FixedResourceManager, LimitKind, LookupError, ManagerTag,
    Refused, ResourceCategory, ResourceDescriptor, ResourceError, ResourceLimits,
};
use wrt_foundation::memory::{
    FixedMemoryManager, InlineLinearMemory, MemoryError, MemoryPool, MemoryProtection, PAGE_SIZE,
};
use wrt_foundation::{BoundedMap, BoundedString, BoundedVec, Clock, ManualClock, Timestamp};
use wrt_metrics::{AllocationRecorder, ResourceMetricsCollector};
use wrt_platform::embedded::EmbeddedResourceProvider;
use wrt_platform::{PlatformResourceProvider, RegionRequest};

/// No unwinding, no printing: a bare-metal integrator would reset or log to a register here.
#[panic_handler]
fn panic(_info: &PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// `0` when every check held, else `step`.
fn all(checks: &[bool]) -> u32 {
    let mut step = 0_u32;
    for &ok in checks {
        step = step.wrapping_add(1);
        if !ok {
            return step;
        }
    }
    0
}

/// BoundedVec: push up to capacity, the rejected value comes back, removal keeps order.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_bounded_vec() -> u32 {
    let mut ids: BoundedVec<u32, 4> = BoundedVec::new();
    let pushed = (1..=4).all(|id| ids.push(id).is_ok());
    let rejected = ids.push(5).map_err(|e| e.rejected);
    all(&[
        pushed,
        rejected == Err(5),
        ids.is_full(),
        ids.remove(0) == Some(1),
        ids.as_slice() == [2, 3, 4],
    ])
}

/// BoundedString: never truncates, never splits a UTF-8 character.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_bounded_string() -> u32 {
    let mut name: BoundedString<8> = BoundedString::new();
    let fits = name.push_str("wasm").is_ok();
    let too_long = name.push_str("-runtime").is_err();
    let multibyte = name.push_str("äöü").is_err(); // 6 bytes, 4 left
    all(&[fits, too_long, multibyte, name.as_str() == "wasm"])
}

/// BoundedMap: insert, replace, refuse when full, remove.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_bounded_map() -> u32 {
    let mut limits: BoundedMap<u8, u32, 2> = BoundedMap::new();
    all(&[
        limits.insert(1, 10).is_ok(),
        limits.insert(2, 20).is_ok(),
        limits.insert(1, 11) == Ok(Some(10)),
        limits.insert(3, 30).is_err(),
        limits.remove(&2) == Some(20),
        limits.get(&1) == Some(&11),
    ])
}

/// ManualClock: time moves only when told to.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_clock() -> u32 {
    let clock = ManualClock::new();
    let start = clock.now();
    clock.advance(Duration::from_millis(5));
    all(&[clock.now().saturating_duration_since(start) == Duration::from_millis(5)])
}

/// The fixed-capacity LinearMemory: grow within the inline capacity, bounds-checked access.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_linear_memory() -> u32 {
    let Ok(mut memory) =
        InlineLinearMemory::<{ 2 * PAGE_SIZE }>::inline(1, Some(2), MemoryProtection::READ_WRITE)
    else {
        return 100;
    };
    let written = memory.write(8, &[1, 2, 3, 4]).is_ok();
    let mut read = [0_u8; 4];
    let read_back = memory.read(8, &mut read).is_ok() && read == [1, 2, 3, 4];
    let past_end = memory.write((PAGE_SIZE - 2) as u64, &[0; 4]).is_err();
    let grew = memory.grow(1) == Ok(1);
    let capped = memory.grow(1).is_err();
    all(&[written, read_back, past_end, grew, capped])
}

/// The fixed LinearMemoryManager: regions under a byte budget, released bytes come back.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_memory_manager() -> u32 {
    let mut manager: FixedMemoryManager<2, PAGE_SIZE> = FixedMemoryManager::new(Some(PAGE_SIZE));
    let Ok(region) = manager.allocate_memory(PAGE_SIZE, MemoryProtection::READ_WRITE) else {
        return 100;
    };
    let over_budget = matches!(
        manager.allocate_memory(PAGE_SIZE, MemoryProtection::READ),
        Err(MemoryError::AllocationLimitExceeded { .. })
    );
    let released = manager.release(region).is_ok();
    all(&[over_budget, released, manager.total_allocated() == 0])
}

/// MemoryPool: handles, exhaustion at BLOCK_COUNT, stale handles refused.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_memory_pool() -> u32 {
    let mut pool: MemoryPool<64, 2> = MemoryPool::new();
    let (Ok(first), Ok(second)) = (pool.allocate(), pool.allocate()) else {
        return 100;
    };
    let exhausted = pool.allocate().is_err();
    let written = pool.block_mut(&second).map(|block| block.fill(7)).is_ok();
    let freed = pool.free(first).is_ok();
    let stale = pool.block(&first).is_err();
    all(&[exhausted, written, freed, stale, pool.allocated() == 1])
}

/// The fixed ResourceManager: ids are checked, a stale id is refused, the table is bounded.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_resource_manager() -> u32 {
    let mut handles: FixedResourceManager<u32, 2> = FixedResourceManager::new(ManagerTag(1));
    let descriptor = ResourceDescriptor::new(ResourceCategory::IoHandles);
    let (Ok(first), Ok(_)) = (
        handles.allocate(10, descriptor),
        handles.allocate(20, descriptor),
    ) else {
        return 100;
    };
    let full = matches!(
        handles.allocate(30, descriptor),
        Err(Refused { value: 30, error: ResourceError::StorageFull { .. } })
    );
    let freed = handles.deallocate(first) == Ok(10);
    let stale = matches!(handles.get(first), Err(LookupError::Stale { .. }));
    all(&[full, freed, stale, handles.len() == 1])
}

/// ComponentResourceManager: a limit refuses with its numbers and changes nothing.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_component_limits() -> u32 {
    let limits = ResourceLimits {
        max_memory: PAGE_SIZE,
        ..ResourceLimits::default()
    };
    let mut component = ComponentResourceManager::new(ComponentId(7), limits);
    let created = component.create_memory(PAGE_SIZE / 2).is_ok();
    let refused = matches!(
        component.allocate_memory(PAGE_SIZE),
        Err(ResourceError::LimitExceeded {
            kind: LimitKind::Memory,
            ..
        })
    );
    all(&[
        created,
        refused,
        component.usage().memory_used == PAGE_SIZE / 2,
    ])
}

/// The fixed cleanup queue: a scheduled resource is freed in the next cycle.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_cleanup() -> u32 {
    let mut buffers: FixedResourceManager<[u8; 4], 4> = FixedResourceManager::new(ManagerTag(2));
    let descriptor = ResourceDescriptor::new(ResourceCategory::Memory).with_size_hint(4);
    let Ok(id) = buffers.allocate([0; 4], descriptor) else {
        return 100;
    };
    let mut cleanup: FixedCleanupManager<4> = FixedCleanupManager::new(CleanupConfig::default());
    let scheduled = cleanup.schedule(id).is_ok();
    let cycle = cleanup.perform_cleanup(&mut buffers, Timestamp::ZERO);
    all(&[
        scheduled,
        cycle.resources_cleaned == 1,
        cycle.memory_freed == 4,
        buffers.is_empty(),
    ])
}

/// The embedded platform provider over RAM the caller lends: aligned, disjoint blocks.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_embedded_provider() -> u32 {
    let mut ram = [0_u8; 1024];
    let mut provider: EmbeddedResourceProvider<'_> = EmbeddedResourceProvider::new();
    let added = provider.add_region(&mut ram).is_ok();
    let request = RegionRequest::new(256).with_align(64);
    let (Ok(a), Ok(b)) = (provider.allocate(&request), provider.allocate(&request)) else {
        return 100;
    };
    let sized = a.size() == 256 && b.size() == 256;
    let too_big = provider.allocate(&RegionRequest::new(4096)).is_err();
    let released = PlatformResourceProvider::release(&mut provider, a).is_ok();
    all(&[
        added,
        sized,
        too_big,
        released,
        provider.allocated_bytes() >= 256,
    ])
}

/// Metrics in fixed storage: allocations recorded through the clock, collected on interval.
// SAFETY: `no_mangle` exports this name unmangled; the name is unique to this crate.
#[unsafe(no_mangle)]
pub extern "C" fn wrt_proof_metrics() -> u32 {
    let clock = ManualClock::new();
    let mut recorder = AllocationRecorder::new();
    let refused = recorder
        .record(&clock, ResourceCategory::Memory, || Err::<(), _>("no room"))
        .is_err();
    let granted = recorder
        .record(&clock, ResourceCategory::Memory, || Ok::<_, ()>(()))
        .is_ok();
    let mut collector = ResourceMetricsCollector::<2, 2>::new(Duration::from_secs(1));
    let half = collector
        .collect_if_due(&recorder, &clock)
        .and_then(|metrics| metrics.allocation_success_rate())
        .is_some_and(|rate| rate.as_f64() == 0.5);
    all(&[refused, granted, half])
}
