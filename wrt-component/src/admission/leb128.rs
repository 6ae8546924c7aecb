//! Strict unsigned LEB128 for the declared-limits section: the reader refuses what the
//! format forbids (too long, too large, not minimal) with the payload offset, so
//! [`DeclaredLimits::parse`](super::DeclaredLimits::parse) never guesses a number.

use alloc::vec::Vec;

use super::declared::DeclaredLimitsError;

/// Reads a payload front to back, keeping the offset every error reports.
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) position: usize,
}

impl Reader<'_> {
    pub(super) fn byte(&mut self, expected: &'static str) -> Result<u8, DeclaredLimitsError> {
        let byte =
            self.bytes
                .get(self.position)
                .copied()
                .ok_or(DeclaredLimitsError::Truncated {
                    offset: self.position,
                    expected,
                })?;
        self.position = self.position.saturating_add(1);
        Ok(byte)
    }

    /// Unsigned LEB128 of at most `max_len` bytes (5 for u32, 10 for u64), shortest form.
    pub(super) fn leb(
        &mut self,
        max_len: u32,
        expected: &'static str,
    ) -> Result<u64, DeclaredLimitsError> {
        let start = self.position;
        let bits: u32 = if max_len == 5 { 32 } else { 64 };
        let bad = |reason| DeclaredLimitsError::BadLeb {
            offset: start,
            expected,
            reason,
        };
        let mut value: u64 = 0;
        for index in 0..max_len {
            let byte = self.byte(expected)?;
            let shift = index.saturating_mul(7);
            let payload = u64::from(byte & 0x7f);
            // Bits that would fall off the end of the type make the number too large.
            let room = bits.saturating_sub(shift);
            if room < 7 && payload >> room != 0 {
                return Err(bad("too large"));
            }
            value |= payload.checked_shl(shift).unwrap_or(0);
            if byte & 0x80 == 0 {
                if index > 0 && byte == 0 {
                    return Err(bad("not minimal"));
                }
                return Ok(value);
            }
        }
        Err(bad("too long"))
    }
}

/// Unsigned LEB128 in its shortest form, the only form [`Reader::leb`] accepts.
pub(super) fn write_leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let low = u8::try_from(value & 0x7f).unwrap_or(0);
        value >>= 7;
        if value == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}
