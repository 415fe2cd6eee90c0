//! One self-contained HTML file of a whole portfolio, for examiners who want a single
//! document: the stylesheet and images inlined, every link an in-page anchor, nothing
//! fetched from anywhere. Evidence is rendered by the same code as the site's pages, in
//! [`html::Mode::Single`]: the links' targets become in-page anchors as the HTML is
//! made, never by rewriting it afterwards.

use super::html;
use super::pages::{Common, TreeNode, tree};
use super::site::{SiteMap, outcome_path};
use super::theme::Theme;
use crate::check::Check;
use crate::error::FatalError;
use crate::util::path::RelPath;
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
    kind: Option<String>,
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
            kind: e.kind.clone(),
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
    let context = tera::Context::from_serialize(&data)
        .map_err(|e| FatalError::new(format!("cannot prepare the single-file portfolio: {e}")))?;
    theme
        .tera
        .render("single.html", &context)
        .map_err(|e| FatalError::new(format!("theme template single.html failed: {e}")))
}

fn anchor_tree(node: &mut TreeNode) {
    node.href = format!("#{}", anchor_for(node.href.trim_start_matches("../")));
    for child in &mut node.children {
        anchor_tree(child);
    }
}

/// An image attachment as a `data:` URL; `None` for one that is not inlined.
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
    let bytes = std::fs::read(rel.under(root)).ok()?;
    Some(format!("data:{mime};base64,{}", base64_encode(&bytes)))
}

fn base64_encode(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
    }
}
