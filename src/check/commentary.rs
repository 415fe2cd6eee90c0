//! Per-outcome commentary: the critical reflection a trainee writes on an outcome or a
//! part as a whole, beside the evidence for it.
//!
//! One Markdown file per framework node in the portfolio's `commentary/` folder (see
//! [`crate::check::discover::COMMENTARY_DIR`]), named by the node's id: `commentary/A.md`,
//! `commentary/b6.md` (case does not matter; an alias of the id also names it). A file is
//! checked as evidence is (front matter, links, the privacy lint, words) but it is not
//! evidence: it covers nothing, is not counted or listed with the evidence, and no link
//! leads to it. It is shown at the head of its node's page and in the single file.
//!
//! With `[rules] commentary = true`, a node needs commentary when it has evidence: each
//! top-level part, either on itself or, when the trainee comments on its children instead,
//! on each of its children that has evidence (and so on down).

use crate::check::discover::Found;
use crate::check::evidence::Evidence;
use crate::error::Code;
use crate::error::diagnostic::Diagnostic;
use crate::model::framework::{Framework, NodeId};

/// One commentary file: the node it comments on and the file, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commentary {
    /// The framework node its file name names.
    pub node: NodeId,
    /// The file as the evidence parser reads it: path, title, words, links, headings.
    /// Its tags are cleared, as commentary covers nothing.
    pub file: Evidence,
}

/// The framework node a commentary file's name names, if any: its stem, as an id or an
/// alias, in any case.
pub(crate) fn node_of(rel: &str, framework: &Framework) -> Option<NodeId> {
    framework.find(stem(rel))
}

/// A file name without its folder and its extension.
fn stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// The node each found commentary file comments on (`None`: none, so it is shown
/// nowhere), with diagnostics for the files that name no node, or a node another file
/// already comments on.
pub(crate) fn assign(
    found: &[Found],
    framework: &Framework,
) -> (Vec<Option<NodeId>>, Vec<Diagnostic>) {
    let mut nodes: Vec<Option<NodeId>> = Vec::with_capacity(found.len());
    let mut diagnostics = Vec::new();
    for f in found {
        let Some(node) = node_of(&f.rel, framework) else {
            let name = stem(&f.rel);
            let help = match framework.suggest(name) {
                Some(best) => format!(
                    "did you mean `{best}`? Name the file after the outcome it comments on, e.g. `commentary/{best}.md`; `senco outcomes` lists every id"
                ),
                None => "name the file after the outcome or part it comments on, e.g. `commentary/A.md`; `senco outcomes` lists every id".to_string(),
            };
            diagnostics.push(
                Diagnostic::new(
                    Code::CommentaryFile,
                    format!("`{name}` is not an outcome id: this commentary is shown nowhere"),
                )
                .in_file(f.rel.clone())
                .with_help(help),
            );
            nodes.push(None);
            continue;
        };
        if let Some(first) = nodes.iter().position(|n| *n == Some(node)) {
            diagnostics.push(
                Diagnostic::new(
                    Code::CommentaryFile,
                    format!(
                        "a second commentary on {}: `{}` already comments on it, so this one is shown nowhere",
                        framework.node(node).id,
                        found[first].rel
                    ),
                )
                .in_file(f.rel.clone())
                .with_help("merge the two files into one"),
            );
            nodes.push(None);
            continue;
        }
        nodes.push(Some(node));
    }
    (nodes, diagnostics)
}

/// Diagnostics of the evidence parser that are about a file's claims, not its text:
/// commentary claims nothing, so they do not apply to it.
pub(crate) fn applies(code: Code) -> bool {
    !matches!(
        code,
        Code::TagByAlias
            | Code::DuplicateTag
            | Code::OutcomeNotIndicator
            | Code::ReflectionStage
            | Code::UnknownType
            | Code::BadDraft
    )
}

/// With `[rules] commentary = true`: a `missing-commentary` warning for each node that
/// has evidence and needs commentary it lacks. A top-level part needs it; a part with no
/// commentary of its own but some on nodes inside it needs it instead on each child
/// with evidence, and so on down.
pub fn missing(
    framework: &Framework,
    coverage: &crate::check::coverage::Coverage,
    commentary: &[Commentary],
) -> Vec<Diagnostic> {
    let n = framework.nodes.len();
    let mut has = vec![false; n];
    for c in commentary {
        has[c.node] = true;
    }
    // Bottom up (children come after their parents): evidence and commentary in a subtree.
    let mut evidence_below = vec![false; n];
    let mut commentary_below = vec![false; n];
    for id in (0..n).rev() {
        evidence_below[id] |= !coverage.node(id).evidence.is_empty();
        commentary_below[id] |= has[id];
        if let Some(parent) = framework.node(id).parent {
            evidence_below[parent] |= evidence_below[id];
            commentary_below[parent] |= commentary_below[id];
        }
    }
    let mut out = Vec::new();
    let mut stack: Vec<NodeId> = framework.roots().collect();
    stack.reverse();
    while let Some(id) = stack.pop() {
        if has[id] || !evidence_below[id] {
            continue;
        }
        let node = framework.node(id);
        if commentary_below[id] && !node.is_leaf() {
            stack.extend(node.children.iter().rev());
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::MissingCommentary,
                format!(
                    "{} {} has evidence but no commentary",
                    crate::util::text::capitalised(node.kind.as_str()),
                    node.id
                ),
            )
            .with_help(format!(
                "write your critical commentary on {} in `{}/{}.md` (`[rules] commentary = true` in portfolio.toml asks for one)",
                node.id,
                crate::check::discover::COMMENTARY_DIR,
                node.id
            )),
        );
    }
    out
}
