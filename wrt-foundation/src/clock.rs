//! Monotonic time without `std`: execution-time limits and metrics read time only through
//! [`Clock`], so a bare-metal integrator can plug in a tick counter and tests can script time.

use core::cell::Cell;
use core::time::Duration;

/// A point on a clock's monotonic time line, measured from the clock's own origin.
///
/// Timestamps from different clocks are not comparable; nothing here stops you, so keep
/// one clock per runtime.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(Duration);

impl Timestamp {
    /// The clock's origin.
    pub const ZERO: Self = Self(Duration::ZERO);

    /// The timestamp `since_origin` after the clock's origin.
    pub const fn from_duration(since_origin: Duration) -> Self {
        Self(since_origin)
    }

    /// Time since the clock's origin.
    pub const fn as_duration(self) -> Duration {
        self.0
    }

    /// Time from `earlier` to `self`, or zero when `earlier` is in fact later: a clock
    /// that is monotonic never gives that, and zero is the honest answer if one does.
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// `self + span`, or `None` on overflow.
    pub fn checked_add(self, span: Duration) -> Option<Self> {
        self.0.checked_add(span).map(Self)
    }
}

/// A monotonic clock: what limits and metrics read time from, so the time source is chosen
/// by the integrator (a tick counter, `Instant`, a test script) and never by this crate.
pub trait Clock {
    /// The current time; never earlier than a previous call returned.
    fn now(&self) -> Timestamp;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

/// A clock that moves only when told to: for tests and for replaying recorded workloads.
///
/// ```
/// use core::time::Duration;
/// use wrt_foundation::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let start = clock.now();
/// clock.advance(Duration::from_millis(5));
/// assert_eq!(clock.now().saturating_duration_since(start), Duration::from_millis(5));
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    now: Cell<Duration>,
}

impl ManualClock {
    /// A clock standing at its origin.
    pub const fn new() -> Self {
        Self {
            now: Cell::new(Duration::ZERO),
        }
    }

    /// Moves the clock forward by `span` (saturating at `Duration::MAX`).
    pub fn advance(&self, span: Duration) {
        self.now.set(self.now.get().saturating_add(span));
    }

    /// Moves the clock to `at` if that is not earlier than now; returns whether `at` was
    /// accepted (`true` also when `at` is now, and the clock stands still).
    pub fn set(&self, at: Timestamp) -> bool {
        let moved = at.0 >= self.now.get();
        if moved {
            self.now.set(at.0);
        }
        moved
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.now.get())
    }
}

/// The host's monotonic clock, `std::time::Instant`, measured from when it was created.
#[cfg(feature = "std")]
#[derive(Debug, Clone, Copy)]
pub struct StdClock {
    origin: std::time::Instant,
}

#[cfg(feature = "std")]
impl StdClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        Self {
            origin: std::time::Instant::now(),
        }
    }
}

#[cfg(feature = "std")]
impl Default for StdClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "std")]
impl Clock for StdClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.origin.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_never_goes_back() {
        let clock = ManualClock::new();
        clock.advance(Duration::from_secs(2));
        assert!(!clock.set(Timestamp::from_duration(Duration::from_secs(1))));
        assert_eq!(clock.now().as_duration(), Duration::from_secs(2));
        // Setting it to now is accepted and leaves it standing (the rustdoc's promise).
        assert!(clock.set(clock.now()));
        assert_eq!(clock.now().as_duration(), Duration::from_secs(2));
        assert_eq!(
            Timestamp::ZERO.saturating_duration_since(clock.now()),
            Duration::ZERO
        );
    }

    #[cfg(feature = "std")]
    #[test]
    fn std_clock_is_monotonic() {
        let clock = StdClock::new();
        let a = clock.now();
        let b = clock.now();
        assert!(b >= a);
    }
}
