//! One self-contained HTML file of a whole portfolio, for examiners who want a single
//! document: the stylesheet and images inlined, every link an in-page anchor, nothing
//! fetched from anywhere. Evidence is rendered by the same code as the site's pages, in
//! [`html::Mode::Single`]: the links' targets become in-page anchors as the HTML is
//! made, never by rewriting it afterwards.

use super::html;
use super::pages::{Common, PassageRef, TreeNode, tree};
use super::site::{SiteMap, outcome_path};
use super::theme::Theme;
use crate::check::Check;
use crate::error::FatalError;
use crate::model::evidence_type::EvidenceType;
use crate::util::path::RelPath;
use serde::Serialize;
use std::collections::HashMap;

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
    /// The judgements in force on this file.
    judgements: Vec<super::pages::JudgementView>,
}

#[derive(Serialize)]
struct SingleData<'a> {
    site: &'a Common,
    css: String,
    covered: usize,
    total: usize,
    tree: Vec<TreeNode>,
    evidence: Vec<Section>,
    /// The coverage matrix, every link an anchor in the file.
    matrix: super::pages::MatrixData,
}

use html::single_anchor as anchor_for;

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
        let inline = |rel: &RelPath| inline_image(rel, root);
        let mode = html::Mode::Single {
            prefix: &anchor,
            attachments: attachments_prefix,
            inline: &inline,
        };
        let body_html = super::pages::evidence_body(check, &site, i, page, mode)?.html;
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
            judgements: super::pages::single_judgements(check, &site, i),
        });
    }
    // Each node lists the passages that tag it; each passage's badge links back.
    let mut passages: HashMap<String, Vec<PassageRef>> = HashMap::new();
    for (i, e) in check.evidence.iter().enumerate() {
        let anchor = anchor_for(site.evidence_page(i));
        for tag in &e.tags {
            let href = match tag.inline_index {
                Some(k) => format!("#{anchor}-tag-{k}"),
                None => format!("#{anchor}-opening"),
            };
            passages
                .entry(fw.node(tag.node).id.clone())
                .or_default()
                .push(PassageRef {
                    title: e.title.clone(),
                    href,
                    line: tag.line,
                    draft: e.draft,
                });
        }
    }
    let mut tree: Vec<TreeNode> = fw.roots().map(|r| tree(check, r, "")).collect();
    for node in &mut tree {
        anchor_tree(node, &mut passages);
    }
    let matrix = super::pages::matrix_data(
        check,
        &|leaf| format!("#{}", anchor_for(&outcome_path(fw, leaf))),
        &|i, fragment| {
            let anchor = anchor_for(site.evidence_page(i));
            match fragment {
                Some(f) => format!("#{anchor}-{f}"),
                None => format!("#{anchor}"),
            }
        },
    );
    let data = SingleData {
        site: &common,
        css: String::from_utf8_lossy(&theme.css).into_owned(),
        covered: check.coverage.leaves_covered(fw),
        total: check.coverage.leaves_total(fw),
        tree,
        evidence,
        matrix,
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

fn anchor_tree(node: &mut TreeNode, passages: &mut HashMap<String, Vec<PassageRef>>) {
    node.href = format!("#{}", anchor_for(node.href.trim_start_matches("../")));
    node.passages = passages.remove(&node.id).unwrap_or_default();
    for child in &mut node.children {
        anchor_tree(child, passages);
    }
}

/// An image attachment as a `data:` URL, read through the containment rule (decoded,
/// symlinks followed, inside the portfolio, not hidden, regular, capped); `None` for one
/// that is not inlined.
fn inline_image(rel: &RelPath, root: &std::path::Path) -> Option<String> {
    let mime = match rel
        .file_name()
        .rsplit('.')
        .next()?
        .to_ascii_lowercase()
        .as_str()
    {
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
        rel.as_str(),
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
        let rel = |p: &str| RelPath::new(p).expect("a relative path");
        assert_eq!(
            inline_image(&rel("a b.png"), dir.path()).as_deref(),
            Some("data:image/png;base64,Zm8=")
        );
        assert_eq!(inline_image(&rel("c.svg"), dir.path()), None);
        assert_eq!(inline_image(&rel("missing.png"), dir.path()), None);
    }
}
