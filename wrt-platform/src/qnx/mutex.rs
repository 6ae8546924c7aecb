//! Mutex configuration as data: which locking protocol the runtime's mutexes use, so the
//! choice (priority inheritance or not) is made, validated and tested on any host, and the
//! QNX layer only translates it into `pthread_mutexattr_*` calls.

use thiserror::Error;

/// How a mutex deals with priority inversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MutexProtocol {
    /// `PTHREAD_PRIO_NONE`: the owner keeps its own priority.
    None,
    /// `PTHREAD_PRIO_INHERIT`: the owner runs at the priority of the highest waiter.
    PriorityInherit,
    /// `PTHREAD_PRIO_PROTECT`: the owner runs at `ceiling` while holding the mutex.
    PriorityProtect {
        /// The ceiling priority; QNX priorities for user threads are 1..=255.
        ceiling: u8,
    },
}

/// The attributes the runtime's mutexes are created with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MutexConfig {
    /// The priority protocol.
    pub protocol: MutexProtocol,
    /// The same thread may lock it again.
    pub recursive: bool,
}

/// A configuration that cannot be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum MutexConfigError {
    /// Priority 0 is the idle thread's; a ceiling must be at least 1.
    #[error("priority ceiling {ceiling} is invalid: QNX ceilings are 1..=255")]
    InvalidCeiling {
        /// The ceiling given.
        ceiling: u8,
    },
}

impl MutexConfig {
    /// Priority inheritance, non-recursive: what the QNX provider uses when
    /// `priority_inheritance` is on.
    pub const PRIORITY_INHERIT: Self = Self {
        protocol: MutexProtocol::PriorityInherit,
        recursive: false,
    };

    /// No priority protocol, non-recursive.
    pub const PLAIN: Self = Self {
        protocol: MutexProtocol::None,
        recursive: false,
    };

    /// Checks what the kernel would reject, before any system call.
    pub const fn validate(&self) -> Result<(), MutexConfigError> {
        match self.protocol {
            MutexProtocol::PriorityProtect { ceiling: 0 } => {
                Err(MutexConfigError::InvalidCeiling { ceiling: 0 })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_zero_is_refused() {
        let bad = MutexConfig {
            protocol: MutexProtocol::PriorityProtect { ceiling: 0 },
            recursive: false,
        };
        assert_eq!(
            bad.validate(),
            Err(MutexConfigError::InvalidCeiling { ceiling: 0 })
        );
        assert_eq!(MutexConfig::PRIORITY_INHERIT.validate(), Ok(()));
        let ok = MutexConfig {
            protocol: MutexProtocol::PriorityProtect { ceiling: 200 },
            recursive: true,
        };
        assert_eq!(ok.validate(), Ok(()));
    }
}
