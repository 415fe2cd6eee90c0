//! Text helpers shared by every stage.

/// Lower-case letters and digits (accents kept), other runs turned into single hyphens:
/// heading ids, page anchors and folder names.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// A file-name slug: [`slug`] cut to at most 60 characters, `evidence` when nothing is
/// left.
pub fn file_slug(title: &str) -> String {
    let cut: String = slug(title).chars().take(60).collect();
    match cut.trim_end_matches('-') {
        "" => "evidence".to_string(),
        s => s.to_string(),
    }
}
