//! The byte budget a [`LinearMemoryManager`](super::LinearMemoryManager) keeps its regions in.

use crate::memory::MemoryError;

/// Bytes in use against an optional limit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Budget {
    pub(super) allocated: usize,
    pub(super) peak: usize,
    pub(super) max: Option<usize>,
}

impl Budget {
    pub(super) fn available(&self) -> Option<usize> {
        self.max.map(|max| max.saturating_sub(self.allocated))
    }

    pub(super) fn check(&self, requested: usize) -> Result<(), MemoryError> {
        match self.available() {
            Some(available) if requested > available => {
                log::debug!("allocation of {requested} bytes refused: {available} available");
                Err(MemoryError::AllocationLimitExceeded {
                    requested,
                    available,
                })
            }
            _ => Ok(()),
        }
    }

    pub(super) fn charge(&mut self, bytes: usize) {
        self.allocated = self.allocated.saturating_add(bytes);
        self.peak = self.peak.max(self.allocated);
    }

    pub(super) fn refund(&mut self, bytes: usize) {
        self.allocated = self.allocated.saturating_sub(bytes);
    }
}
