//! The operations the model test draws, and their weights.

use proptest::prelude::*;

/// One step; `c`, `r`, `to`, `from` pick components and resources (see `Harness`).
#[derive(Debug, Clone)]
pub enum Op {
    CreateComponent(u8),
    DestroyComponent(u8),
    Create { c: u8, bytes: u8 },
    Get { c: u8, r: u8, write: bool },
    Drop { c: u8, r: u8 },
    MarkReady { c: u8, r: u8 },
    Activate { c: u8, r: u8 },
    Release { c: u8, r: u8 },
    Lock { c: u8, r: u8 },
    Unlock { c: u8, r: u8 },
    Grant { c: u8, r: u8, to: u8 },
    Revoke { c: u8, r: u8, from: u8 },
    Transfer { c: u8, r: u8, to: u8 },
    ScheduleCleanup { c: u8, r: u8 },
    Cleanup,
    RecordCall { c: u8, host: bool },
    CreateMemory { c: u8, bytes: u8 },
    ReleaseMemory { c: u8, bytes: u8 },
    GetForged { c: u8, index: u8 },
    GetForeign { c: u8, r: u8 },
}

pub fn op() -> impl Strategy<Value = Op> {
    let c = || any::<u8>();
    let r = || any::<u8>();
    prop_oneof![
        3 => (0u8..3).prop_map(Op::CreateComponent),
        1 => c().prop_map(Op::DestroyComponent),
        8 => (c(), 0u8..=50).prop_map(|(c, bytes)| Op::Create { c, bytes }),
        5 => (c(), r(), any::<bool>()).prop_map(|(c, r, write)| Op::Get { c, r, write }),
        2 => (c(), r()).prop_map(|(c, r)| Op::Drop { c, r }),
        6 => (c(), r()).prop_map(|(c, r)| Op::MarkReady { c, r }),
        3 => (c(), r()).prop_map(|(c, r)| Op::Activate { c, r }),
        3 => (c(), r()).prop_map(|(c, r)| Op::Release { c, r }),
        4 => (c(), r()).prop_map(|(c, r)| Op::Lock { c, r }),
        4 => (c(), r()).prop_map(|(c, r)| Op::Unlock { c, r }),
        4 => (c(), r(), c()).prop_map(|(c, r, to)| Op::Grant { c, r, to }),
        3 => (c(), r(), c()).prop_map(|(c, r, from)| Op::Revoke { c, r, from }),
        2 => (c(), r(), c()).prop_map(|(c, r, to)| Op::Transfer { c, r, to }),
        2 => (c(), r()).prop_map(|(c, r)| Op::ScheduleCleanup { c, r }),
        2 => Just(Op::Cleanup),
        3 => (c(), any::<bool>()).prop_map(|(c, host)| Op::RecordCall { c, host }),
        2 => (c(), 0u8..=60).prop_map(|(c, bytes)| Op::CreateMemory { c, bytes }),
        1 => (c(), 0u8..=60).prop_map(|(c, bytes)| Op::ReleaseMemory { c, bytes }),
        1 => (c(), any::<u8>()).prop_map(|(c, index)| Op::GetForged { c, index }),
        1 => (c(), r()).prop_map(|(c, r)| Op::GetForeign { c, r }),
    ]
}
