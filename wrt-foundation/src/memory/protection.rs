//! [`MemoryProtection`]: which kinds of access a region allows.

use core::fmt;

/// The kind of access an operation makes; errors name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Reading bytes.
    Read,
    /// Writing bytes.
    Write,
    /// Executing bytes as code.
    Execute,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::Execute => "execute",
        })
    }
}

/// Read, write and execute permissions of a memory region.
///
/// The same value describes a software-checked linear memory and an
/// `mprotect`ed page range in `wrt-platform`, so a policy is written once.
///
/// ```
/// use wrt_foundation::memory::{Access, MemoryProtection};
///
/// let ro = MemoryProtection::READ;
/// assert!(ro.allows(Access::Read));
/// assert!(!ro.allows(Access::Write));
/// assert_eq!(ro.to_string(), "r--");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct MemoryProtection {
    /// Bytes may be read.
    pub read: bool,
    /// Bytes may be written.
    pub write: bool,
    /// Bytes may be executed.
    pub execute: bool,
}

impl MemoryProtection {
    /// No access at all, as for a guard page.
    pub const NONE: Self = Self {
        read: false,
        write: false,
        execute: false,
    };
    /// Read only.
    pub const READ: Self = Self {
        read: true,
        write: false,
        execute: false,
    };
    /// Read and write: the protection of ordinary WebAssembly linear memory.
    pub const READ_WRITE: Self = Self {
        read: true,
        write: true,
        execute: false,
    };
    /// Read and execute, as for code.
    pub const READ_EXECUTE: Self = Self {
        read: true,
        write: false,
        execute: true,
    };
    /// Everything.
    pub const ALL: Self = Self {
        read: true,
        write: true,
        execute: true,
    };

    /// `true` when `access` is permitted.
    pub const fn allows(self, access: Access) -> bool {
        match access {
            Access::Read => self.read,
            Access::Write => self.write,
            Access::Execute => self.execute,
        }
    }

    /// Permissions granted by either `self` or `other`.
    pub const fn union(self, other: Self) -> Self {
        Self {
            read: self.read || other.read,
            write: self.write || other.write,
            execute: self.execute || other.execute,
        }
    }
}

impl fmt::Display for MemoryProtection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = |on: bool, c: char| if on { c } else { '-' };
        write!(
            f,
            "{}{}{}",
            flag(self.read, 'r'),
            flag(self.write, 'w'),
            flag(self.execute, 'x')
        )
    }
}
