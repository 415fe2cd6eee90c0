//! Percent-encoding in links written by hand.

/// Decodes `%XX` escapes in a URL path. A `%` not followed by two hex digits is kept as
/// it is (evidence is hand-written: `100%.pdf` is a file name, not an error).
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // `get` rather than slicing: the two bytes after `%` may split a character.
        if bytes[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_never_splits_a_character() {
        assert_eq!(decode("a%20b%2e%2E"), "a b..");
        assert_eq!(decode("%aé.pdf"), "%aé.pdf");
        assert_eq!(decode("100%"), "100%");
    }
}
