//! Eight bytes at a time: tests on a little-endian `u64` of text bytes that tell, for
//! every byte at once, whether it is in a range or equal to a value. The scans before
//! the expensive passes (words, digits, names) use them to step over plain text.
//!
//! Each test works on a byte's low seven bits plus a constant, which never carries into
//! the next byte, and leaves its answer in the byte's high bit ([`HIGH`]).

/// The high bit of every byte.
pub const HIGH: u64 = 0x8080_8080_8080_8080;
const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// `b` in every byte.
pub const fn each(b: u8) -> u64 {
    u64::from_le_bytes([b; 8])
}

/// The eight bytes at `at`, or `None` past the end.
pub fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let word: [u8; 8] = bytes.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(word))
}

/// The high bit set in each byte that is between `lo` and `hi` (inclusive, both ASCII).
pub fn in_range(word: u64, lo: u8, hi: u8) -> u64 {
    debug_assert!(lo <= hi && hi < 0x80);
    let low = word & LOW;
    let at_least = low + each(0x80 - lo);
    let above = low + each(0x7f - hi);
    at_least & !above & !word & HIGH
}

/// The high bit set in each byte equal to `b` (ASCII).
pub fn equal(word: u64, b: u8) -> u64 {
    let x = word ^ each(b);
    !(((x & LOW) + LOW) | x) & HIGH
}

/// One bit per byte from the high bits of a mask: byte `i` to bit `i`.
pub fn gather(mask: u64) -> u64 {
    ((mask >> 7) & each(1)).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_value_in_every_position_is_told_on_its_own() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut bytes = *b"a-b c.d9";
                bytes[at] = b;
                let word = u64::from_le_bytes(bytes);
                for (i, &x) in bytes.iter().enumerate() {
                    let bit = |mask: u64| gather(mask) >> i & 1 == 1;
                    assert_eq!(
                        bit(in_range(word, b'0', b'9')),
                        x.is_ascii_digit(),
                        "{x} at {i}"
                    );
                    assert_eq!(bit(in_range(word, b'\t', b'\r')), (9..=13).contains(&x));
                    assert_eq!(bit(equal(word, b' ')), x == b' ', "{x} at {i}");
                    assert_eq!(bit(equal(word, b'&')), x == b'&', "{x} at {i}");
                    assert_eq!(bit(word & HIGH), x >= 0x80, "{x} at {i}");
                }
            }
        }
    }
}
