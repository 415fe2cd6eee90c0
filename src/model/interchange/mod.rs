//! Frameworks in and out of the formats providers keep them in: 1EdTech CASE 1.0 packages
//! ([`case`]), Moodle competency framework CSV ([`moodle`]) and, export only, Mahara
//! SmartEvidence matrices ([`mahara`]). Importers never drop a row silently: whatever
//! they skip or have to guess is a located [`Diagnostic`].

pub mod case;
pub mod mahara;
pub mod moodle;

use crate::error::FatalError;
use crate::error::diagnostic::Diagnostic;
use crate::model::framework::{Framework, FrameworkFile, NodeFile, NodeKind, Rollup};

/// What an importer made: a framework file (not yet validated) and what it had to say.
#[derive(Debug)]
pub struct Imported {
    /// The framework as read, in senco's own file format.
    pub file: FrameworkFile,
    /// What was dropped or guessed on the way, so nothing is lost silently.
    pub diagnostics: Vec<Diagnostic>,
}

/// The formats `senco framework import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// IMS Global CASE 1.0 JSON (a CFPackage), as a CASE server serves it.
    Case,
    /// The CSV of Moodle's competency framework export.
    MoodleCsv,
}

impl ImportFormat {
    /// By extension, else by the first character (`{` for JSON).
    pub fn detect(name: &str, text: &str) -> ImportFormat {
        let lower = name.to_lowercase();
        if lower.ends_with(".csv") {
            ImportFormat::MoodleCsv
        } else if lower.ends_with(".json")
            || text
                .trim_start_matches('\u{feff}')
                .trim_start()
                .starts_with('{')
        {
            ImportFormat::Case
        } else {
            ImportFormat::MoodleCsv
        }
    }
}

/// Reads `text` (the file `name`) in `format`, applies `rollup` and validates the result
/// as any framework file is validated.
pub fn import(
    name: &str,
    text: &str,
    format: ImportFormat,
    rollup: Rollup,
) -> Result<(Framework, Imported), FatalError> {
    let text = crate::util::text::without_bom(text);
    let mut imported = match format {
        ImportFormat::Case => case::import(name, text)?,
        ImportFormat::MoodleCsv => moodle::import(name, text)?,
    };
    if imported.file.nodes.is_empty() {
        return Err(
            FatalError::invalid(format!("{name}: no outcomes left to import"))
                .with_help("every row was skipped: see the warnings above"),
        );
    }
    crate::error::diagnostic::sort_diagnostics(&mut imported.diagnostics);
    apply_rollup(&mut imported.file.nodes, rollup);
    let framework = Framework::from_file(imported.file.clone(), name)?;
    Ok((framework, imported))
}

/// A framework file larger than this is refused: no real framework comes near it.
pub(crate) const MAX_FRAMEWORK_BYTES: u64 = 16 << 20;

/// Reads a framework source file as UTF-8 text (a BOM dropped), at most
/// [`MAX_FRAMEWORK_BYTES`].
pub fn read_source(path: &std::path::Path) -> Result<String, FatalError> {
    use std::io::Read;
    let cannot = |e: std::io::Error| {
        FatalError::invalid(format!(
            "cannot read framework file {}: {e}",
            path.display()
        ))
    };
    let (file, _) = crate::util::fs::open_regular(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_FRAMEWORK_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FRAMEWORK_BYTES {
        return Err(FatalError::invalid(format!(
            "{} is larger than {} MB: not a framework file",
            path.display(),
            MAX_FRAMEWORK_BYTES >> 20
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        FatalError::invalid(format!("{} is not valid UTF-8", path.display()))
            .with_help("save it as UTF-8 (Moodle exports UTF-8 by default)")
    })?;
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

/// `--rollup any` marks every node whose children are all leaves (an outcome over its
/// indicators, a standard over its bullets); parts above them keep `all`.
fn apply_rollup(nodes: &mut [NodeFile], rollup: Rollup) {
    for node in nodes {
        if node.children.is_empty() {
            continue;
        }
        if node.children.iter().all(|c| c.children.is_empty()) {
            node.rollup = rollup;
        } else {
            apply_rollup(&mut node.children, rollup);
        }
    }
}

/// The kind of a node at `depth` (0 = top) in a tree `levels` deep, when the source says
/// nothing usable: one level is outcomes; two are outcomes over indicators; three or more
/// are parts, outcomes, then indicators.
pub(crate) fn kind_for_depth(depth: usize, levels: usize) -> NodeKind {
    match (levels, depth) {
        (0 | 1, _) => NodeKind::Outcome,
        (2, 0) => NodeKind::Outcome,
        (2, _) => NodeKind::Indicator,
        (_, 0) => NodeKind::Part,
        (_, 1) => NodeKind::Outcome,
        _ => NodeKind::Indicator,
    }
}

/// Levels in a tree of node files (0 for none).
pub fn levels(nodes: &[NodeFile]) -> usize {
    nodes
        .iter()
        .map(|n| 1 + levels(&n.children))
        .max()
        .unwrap_or(0)
}

/// An id senco accepts (letters, digits, `.`, `-`, `_`), from a source's code: other
/// characters become `-`. `None` when nothing is left.
pub(crate) fn clean_id(raw: &str) -> Option<String> {
    let id: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    (!id.trim_matches('-').is_empty()).then_some(id)
}

/// Plain text from an HTML fragment: tags dropped (script and style with their content),
/// entities decoded, paragraphs and line breaks kept as blank lines between paragraphs,
/// other whitespace collapsed. No markup survives.
pub(crate) fn html_to_text(html: &str) -> String {
    // Block ends become paragraph breaks before the tags are dropped.
    let marked = BLOCK_END.replace_all(html, "$0\u{1}");
    let cleaned = ammonia::Builder::empty()
        .clean_content_tags(["script", "style"].into_iter().collect())
        .clean(&marked)
        .to_string();
    let text = unescape(&cleaned);
    text.split('\u{1}')
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

static BLOCK_END: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?i)</p\s*>|<br\s*/?>|</li\s*>|</div\s*>|</h[1-6]\s*>|</tr\s*>")
        .unwrap_or_else(|_| unreachable!("a fixed pattern"))
});

/// Undoes the escaping ammonia applies to text it writes out.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Text escaped for HTML (exports that carry HTML descriptions).
pub(crate) fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `text` cut to at most `max` characters at a word boundary, with `...` when cut
/// (as Moodle's `shorten_text` does).
pub(crate) fn shorten(text: &str, max: usize) -> (String, bool) {
    if text.chars().count() <= max {
        return (text.to_string(), false);
    }
    let keep: String = text.chars().take(max.saturating_sub(3)).collect();
    let cut = match keep.rfind(' ') {
        Some(space) if space > keep.len() / 2 => &keep[..space],
        _ => keep.as_str(),
    };
    (format!("{}...", cut.trim_end()), true)
}

/// What an export had to leave out, for the user to read on stderr.
pub fn left_out(framework: &crate::model::framework::Section, format: &str) -> Vec<String> {
    let file = framework.to_file();
    let mut notes = Vec::new();
    let mut aliases = Vec::new();
    let mut rollups = Vec::new();
    walk(&file.nodes, &mut |n| {
        if !n.aliases.is_empty() {
            aliases.push(n.id.clone());
        }
        if n.rollup != Rollup::All {
            rollups.push(n.id.clone());
        }
    });
    if !aliases.is_empty() {
        notes.push(format!(
            "{format} has no place for aliases: those of {} are left out",
            list(&aliases)
        ));
    }
    if !rollups.is_empty() {
        notes.push(format!(
            "{format} has no place for rollup: {} export the default (`all`); import with `--rollup any` to restore it",
            list(&rollups)
        ));
    }
    notes
}

fn walk(nodes: &[NodeFile], f: &mut dyn FnMut(&NodeFile)) {
    for n in nodes {
        f(n);
        walk(&n.children, f);
    }
}

fn list(ids: &[String]) -> String {
    match ids {
        [one] => format!("`{one}`"),
        [first, .., last] if ids.len() > 3 => {
            format!("`{first}` … `{last}` ({} nodes)", ids.len())
        }
        _ => ids
            .iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A slug for a framework id made from a title: lower case, words joined by `-`.
pub fn slug(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let slug = words.join("-");
    if slug.is_empty() {
        "imported".to_string()
    } else {
        slug.chars()
            .take(60)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            html_to_text("<p>Plan &amp; review<br>the <b>provision</b></p><p>Next&nbsp;step</p>"),
            "Plan & review\n\nthe provision\n\nNext step"
        );
        assert_eq!(
            html_to_text("<script>alert(1)</script>Safe &lt;b&gt;"),
            "Safe <b>"
        );
        assert_eq!(html_to_text("Caf&eacute; &#8217;s &#x2014;"), "Café ’s —");
        assert_eq!(html_to_text("  a\n  b "), "a b");
    }

    #[test]
    fn kinds_by_depth() {
        assert_eq!(kind_for_depth(0, 1), NodeKind::Outcome);
        assert_eq!(kind_for_depth(1, 2), NodeKind::Indicator);
        assert_eq!(kind_for_depth(0, 3), NodeKind::Part);
        assert_eq!(kind_for_depth(3, 4), NodeKind::Indicator);
    }

    #[test]
    fn ids_and_shortening() {
        assert_eq!(clean_id(" A 1.2 ").as_deref(), Some("A-1.2"));
        assert_eq!(clean_id(" / "), None);
        let (short, cut) = shorten(&"word ".repeat(40), 100);
        assert!(cut && short.ends_with("...") && short.chars().count() <= 100);
        assert_eq!(shorten("short", 100), ("short".to_string(), false));
        assert_eq!(
            slug("Provider's Outcomes (2025)"),
            "provider-s-outcomes-2025"
        );
    }
}
