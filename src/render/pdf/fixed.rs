//! The same PDF bytes from the same input: what a browser stamps into a PDF that differs
//! run to run (the creation and modification dates in the document information and the
//! XMP metadata, the XMP's `uuid:` identifiers, the trailer's `/ID`) replaced in place.
//!
//! Every replacement has the length of what it replaces, so the cross-reference table's
//! byte offsets stay right and nothing else in the file moves. Identifiers are derived
//! from a digest of the document with all of these fields blanked: the same document
//! gets the same identifiers, a different one different identifiers.

use crate::error::FatalError;
use regex::bytes::{Captures, Regex};
use std::sync::LazyLock;

/// `/CreationDate (D:…)` and `/ModDate (D:…)` in the document information dictionary.
static INFO_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/(?:CreationDate|ModDate)\s*\((D:[0-9]{4}[^)]*)\)").expect("a valid pattern")
});

/// `<xmp:CreateDate>…</xmp:CreateDate>` and its kin in the XMP metadata.
static XMP_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<xmp:(?:CreateDate|ModifyDate|MetadataDate)>([0-9]{4}-[^<]*)</")
        .expect("a valid pattern")
});

/// `uuid:` identifiers in the XMP metadata (`xmpMM:DocumentID`, `InstanceID`).
static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"uuid:([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})",
    )
    .expect("a valid pattern")
});

/// The trailer's `/ID [<…> <…>]`.
static ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/ID\s*\[\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*\]").expect("a valid pattern")
});

/// `pdf` with its dates set to `date` and its identifiers derived from its content.
pub fn make_deterministic(pdf: &[u8], date: jiff::Timestamp) -> Result<Vec<u8>, FatalError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(FatalError::invalid(
            "the browser's output is not a PDF (it does not start with %PDF-)",
        ));
    }
    let utc = date.to_zoned(jiff::tz::TimeZone::UTC);
    let info = |old: &[u8]| -> Option<Vec<u8>> {
        let digits = utc.strftime("%Y%m%d%H%M%S").to_string();
        [
            format!("D:{digits}+00'00'"),
            format!("D:{digits}+00'00"),
            format!("D:{digits}Z"),
            format!("D:{digits}"),
        ]
        .into_iter()
        .find(|new| new.len() == old.len())
        .map(String::into_bytes)
    };
    let xmp = |old: &[u8]| -> Option<Vec<u8>> {
        let seconds = utc.strftime("%Y-%m-%dT%H:%M:%S").to_string();
        [
            format!("{seconds}+00:00"),
            format!("{seconds}Z"),
            format!("{seconds}.000+00:00"),
            format!("{seconds}.000Z"),
        ]
        .into_iter()
        .find(|new| new.len() == old.len())
        .map(String::into_bytes)
    };
    let mut out = replace_group(pdf, &INFO_DATE, 1, &info, "a document date")?;
    out = replace_group(&out, &XMP_DATE, 1, &xmp, "an XMP date")?;
    // Blank the identifiers, digest what is left, then derive each one from the digest.
    let zeros = |old: &[u8]| Some(blank(old));
    out = replace_group(&out, &UUID, 1, &zeros, "an XMP identifier")?;
    out = replace_group(&out, &ID, 1, &zeros, "the document identifier")?;
    out = replace_group(&out, &ID, 2, &zeros, "the document identifier")?;
    let digest = crate::util::hash::Sha256::of(&out).to_hex();
    let mut count = 0u32;
    let uuid = |old: &[u8]| {
        count += 1;
        let name = format!("{digest}-{count}");
        let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes());
        let text = id.hyphenated().to_string().into_bytes();
        (text.len() == old.len()).then_some(text)
    };
    out = replace_group_mut(&out, &UUID, 1, uuid, "an XMP identifier")?;
    // Both halves of /ID are the same when a file is first written.
    let id = |old: &[u8]| {
        let hex: Vec<u8> = digest.bytes().cycle().take(old.len()).collect();
        Some(hex)
    };
    out = replace_group(&out, &ID, 1, &id, "the document identifier")?;
    out = replace_group(&out, &ID, 2, &id, "the document identifier")?;
    Ok(out)
}

/// As many `0` as `old` is long (a blank date, identifier or hex string).
fn blank(old: &[u8]) -> Vec<u8> {
    vec![b'0'; old.len()]
}

fn replace_group(
    pdf: &[u8],
    pattern: &Regex,
    group: usize,
    with: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
    what: &str,
) -> Result<Vec<u8>, FatalError> {
    replace_group_mut(pdf, pattern, group, with, what)
}

/// `pdf` with capture `group` of each match of `pattern` replaced by what `with` gives,
/// which must be as long; an error names `what` when it cannot be.
fn replace_group_mut(
    pdf: &[u8],
    pattern: &Regex,
    group: usize,
    mut with: impl FnMut(&[u8]) -> Option<Vec<u8>>,
    what: &str,
) -> Result<Vec<u8>, FatalError> {
    let mut out = pdf.to_vec();
    let spans: Vec<(usize, usize)> = pattern
        .captures_iter(pdf)
        .filter_map(|c: Captures<'_>| c.get(group).map(|m| (m.start(), m.end())))
        .collect();
    for (start, end) in spans {
        let old = &pdf[start..end];
        let Some(new) = with(old).filter(|n| n.len() == old.len()) else {
            return Err(FatalError::invalid(format!(
                "cannot make the PDF reproducible: {what} is written as `{}`, which senco does not know",
                String::from_utf8_lossy(old)
            ))
            .with_help("report this with the browser's version (`chromium --version`)"));
        };
        out[start..end].copy_from_slice(&new);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"%PDF-1.4\n1 0 obj\n<</Creator (x) /CreationDate (D:20261201151951+00'00')\n/ModDate (D:20261201151951+00'00')>>\nendobj\n2 0 obj\n<xmp:CreateDate>2026-12-01T15:19:51+00:00</xmp:CreateDate><xmpMM:DocumentID>uuid:0b3e9f6a-1c2d-4e5f-8a9b-0c1d2e3f4a5b</xmpMM:DocumentID>\nendobj\ntrailer\n<</Size 3 /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]>>\n%%EOF\n";

    fn date() -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_716_163_200).expect("a time") // 2024-05-20
    }

    #[test]
    fn dates_and_identifiers_are_replaced_in_place() {
        let out = make_deterministic(SAMPLE, date()).expect("known formats");
        assert_eq!(out.len(), SAMPLE.len());
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.contains("/CreationDate (D:20240520000000+00'00')"),
            "{text}"
        );
        assert!(
            text.contains("/ModDate (D:20240520000000+00'00')"),
            "{text}"
        );
        assert!(
            text.contains("<xmp:CreateDate>2024-05-20T00:00:00+00:00<"),
            "{text}"
        );
        assert!(!text.contains("0b3e9f6a"), "{text}");
        assert!(!text.contains("0123456789abcdef"), "{text}");
    }

    #[test]
    fn the_same_document_at_another_time_gives_the_same_bytes() {
        let later = String::from_utf8_lossy(SAMPLE)
            .replace("151951", "152233")
            .replace("15:19:51", "15:22:33")
            .replace("0b3e9f6a", "99999999")
            .replace("0123456789abcdef", "fedcba9876543210");
        let a = make_deterministic(SAMPLE, date()).expect("a");
        let b = make_deterministic(later.as_bytes(), date()).expect("b");
        assert_eq!(a, b);
        let other = String::from_utf8_lossy(SAMPLE).replace("(x)", "(y)");
        let c = make_deterministic(other.as_bytes(), date()).expect("c");
        assert_ne!(
            a[a.len() - 120..],
            c[c.len() - 120..],
            "identifiers follow the content"
        );
    }

    #[test]
    fn an_unknown_date_format_is_refused_not_left_varying() {
        let odd = b"%PDF-1.4 /CreationDate (D:2026)";
        let error = make_deterministic(odd, date()).expect_err("unknown");
        assert!(error.message.contains("D:2026"), "{error}");
        assert!(make_deterministic(b"<html>", date()).is_err());
    }
}
