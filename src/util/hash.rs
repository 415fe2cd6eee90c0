//! Hashing: [`Sha256`], the digest recorded in judgements and pack manifests, and
//! [`fingerprint`], a fast in-memory check that a file did not change between reads.

use serde::Serialize;
use std::fmt;

/// A SHA-256 digest, written as 64 lower-case hexadecimal digits wherever it is shown
/// or stored.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256([u8; 32]);

impl Sha256 {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Sha256 {
        use sha2::Digest;
        Sha256(sha2::Sha256::digest(bytes).into())
    }

    /// The digest a streaming hasher finished with.
    pub(crate) fn from_digest(digest: [u8; 32]) -> Sha256 {
        Sha256(digest)
    }

    /// The digest's 32 bytes.
    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Reads 64 hexadecimal digits, in either case.
    pub(crate) fn from_hex(text: &str) -> Option<Sha256> {
        let text = text.as_bytes();
        if text.len() != 64 {
            return None;
        }
        let mut digest = [0; 32];
        for (byte, pair) in digest.iter_mut().zip(text.chunks_exact(2)) {
            *byte = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
        }
        Some(Sha256(digest))
    }

    /// The 64 lower-case hexadecimal digits.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(64);
        for byte in self.0 {
            hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
            hex.push(char::from(DIGITS[usize::from(byte & 0xf)]));
        }
        hex
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|v| u8::try_from(v).ok())
}

/// The hexadecimal digits; a precision shortens them (`{:.12}`), as messages do.
impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.to_hex())
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({self})")
    }
}

impl Serialize for Sha256 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A fast hash of a file's content, to tell whether it changed between two reads in
/// one run (not stable across versions of senco, so never stored; not for security).
pub(crate) fn fingerprint(bytes: &[u8]) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_the_standard_ones_in_lower_case_hex() {
        let abc = Sha256::of(b"abc");
        let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(abc.to_string(), hex);
        assert_eq!(format!("{abc:.12}"), &hex[..12]);
        assert_eq!(serde_json::to_string(&abc).ok(), Some(format!("\"{hex}\"")));
        assert_eq!(Sha256::from_hex(hex), Some(abc));
        assert_eq!(Sha256::from_hex(&hex.to_uppercase()), Some(abc));
        assert_eq!(Sha256::from_hex(&hex[1..]), None);
        assert_eq!(Sha256::from_hex(&format!("{}g", &hex[1..])), None);
        assert_eq!(Sha256::from_hex(&format!("{}+", &hex[..63])), None);
    }
}
