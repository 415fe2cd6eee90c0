//! Eight bytes at a time: tests on a little-endian `u64` of text bytes that tell, for
//! every byte at once, whether it is in a range or equal to a value. The scans before
//! the expensive passes (words, digits, names) use them to step over plain text, and
//! the searches for the first wanted byte ([`first_digit`], [`first_non_ascii_or`]) go
//! thirty-two bytes at a time with AVX2 (or sixteen with SSE2) on x86-64 before them.
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

/// The first `N` bytes of `bytes`, or all of them followed by spaces: a whole block
/// to test at once even at the end of a text, where the caller ignores what is past it.
#[inline(always)]
pub fn padded<const N: usize>(bytes: &[u8]) -> [u8; N] {
    if let Some(block) = bytes.get(..N).and_then(|b| <[u8; N]>::try_from(b).ok()) {
        return block;
    }
    let mut block = [b' '; N];
    block[..bytes.len()].copy_from_slice(bytes);
    block
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

/// Where the first ASCII digit at or after `from` is.
pub fn first_digit(bytes: &[u8], from: usize) -> Option<usize> {
    first_of(bytes, from, Wanted::Digit)
}

/// Where the first byte at or after `from` is that is outside ASCII or one of `also`.
pub fn first_non_ascii_or(bytes: &[u8], from: usize, also: [u8; 2]) -> Option<usize> {
    first_of(bytes, from, Wanted::NonAsciiOr(also))
}

/// Puts an ASCII-lowercase copy of `bytes` in `out` (every byte but a capital as it is)
/// and tells where the first byte is that is outside ASCII or one of `also`: the copy and
/// that search in one pass over the text, thirty-two bytes at a time where the processor
/// has AVX2.
pub fn lowercase_finding(bytes: &[u8], out: &mut Vec<u8>, also: [u8; 2]) -> Option<usize> {
    out.clear();
    out.reserve(bytes.len());
    let mut first = None;
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has just said it has AVX2.
            (done, first) = unsafe { lowercase_thirty_two_at_a_time(bytes, out, also) };
        }
    }
    let rest = bytes.get(done..).unwrap_or_default();
    out.extend_from_slice(rest);
    if let Some(copy) = out.get_mut(done..) {
        copy.make_ascii_lowercase();
    }
    first.or_else(|| first_non_ascii_or(bytes, done, also))
}

/// [`lowercase_finding`] over whole blocks of thirty-two bytes, written straight into
/// `out`'s spare room (which the caller has made): how many bytes it copied, and the first
/// wanted byte among them.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn lowercase_thirty_two_at_a_time(
    bytes: &[u8],
    out: &mut Vec<u8>,
    also: [u8; 2],
) -> (usize, Option<usize>) {
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_storeu_si256,
    };
    let blocks = bytes.chunks_exact(32);
    let copied = bytes.len() - blocks.remainder().len();
    let spare = out.spare_capacity_mut();
    if spare.len() < copied {
        return (0, None);
    }
    let mut first = None;
    for ((n, block), into) in blocks.enumerate().zip(spare.chunks_exact_mut(32)) {
        // SAFETY: an unaligned load of the thirty-two bytes the block holds.
        let lanes = unsafe { _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()) };
        let capital = lanes_in_range(lanes, b'A', b'Z');
        let lowered = _mm256_or_si256(lanes, _mm256_and_si256(capital, each_lane(0x20)));
        // SAFETY: an unaligned store into thirty-two bytes of spare room, which hold no
        // value yet and so need no drop.
        unsafe { _mm256_storeu_si256(into.as_mut_ptr().cast::<__m256i>(), lowered) };
        if first.is_none() {
            let mask = _mm256_movemask_epi8(Wanted::NonAsciiOr(also).in_lanes(lanes));
            if mask != 0 {
                first = Some(n * 32 + mask.trailing_zeros() as usize);
            }
        }
    }
    // SAFETY: the loop above wrote every one of the first `copied` spare bytes.
    unsafe { out.set_len(copied) };
    (copied, first)
}

/// The bytes [`first_of`] looks for.
#[derive(Clone, Copy)]
enum Wanted {
    Digit,
    NonAsciiOr([u8; 2]),
}

impl Wanted {
    fn is(self, b: u8) -> bool {
        match self {
            Wanted::Digit => b.is_ascii_digit(),
            Wanted::NonAsciiOr(also) => !b.is_ascii() || also.contains(&b),
        }
    }

    /// The high bit set in each byte of `word` that is wanted.
    fn in_word(self, word: u64) -> u64 {
        match self {
            Wanted::Digit => in_range(word, b'0', b'9'),
            Wanted::NonAsciiOr([a, b]) => (word & HIGH) | equal(word, a) | equal(word, b),
        }
    }
}

/// Where the first `wanted` byte at or after `from` is: thirty-two bytes at a time where
/// the processor has AVX2, sixteen, then eight, then one by one for the last few. In a
/// mask of a block the lowest set bit is the first such byte.
fn first_of(bytes: &[u8], from: usize, wanted: Wanted) -> Option<usize> {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has just said it has AVX2.
            let (at, found) = unsafe { thirty_two_at_a_time(bytes, i, wanted) };
            if found {
                return Some(at);
            }
            i = at;
        }
        // SAFETY: SSE2 is part of x86-64 itself: every processor this runs on has it.
        let (at, found) = unsafe { sixteen_at_a_time(bytes, i, wanted) };
        if found {
            return Some(at);
        }
        i = at;
    }
    while let Some(word) = word_at(bytes, i) {
        let mask = wanted.in_word(word);
        if mask != 0 {
            return Some(i + (mask.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let rest = bytes.get(i..)?;
    rest.iter().position(|&b| wanted.is(b)).map(|p| i + p)
}

/// [`first_of`] over whole blocks of thirty-two bytes, each compared in one AVX2
/// instruction: where the first wanted byte is (`true`), or where the blocks ran out
/// (`false`). Half the steps of [`sixteen_at_a_time`], with loads straight from the text.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn thirty_two_at_a_time(bytes: &[u8], from: usize, wanted: Wanted) -> (usize, bool) {
    use std::arch::x86_64::{__m256i, _mm256_loadu_si256, _mm256_movemask_epi8};
    let mut i = from;
    while let Some(block) = bytes.get(i..i + 32) {
        // SAFETY: an unaligned load of the thirty-two bytes the block holds.
        let lanes = unsafe { _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()) };
        let mask = _mm256_movemask_epi8(wanted.in_lanes(lanes));
        if mask != 0 {
            return (i + mask.trailing_zeros() as usize, true);
        }
        i += 32;
    }
    (i, false)
}

/// Every AVX2 lane set to `b`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn each_lane(b: u8) -> std::arch::x86_64::__m256i {
    std::arch::x86_64::_mm256_set1_epi8(b.cast_signed())
}

/// All ones in each lane whose byte is ASCII and within `lo..=hi`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn lanes_in_range(lanes: std::arch::x86_64::__m256i, lo: u8, hi: u8) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::{_mm256_and_si256, _mm256_cmpgt_epi8};
    // Signed lanes: a byte outside ASCII is below `0`, never within an ASCII range.
    _mm256_and_si256(
        _mm256_cmpgt_epi8(lanes, each_lane(lo - 1)),
        _mm256_cmpgt_epi8(each_lane(hi + 1), lanes),
    )
}

#[cfg(target_arch = "x86_64")]
impl Wanted {
    /// The lanes holding a wanted byte: the high bit set in each.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn in_lanes(self, lanes: std::arch::x86_64::__m256i) -> std::arch::x86_64::__m256i {
        use std::arch::x86_64::{_mm256_cmpeq_epi8, _mm256_or_si256};
        match self {
            Wanted::Digit => lanes_in_range(lanes, b'0', b'9'),
            // A byte outside ASCII has its high bit set already.
            Wanted::NonAsciiOr([a, b]) => _mm256_or_si256(
                lanes,
                _mm256_or_si256(
                    _mm256_cmpeq_epi8(lanes, each_lane(a)),
                    _mm256_cmpeq_epi8(lanes, each_lane(b)),
                ),
            ),
        }
    }
}

/// [`first_of`] over whole blocks of sixteen bytes, each compared in one instruction:
/// where the first wanted byte is (`true`), or where the blocks ran out (`false`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn sixteen_at_a_time(bytes: &[u8], from: usize, wanted: Wanted) -> (usize, bool) {
    use std::arch::x86_64::{
        _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_movemask_epi8,
        _mm_or_si128, _mm_set_epi64x, _mm_set1_epi8,
    };
    let mut i = from;
    while let (Some(low), Some(high)) = (word_at(bytes, i), word_at(bytes, i + 8)) {
        // Bit patterns, not numbers: the bytes as the lanes of one register.
        let lanes = _mm_set_epi64x(high.cast_signed(), low.cast_signed());
        let each = |b: u8| _mm_set1_epi8(b.cast_signed());
        let matched = match wanted {
            // Signed lanes: a byte outside ASCII is below `0`, never taken for a digit.
            Wanted::Digit => _mm_and_si128(
                _mm_cmpgt_epi8(lanes, each(b'0' - 1)),
                _mm_cmplt_epi8(lanes, each(b'9' + 1)),
            ),
            // A byte outside ASCII has its high bit set already.
            Wanted::NonAsciiOr([a, b]) => _mm_or_si128(
                lanes,
                _mm_or_si128(
                    _mm_cmpeq_epi8(lanes, each(a)),
                    _mm_cmpeq_epi8(lanes, each(b)),
                ),
            ),
        };
        let mask = _mm_movemask_epi8(matched);
        if mask != 0 {
            return (i + mask.trailing_zeros() as usize, true);
        }
        i += 16;
    }
    (i, false)
}

/// The sum of the differences of two arrays of thirty-two counts, byte by byte: the
/// lower bound that rules out most did-you-mean candidates, taken for thousands of
/// names per broken link. With SSE2, two `psadbw` instructions.
pub fn sum_of_differences(a: &[u8; 32], b: &[u8; 32]) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: SSE2 is part of x86-64 itself: every processor this runs on has it.
        unsafe { sum_of_differences_sse2(a, b) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        sum_of_differences_scalar(a, b)
    }
}

#[cfg(any(test, not(target_arch = "x86_64")))]
fn sum_of_differences_scalar(a: &[u8; 32], b: &[u8; 32]) -> usize {
    a.iter()
        .zip(b)
        .map(|(x, y)| usize::from(x.abs_diff(*y)))
        .sum()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn sum_of_differences_sse2(a: &[u8; 32], b: &[u8; 32]) -> usize {
    use std::arch::x86_64::{_mm_add_epi64, _mm_sad_epu8, _mm_set_epi64x, _mm_storeu_si128};
    let lanes = |bytes: &[u8; 32], half: usize| {
        let word = |i: usize| word_at(bytes, half * 16 + i).unwrap_or(0).cast_signed();
        _mm_set_epi64x(word(8), word(0))
    };
    // Each `psadbw` leaves the sums of its two halves in the low bits of two 64-bit lanes.
    let sums = _mm_add_epi64(
        _mm_sad_epu8(lanes(a, 0), lanes(b, 0)),
        _mm_sad_epu8(lanes(a, 1), lanes(b, 1)),
    );
    let mut out = [0u64; 2];
    // SAFETY: `out` is sixteen writable bytes; the store needs no alignment.
    unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), sums) };
    (out[0] + out[1]) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn summed_differences_are_those_taken_one_by_one(
            a in proptest::array::uniform32(proptest::num::u8::ANY),
            b in proptest::array::uniform32(proptest::num::u8::ANY),
        ) {
            proptest::prop_assert_eq!(sum_of_differences(&a, &b), sum_of_differences_scalar(&a, &b));
        }
    }

    #[test]
    fn a_short_block_is_padded_with_spaces_and_a_long_one_cut() {
        assert_eq!(padded::<4>(b"ab"), *b"ab  ");
        assert_eq!(padded::<4>(b""), *b"    ");
        assert_eq!(padded::<4>(b"abcd"), *b"abcd");
        assert_eq!(padded::<4>(b"abcdef"), *b"abcd");
    }

    #[test]
    fn the_first_wanted_byte_is_found_at_every_offset_and_length() {
        // Each byte value at each place of texts long enough for every stride (32, 16, 8, 1),
        // searched from every start.
        for b in 0..=255u8 {
            for len in [1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40, 48, 64, 70] {
                for at in 0..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = b;
                    for from in 0..=len {
                        let digit = (from..len).find(|&i| bytes[i].is_ascii_digit());
                        assert_eq!(
                            first_digit(&bytes, from),
                            digit,
                            "{b} at {at} of {len} from {from}"
                        );
                        let special = (from..len)
                            .find(|&i| !bytes[i].is_ascii() || matches!(bytes[i], b'&' | b'%'));
                        assert_eq!(
                            first_non_ascii_or(&bytes, from, [b'&', b'%']),
                            special,
                            "{b} at {at} of {len} from {from}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn lowercasing_keeps_every_byte_but_capitals_and_finds_the_first_wanted_one() {
        // Every byte value at every place of texts long enough for both strides (32, 1),
        // into a buffer that already holds something.
        let mut out = b"left over".to_vec();
        assert_eq!(lowercase_finding(b"", &mut out, [b'&', b'%']), None);
        assert!(out.is_empty());
        for b in 0..=255u8 {
            for len in [1, 31, 32, 33, 63, 64, 65, 100] {
                for at in 0..len {
                    let mut bytes: Vec<u8> = (0..len).map(|i| b"aZ-q Mx.9"[i % 9]).collect();
                    bytes[at] = b;
                    let special = bytes
                        .iter()
                        .position(|&x| !x.is_ascii() || matches!(x, b'&' | b'%'));
                    assert_eq!(
                        lowercase_finding(&bytes, &mut out, [b'&', b'%']),
                        special,
                        "{b} at {at} of {len}"
                    );
                    assert_eq!(out, bytes.to_ascii_lowercase(), "{b} at {at} of {len}");
                }
            }
        }
    }

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
