//! One self-contained HTML file of a whole portfolio, for examiners who want a single
//! document: the stylesheet and images inlined, every link an in-page anchor, nothing
//! fetched from anywhere. Built from the same sanitised evidence HTML as the site.

use super::pages::{Common, TreeNode, tree};
use super::site::{SiteMap, outcome_path};
use super::theme::Theme;
use crate::check::Check;
use crate::error::FatalError;
use crate::model::evidence_type::EvidenceType;
use serde::Serialize;

#[derive(Serialize)]
struct OutcomeRef {
    id: String,
    anchor: String,
}

#[derive(Serialize)]
struct Section {
    anchor: String,
    title: String,
    path: String,
    date: Option<String>,
    kind: Option<EvidenceType>,
    words: usize,
    draft: bool,
    outcomes: Vec<OutcomeRef>,
    body_html: String,
}

#[derive(Serialize)]
struct SingleData<'a> {
    site: &'a Common,
    css: String,
    covered: usize,
    total: usize,
    tree: Vec<TreeNode>,
    evidence: Vec<Section>,
}

/// The anchor of a page of the site inside the single file.
fn anchor_for(page: &str) -> String {
    format!(
        "page-{}",
        crate::util::text::slug(page.trim_end_matches(".html"))
    )
}

/// Renders the single-file portfolio. `attachments_prefix` is where the built site's
/// `files/` folder sits relative to the single file (non-image attachments link there).
pub fn render(
    check: &Check,
    theme: &Theme,
    attachments_prefix: &str,
) -> Result<String, FatalError> {
    let root = &check.portfolio.root;
    let site = SiteMap::new(root, &check.portfolio.evidence_dirs, &check.evidence);
    let fw = &check.framework;
    let common = Common::new(check);
    let page = "portfolio.html";
    let mut evidence = Vec::with_capacity(check.evidence.len());
    for (i, e) in check.evidence.iter().enumerate() {
        let anchor = anchor_for(site.evidence_page(i));
        let rendered = super::pages::evidence_body(check, &site, i, page, false)?;
        let body_html = localise(&rendered.html, &anchor, root, attachments_prefix);
        evidence.push(Section {
            anchor,
            title: e.title.clone(),
            path: e.path.clone(),
            date: e.date.map(|d| d.to_string()),
            kind: e.kind,
            words: e.words,
            draft: e.draft,
            outcomes: e
                .outcome_nodes()
                .into_iter()
                .map(|n| OutcomeRef {
                    id: fw.node(n).id.clone(),
                    anchor: anchor_for(&outcome_path(fw, n)),
                })
                .collect(),
            body_html,
        });
    }
    let mut tree: Vec<TreeNode> = fw.roots().map(|r| tree(check, r, "")).collect();
    for node in &mut tree {
        anchor_tree(node);
    }
    let data = SingleData {
        site: &common,
        css: String::from_utf8_lossy(&theme.css).into_owned(),
        covered: check.coverage.leaves_covered(fw),
        total: check.coverage.leaves_total(fw),
        tree,
        evidence,
    };
    let context = tera::Context::from_serialize(&data).map_err(|e| {
        FatalError::invalid(format!("cannot prepare the single-file portfolio: {e}"))
    })?;
    let html = theme
        .tera
        .render("single.html", &context)
        .map_err(|e| FatalError::invalid(format!("theme template single.html failed: {e}")))?;
    Ok(super::policy::apply(&html, super::policy::FILES))
}

fn anchor_tree(node: &mut TreeNode) {
    node.href = format!("#{}", anchor_for(node.href.trim_start_matches("../")));
    for child in &mut node.children {
        anchor_tree(child);
    }
}

/// Rewrites one evidence section's sanitised HTML for the single file: its own ids and
/// fragment links get the section's prefix (every section has a `tag-0`), links to other
/// pages become in-page anchors, and images are inlined as data URLs.
fn localise(html: &str, prefix: &str, root: &std::path::Path, attachments_prefix: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(['i', 'h', 's']) {
        let (head, tail) = rest.split_at(at);
        out.push_str(head);
        let rewritten = [
            ("id=\"", Kind::Id),
            ("href=\"", Kind::Href),
            ("src=\"", Kind::Src),
        ]
        .into_iter()
        .find_map(|(attr, kind)| tail.strip_prefix(attr).map(|v| (attr, v, kind)));
        let Some((attr, value_and_rest, kind)) = rewritten else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
            continue;
        };
        let end = value_and_rest.find('"').unwrap_or(value_and_rest.len());
        let value = &value_and_rest[..end];
        out.push_str(attr);
        out.push_str(&match kind {
            Kind::Id => format!("{prefix}-{value}"),
            Kind::Href => local_href(value, prefix, attachments_prefix),
            Kind::Src => inline_image(value, root).unwrap_or_else(|| value.to_string()),
        });
        rest = &value_and_rest[end..];
    }
    out.push_str(rest);
    out
}

enum Kind {
    Id,
    Href,
    Src,
}

fn local_href(value: &str, prefix: &str, attachments_prefix: &str) -> String {
    if let Some(fragment) = value.strip_prefix('#') {
        return format!("#{prefix}-{fragment}");
    }
    let (path, fragment) = value
        .split_once('#')
        .map_or((value, None), |(p, f)| (p, Some(f)));
    if path.starts_with("outcomes/") || path.starts_with("evidence/") {
        let target = anchor_for(&super::site::percent_decode(path));
        return match fragment {
            Some(f) if path.starts_with("evidence/") => format!("#{target}-{f}"),
            _ => format!("#{target}"),
        };
    }
    if path.starts_with("files/") {
        return format!("{attachments_prefix}{value}");
    }
    value.to_string()
}

/// A `data:` URL of the image `files/REL` links to, read through the containment rule
/// (decoded, symlinks followed, inside the portfolio, not hidden, regular, capped).
fn inline_image(src: &str, root: &std::path::Path) -> Option<String> {
    let rel = super::site::percent_decode(src.strip_prefix("files/")?);
    let mime = match rel.rsplit('.').next()?.to_ascii_lowercase().as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => return None, // SVG can carry script: it stays a linked file, never inlined.
        _ => return None,
    };
    let canonical_root = std::fs::canonicalize(root).ok()?;
    let bytes = crate::util::fs::read_inside(
        &canonical_root,
        &rel,
        crate::util::fs::MAX_ATTACHMENT_BYTES,
        "images",
    )
    .ok()?;
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
    Some(format!("data:{mime};base64,{data}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_inlined_as_standard_base64_and_svg_never() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a b.png"), b"fo").expect("png");
        std::fs::write(dir.path().join("c.svg"), b"<svg/>").expect("svg");
        assert_eq!(
            inline_image("files/a%20b.png", dir.path()).as_deref(),
            Some("data:image/png;base64,Zm8=")
        );
        assert_eq!(inline_image("files/c.svg", dir.path()), None);
        assert_eq!(inline_image("files/missing.png", dir.path()), None);
    }

    #[test]
    fn ids_and_links_become_local() {
        let html = "<h3 id=\"intro\">x</h3><a class=\"tag\" id=\"tag-0\" href=\"outcomes/A1.2.html\">A1.2</a><a href=\"#intro\">i</a><a href=\"evidence/b.html#tag-1\">b</a>";
        let out = localise(html, "page-evidence-a", std::path::Path::new("."), "site/");
        assert!(out.contains("id=\"page-evidence-a-intro\""), "{out}");
        assert!(out.contains("id=\"page-evidence-a-tag-0\""), "{out}");
        assert!(out.contains("href=\"#page-outcomes-a1-2\""), "{out}");
        assert!(out.contains("href=\"#page-evidence-a-intro\""), "{out}");
        assert!(out.contains("href=\"#page-evidence-b-tag-1\""), "{out}");
    }
}
