//! [`Ratio`]: an exact fraction, so that rates and fractions stay provable in tests and
//! turn into a float only at the edge (exporters, dashboards).

use core::cmp::Ordering;
use core::fmt;

/// `numerator / denominator` with a denominator that is never zero.
///
/// Success rates, utilizations and fragmentation are kept as the two counts they come
/// from: a test can then assert `3/4` exactly instead of comparing floats, and no division
/// by zero can hide in a metric — a rate over nothing is `None` where it is produced.
///
/// Equality and ordering compare values, not representations: `1/2 == 2/4`.
///
/// ```
/// use wrt_metrics::Ratio;
///
/// let half = Ratio::new(2, 4).unwrap();
/// assert_eq!(half, Ratio::new(1, 2).unwrap());
/// assert_eq!(half.as_f64(), 0.5);
/// assert!(Ratio::new(1, 0).is_none());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Ratio {
    numerator: u64,
    denominator: u64,
}

impl Ratio {
    /// Exactly zero.
    pub const ZERO: Self = Self {
        numerator: 0,
        denominator: 1,
    };

    /// Exactly one.
    pub const ONE: Self = Self {
        numerator: 1,
        denominator: 1,
    };

    /// `numerator / denominator`, or `None` when `denominator` is zero.
    pub const fn new(numerator: u64, denominator: u64) -> Option<Self> {
        if denominator == 0 {
            None
        } else {
            Some(Self {
                numerator,
                denominator,
            })
        }
    }

    /// [`Ratio::new`] on `usize` counts (widened; `usize` fits `u64` on every supported target,
    /// and saturates otherwise).
    pub fn of_usize(numerator: usize, denominator: usize) -> Option<Self> {
        Self::new(widen(numerator), widen(denominator))
    }

    /// The numerator as given.
    pub const fn numerator(self) -> u64 {
        self.numerator
    }

    /// The denominator as given (never zero).
    pub const fn denominator(self) -> u64 {
        self.denominator
    }

    /// The value as a float, for exporters; exact counts stay available through the getters.
    #[allow(clippy::cast_precision_loss, clippy::arithmetic_side_effects)]
    pub fn as_f64(self) -> f64 {
        // Float division cannot overflow or trap; the denominator is never zero.
        self.numerator as f64 / self.denominator as f64
    }

    /// `true` when the value is zero.
    pub const fn is_zero(self) -> bool {
        self.numerator == 0
    }
}

impl PartialEq for Ratio {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ratio {}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    /// Cross-multiplies in `u128`, where the product of two `u64`s always fits.
    fn cmp(&self, other: &Self) -> Ordering {
        let left = u128::from(self.numerator).saturating_mul(u128::from(other.denominator));
        let right = u128::from(other.numerator).saturating_mul(u128::from(self.denominator));
        left.cmp(&right)
    }
}

impl fmt::Display for Ratio {
    /// Prints the value as a decimal (`0.75`), honouring a precision if one is given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match f.precision() {
            Some(precision) => write!(f, "{:.*}", precision, self.as_f64()),
            None => write!(f, "{}", self.as_f64()),
        }
    }
}

/// `usize` to `u64`, saturating on (hypothetical) targets where it would not fit.
pub(crate) fn widen(value: usize) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_compare_equal_whatever_the_representation() {
        let a = Ratio::new(3, 4).unwrap();
        let b = Ratio::new(6, 8).unwrap();
        assert_eq!(a, b);
        assert!(Ratio::new(2, 3).unwrap() < a);
        assert!(Ratio::ZERO < Ratio::ONE);
    }

    #[test]
    fn extreme_values_do_not_overflow_comparison() {
        let big = Ratio::new(u64::MAX, 1).unwrap();
        let tiny = Ratio::new(1, u64::MAX).unwrap();
        assert!(tiny < big);
        assert_eq!(big.as_f64(), u64::MAX as f64);
    }

    #[test]
    fn display_honours_precision() {
        let r = Ratio::new(1, 3).unwrap();
        assert_eq!(alloc::format!("{r:.2}"), "0.33");
        assert_eq!(alloc::format!("{}", Ratio::new(1, 4).unwrap()), "0.25");
    }
}
