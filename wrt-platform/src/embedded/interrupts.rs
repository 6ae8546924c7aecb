//! A fixed table of interrupt handlers, so host functions that wait on a peripheral can be
//! wired to an interrupt line without a heap and without a global registry.
//!
//! The table does not install itself in the vector table: the integrator's real ISR (which
//! knows its hardware) calls [`InterruptTable::dispatch`] with the slot number. Sharing the
//! table between the ISR and thread code (a critical section, or registering everything
//! before interrupts are enabled) is the integrator's choice, because it depends on the core.

use thiserror::Error;

/// Number of handler slots of the embedded provider's table.
pub const INTERRUPT_SLOTS: usize = 16;

/// A handler: called with the `context` word given at registration (a peripheral index,
/// or an address the integrator knows how to interpret), so one function can serve many
/// lines.
pub type InterruptHandler = fn(context: usize);

/// Why an interrupt table operation was refused; the table is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum InterruptError {
    /// The slot number is not below the table size.
    #[error("interrupt slot {slot} out of range: the table has {slots} slots")]
    SlotOutOfRange {
        /// The slot asked for.
        slot: usize,
        /// How many slots exist.
        slots: usize,
    },
    /// A handler is already registered there; unregister it first.
    #[error("interrupt slot {slot} already has a handler")]
    SlotOccupied {
        /// The slot asked for.
        slot: usize,
    },
    /// No handler is registered there.
    #[error("interrupt slot {slot} has no handler")]
    SlotEmpty {
        /// The slot asked for.
        slot: usize,
    },
}

#[derive(Clone, Copy)]
struct Entry {
    handler: InterruptHandler,
    context: usize,
}

/// `N` interrupt handler slots.
///
/// ```
/// use wrt_platform::embedded::{InterruptError, InterruptTable};
///
/// fn on_uart(_port: usize) {}
/// let mut table: InterruptTable = InterruptTable::new();
/// table.register(3, on_uart, 1)?;
/// assert_eq!(table.register(3, on_uart, 2), Err(InterruptError::SlotOccupied { slot: 3 }));
/// table.dispatch(3)?;
/// # Ok::<(), InterruptError>(())
/// ```
pub struct InterruptTable<const N: usize = INTERRUPT_SLOTS> {
    slots: [Option<Entry>; N],
}

impl<const N: usize> core::fmt::Debug for InterruptTable<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let used = self.slots.iter().filter(|s| s.is_some()).count();
        f.debug_struct("InterruptTable")
            .field("slots", &N)
            .field("registered", &used)
            .finish()
    }
}

impl<const N: usize> Default for InterruptTable<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> InterruptTable<N> {
    /// A table with every slot empty; usable in a `static`.
    pub const fn new() -> Self {
        Self { slots: [None; N] }
    }

    fn slot_mut(&mut self, slot: usize) -> Result<&mut Option<Entry>, InterruptError> {
        self.slots
            .get_mut(slot)
            .ok_or(InterruptError::SlotOutOfRange { slot, slots: N })
    }

    /// Installs `handler` in `slot`, to be called with `context`.
    pub fn register(
        &mut self,
        slot: usize,
        handler: InterruptHandler,
        context: usize,
    ) -> Result<(), InterruptError> {
        let entry = self.slot_mut(slot)?;
        if entry.is_some() {
            return Err(InterruptError::SlotOccupied { slot });
        }
        *entry = Some(Entry { handler, context });
        Ok(())
    }

    /// Removes the handler in `slot` and returns it with its context.
    pub fn unregister(&mut self, slot: usize) -> Result<(InterruptHandler, usize), InterruptError> {
        let entry = self.slot_mut(slot)?;
        let Entry { handler, context } = entry.take().ok_or(InterruptError::SlotEmpty { slot })?;
        Ok((handler, context))
    }

    /// Calls the handler in `slot`. An empty slot is an error (a spurious interrupt the
    /// integrator probably wants to count), not a silent no-op.
    pub fn dispatch(&self, slot: usize) -> Result<(), InterruptError> {
        let entry = self
            .slots
            .get(slot)
            .ok_or(InterruptError::SlotOutOfRange { slot, slots: N })?
            .ok_or(InterruptError::SlotEmpty { slot })?;
        (entry.handler)(entry.context);
        Ok(())
    }

    /// `true` when `slot` has a handler.
    pub fn is_registered(&self, slot: usize) -> bool {
        self.slots.get(slot).is_some_and(Option::is_some)
    }

    /// Number of slots.
    pub const fn slots(&self) -> usize {
        N
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicUsize, Ordering};

    static CALLS: AtomicUsize = AtomicUsize::new(0);
    fn count(context: usize) {
        CALLS.fetch_add(context, Ordering::SeqCst);
    }

    #[test]
    fn register_dispatch_unregister() {
        let mut table = InterruptTable::<16>::new();
        table.register(15, count, 5).unwrap();
        let before = CALLS.load(Ordering::SeqCst);
        table.dispatch(15).unwrap();
        assert_eq!(CALLS.load(Ordering::SeqCst), before + 5);
        assert!(table.is_registered(15));
        let (_, context) = table.unregister(15).unwrap();
        assert_eq!(context, 5);
        assert!(!table.is_registered(15));
        assert_eq!(
            table.dispatch(15),
            Err(InterruptError::SlotEmpty { slot: 15 })
        );
        assert_eq!(
            table.unregister(15).map(|(_, c)| c),
            Err(InterruptError::SlotEmpty { slot: 15 })
        );
    }

    #[test]
    fn out_of_range_and_occupied_change_nothing() {
        let mut table = InterruptTable::<16>::new();
        let oor = InterruptError::SlotOutOfRange {
            slot: 16,
            slots: 16,
        };
        assert_eq!(table.register(16, count, 0), Err(oor));
        assert_eq!(table.dispatch(16), Err(oor));
        assert_eq!(table.unregister(16).map(|(_, c)| c), Err(oor));
        table.register(0, count, 1).unwrap();
        assert_eq!(
            table.register(0, count, 2),
            Err(InterruptError::SlotOccupied { slot: 0 })
        );
        assert_eq!(table.unregister(0).map(|(_, c)| c), Ok(1));
        assert_eq!(table.slots(), 16);
    }
}
