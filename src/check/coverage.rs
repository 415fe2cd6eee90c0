//! Stage 3: which outcomes the evidence covers.
//!
//! A node's evidence is the set of distinct non-draft files that tag it directly (front
//! matter or inline). A leaf is covered when it has at least `min_evidence` files. A node
//! with children rolls up by its [`Rollup`]: with `all` (the default) it is covered when
//! all its children are, and a tag on it is listed as its evidence but covers none of its
//! children; with `any` it is covered when its own evidence meets the rule or any child
//! is covered.

use crate::check::evidence::Evidence;
use crate::error::Code;
use crate::error::diagnostic::Diagnostic;
use crate::model::framework::{Framework, NodeId, Rollup};

/// How far the evidence covers one node of the framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeCoverage {
    /// Whether the node counts as covered under its rollup rule and `min_evidence`.
    pub covered: bool,
    /// Indices into the evidence list, sorted by path, distinct.
    pub evidence: Vec<usize>,
    /// Requirements under this node, and how many are covered: its leaves, except that a
    /// node that rolls up by `any` counts as one (itself for a leaf or an `any` node).
    pub leaves_total: usize,
    /// How many of `leaves_total` are covered.
    pub leaves_covered: usize,
}

/// How far a portfolio's evidence covers its framework, node by node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// One entry per framework node, in framework order.
    pub nodes: Vec<NodeCoverage>,
    /// Evidence files an indicator needs to count as covered (`min_evidence` in portfolio.toml).
    pub min_evidence: usize,
}

impl Coverage {
    /// The coverage of node `id` of the framework it was analysed against.
    pub fn node(&self, id: NodeId) -> &NodeCoverage {
        &self.nodes[id]
    }

    /// Requirements in the whole framework, counted as [`NodeCoverage::leaves_total`] is.
    pub fn leaves_total(&self, framework: &Framework) -> usize {
        framework.roots().map(|r| self.nodes[r].leaves_total).sum()
    }

    /// How many of [`Coverage::leaves_total`] are covered.
    pub fn leaves_covered(&self, framework: &Framework) -> usize {
        framework
            .roots()
            .map(|r| self.nodes[r].leaves_covered)
            .sum()
    }

    /// What is still missing, in framework order: every uncovered leaf under an `all`
    /// node, and an uncovered `any` node itself (evidence for it or any one child closes
    /// it), never its children one by one. Empty when everything is covered.
    pub fn gaps(&self, framework: &Framework) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut stack: Vec<NodeId> = framework.roots().collect();
        stack.reverse();
        while let Some(id) = stack.pop() {
            let node = framework.node(id);
            if self.nodes[id].covered {
                continue;
            }
            if node.is_leaf() || node.rollup == Rollup::Any {
                out.push(id);
            } else {
                stack.extend(node.children.iter().rev());
            }
        }
        out
    }
}

/// Computes coverage. `evidence` must be sorted by path (as discovery returns it).
pub fn analyse(framework: &Framework, evidence: &[Evidence], min_evidence: usize) -> Coverage {
    let mut nodes: Vec<NodeCoverage> = framework
        .nodes
        .iter()
        .map(|_| NodeCoverage {
            covered: false,
            evidence: Vec::new(),
            leaves_total: 0,
            leaves_covered: 0,
        })
        .collect();
    for (index, file) in evidence.iter().enumerate() {
        if file.draft {
            continue;
        }
        for node in file.outcome_nodes() {
            nodes[node].evidence.push(index);
        }
    }
    settle(framework, &mut nodes, |_, n| {
        n.evidence.len() >= min_evidence
    });
    Coverage {
        nodes,
        min_evidence,
    }
}

impl Coverage {
    /// Lets a node's own evidence count only if `keep(node)` also holds, e.g. only when
    /// assessed (`[rules] require_assessed`), and settles the nodes above again.
    pub(crate) fn restrict(&mut self, framework: &Framework, keep: impl Fn(NodeId) -> bool) {
        let min = self.min_evidence;
        settle(framework, &mut self.nodes, |id, n| {
            n.evidence.len() >= min && keep(id)
        });
    }
}

/// Sets each leaf's `covered` by `own_covered`, and every other node's from its children
/// by its rollup (an `any` node's own evidence counting too).
fn settle(
    framework: &Framework,
    nodes: &mut [NodeCoverage],
    own_covered: impl Fn(NodeId, &NodeCoverage) -> bool,
) {
    // Children come after their parents in framework order, so one backward pass settles
    // every node after all of its children.
    for id in (0..framework.nodes.len()).rev() {
        let node = framework.node(id);
        if node.is_leaf() {
            let covered = own_covered(id, &nodes[id]);
            nodes[id].covered = covered;
            nodes[id].leaves_total = 1;
            nodes[id].leaves_covered = usize::from(covered);
        } else {
            let (total, covered, all, any) =
                node.children
                    .iter()
                    .fold((0, 0, true, false), |(t, c, all, any), &child| {
                        let n = &nodes[child];
                        (
                            t + n.leaves_total,
                            c + n.leaves_covered,
                            all && n.covered,
                            any || n.covered,
                        )
                    });
            let n = &mut nodes[id];
            match node.rollup {
                Rollup::All => {
                    n.leaves_total = total;
                    n.leaves_covered = covered;
                    n.covered = all;
                }
                Rollup::Any => {
                    // One requirement, however many children illustrate it.
                    n.covered = any || own_covered(id, n);
                    n.leaves_total = 1;
                    n.leaves_covered = usize::from(n.covered);
                }
            }
        }
    }
}

/// The hint for tags on an outcome that has indicators is given once per outcome, at its
/// first use: `diagnostics` must already be in reporting order.
pub(crate) fn keep_first_parent_tag_hints(diagnostics: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::BTreeSet::new();
    diagnostics.retain(|d| d.code != Code::OutcomeNotIndicator || seen.insert(d.message.clone()));
}
