//! Stage 3: which outcomes the evidence covers.
//!
//! A node's evidence is the set of distinct non-draft files that tag it directly (front
//! matter or inline). A leaf is covered when it has at least `min_evidence` files; a node
//! with children is covered when all its children are. A tag on a node that has children
//! is listed as that node's evidence but covers none of its children.

use crate::check::evidence::Evidence;
use crate::error::Code;
use crate::error::diagnostic::Diagnostic;
use crate::model::framework::{Framework, NodeId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeCoverage {
    pub covered: bool,
    /// Indices into the evidence list, sorted by path, distinct.
    pub evidence: Vec<usize>,
    /// Leaves under this node (the node itself for a leaf), and how many are covered.
    pub leaves_total: usize,
    pub leaves_covered: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// One entry per framework node, in framework order.
    pub nodes: Vec<NodeCoverage>,
    pub min_evidence: usize,
}

impl Coverage {
    pub fn node(&self, id: NodeId) -> &NodeCoverage {
        &self.nodes[id]
    }

    pub fn leaves_total(&self, framework: &Framework) -> usize {
        framework.roots().map(|r| self.nodes[r].leaves_total).sum()
    }

    pub fn leaves_covered(&self, framework: &Framework) -> usize {
        framework
            .roots()
            .map(|r| self.nodes[r].leaves_covered)
            .sum()
    }

    pub fn uncovered_leaves<'a>(
        &'a self,
        framework: &'a Framework,
    ) -> impl Iterator<Item = NodeId> + 'a {
        framework.leaves().filter(|&l| !self.nodes[l].covered)
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
    /// Keeps a leaf covered only if `keep(leaf)` also holds, e.g. only when assessed
    /// (`[rules] require_assessed`), and settles the counts of the nodes above again.
    pub fn restrict(&mut self, framework: &Framework, keep: impl Fn(NodeId) -> bool) {
        settle(framework, &mut self.nodes, |id, n| n.covered && keep(id));
    }
}

/// Sets each leaf's `covered` by `leaf_covered` and every other node's from its children.
fn settle(
    framework: &Framework,
    nodes: &mut [NodeCoverage],
    leaf_covered: impl Fn(NodeId, &NodeCoverage) -> bool,
) {
    // Children come after their parents in framework order, so one backward pass settles
    // every node after all of its children.
    for id in (0..framework.nodes.len()).rev() {
        let node = framework.node(id);
        if node.is_leaf() {
            let covered = leaf_covered(id, &nodes[id]);
            nodes[id].covered = covered;
            nodes[id].leaves_total = 1;
            nodes[id].leaves_covered = usize::from(covered);
        } else {
            let (total, covered, all) =
                node.children
                    .iter()
                    .fold((0, 0, true), |(t, c, all), &child| {
                        let n = &nodes[child];
                        (t + n.leaves_total, c + n.leaves_covered, all && n.covered)
                    });
            nodes[id].leaves_total = total;
            nodes[id].leaves_covered = covered;
            nodes[id].covered = all;
        }
    }
}

/// The hint for tags on an outcome that has indicators is given once per outcome, at its
/// first use: `diagnostics` must already be in reporting order.
pub fn keep_first_parent_tag_hints(diagnostics: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::BTreeSet::new();
    diagnostics.retain(|d| d.code != Code::OutcomeNotIndicator || seen.insert(d.message.clone()));
}
