//! Stage 1: outcome frameworks.
//!
//! A framework is a tree of parts, outcomes and indicators kept as JSON under `outcomes/`.
//! The built-in ones are embedded in the binary; a portfolio may name its own file by path.
//! The tree is flattened in framework (pre-)order so later stages can keep per-node data in
//! plain vectors indexed by [`NodeId`].

use crate::error::FatalError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// Frameworks shipped inside the binary: `(id, JSON text)`.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "nasenco-2014",
        include_str!("../../outcomes/nasenco-2014.json"),
    ),
    (
        "npq-senco-2023",
        include_str!("../../outcomes/npq-senco-2023.json"),
    ),
    (
        "teachers-standards-2011",
        include_str!("../../outcomes/teachers-standards-2011.json"),
    ),
];

/// Short names accepted for the built-in frameworks.
const BUILTIN_SHORT_NAMES: &[(&str, &str)] = &[
    ("nasenco", "nasenco-2014"),
    ("npq-senco", "npq-senco-2023"),
    ("teachers-standards", "teachers-standards-2011"),
];

/// What a node of a framework is, from the top down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// A part or area (NASENCO's Parts A, B, C), grouping outcomes.
    Part,
    /// A learning outcome.
    Outcome,
    /// One thing a trainee shows evidence of, under an outcome.
    Indicator,
}

impl NodeKind {
    /// The name in framework files and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Part => "part",
            NodeKind::Outcome => "outcome",
            NodeKind::Indicator => "indicator",
        }
    }
}

/// How a node with children counts as covered (or assessed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rollup {
    /// Covered when every child is: each child is a requirement of its own.
    #[default]
    All,
    /// Covered when the node's own evidence meets the rule or any child is covered: the
    /// children illustrate the node (the Teachers' Standards' bullets) rather than split it.
    Any,
}

impl Rollup {
    /// The name in framework files and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Rollup::All => "all",
            Rollup::Any => "any",
        }
    }

    fn is_default(&self) -> bool {
        *self == Rollup::All
    }
}

/// Index of a node in [`Framework::nodes`].
pub(crate) type NodeId = usize;

/// The JSON shape of a framework file, documented in the guide's frameworks page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkFile {
    /// Stable id, the one portfolio.toml names (`nasenco-2014`).
    pub id: String,
    /// The framework's name as its publisher gives it.
    pub title: String,
    /// The publisher's version, e.g. the year of the edition.
    pub version: String,
    /// Who publishes it, for a reader who wants the original.
    pub source: String,
    /// Where the original is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// A sentence on what it is for, shown by `senco outcomes`.
    pub description: String,
    /// Framing text for the whole framework, e.g. the Teachers' Standards' preamble.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The date of this version (`YYYY-MM-DD`), used where a format needs one (CASE's
    /// `lastChangeDateTime`); when absent, the last year named in `version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The top-level nodes, each with its children.
    pub nodes: Vec<NodeFile>,
}

/// One node of a [`FrameworkFile`], its children nested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFile {
    /// What evidence tags it with (`A1.2`); unique in the framework.
    pub id: String,
    /// Part, outcome or indicator.
    pub kind: NodeKind,
    /// The official wording.
    pub title: String,
    /// A framing sentence, e.g. "The Award should enable SENCOs to:".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A longer explanation beside the official wording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other ids evidence may tag it with, matched as its id is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// How it counts as covered from its children; `all` unless said.
    #[serde(default, skip_serializing_if = "Rollup::is_default")]
    pub rollup: Rollup,
    /// The nodes under it, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<NodeFile>,
}

/// One node of a loaded [`Framework`]: its children and parent are indices, so the
/// whole tree is one flat list in framework order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// What evidence tags it with (`A1.2`).
    pub id: String,
    /// Part, outcome or indicator.
    pub kind: NodeKind,
    /// The official wording: a part's heading, an outcome's stem, an indicator's text.
    pub title: String,
    /// A framing sentence, e.g. "The Award should enable SENCOs to:".
    pub text: Option<String>,
    /// A longer explanation beside the official wording.
    pub description: Option<String>,
    /// Other ids evidence may use for it.
    pub aliases: Vec<String>,
    /// How it counts as covered from its children.
    pub rollup: Rollup,
    /// Which of [`Framework::sections`] the node belongs to.
    pub section: usize,
    /// The node above it; `None` for a top-level node.
    pub parent: Option<NodeId>,
    /// The nodes under it, in order.
    pub children: Vec<NodeId>,
    /// 0 for a top-level node, for indenting.
    pub depth: usize,
}

impl Node {
    pub(crate) fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }

    /// A node with children that is covered only when every child is, so a tag on the
    /// node itself covers nothing.
    pub(crate) fn needs_every_child(&self) -> bool {
        !self.is_leaf() && self.rollup == Rollup::All
    }
}

/// One framework of the (possibly several) a portfolio is measured against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Stable id, the one portfolio.toml names (`nasenco-2014`).
    pub id: String,
    /// The framework's name as its publisher gives it.
    pub title: String,
    /// The publisher's version, e.g. the year of the edition.
    pub version: String,
    /// Who publishes it, for a reader who wants the original.
    pub source: String,
    /// Where the original is published.
    pub source_url: Option<String>,
    /// A sentence on what it is for, shown by `senco outcomes`.
    pub description: String,
    /// Framing text for the whole framework.
    pub text: Option<String>,
    /// The version's date, as [`Framework::date`].
    pub date: Option<jiff::civil::Date>,
    /// Its nodes: a contiguous run of [`Framework::nodes`].
    pub nodes: std::ops::Range<NodeId>,
    file: FrameworkFile,
}

impl Section {
    /// The file form, as loaded (for `senco outcomes --format json` and the exports).
    pub fn to_file(&self) -> &FrameworkFile {
        &self.file
    }
}

/// What a portfolio is measured against: one framework, or several side by side (a
/// qualification and the Teachers' Standards). The fields name the first, which sets
/// the statutory deadline; [`Framework::sections`] lists each with its nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framework {
    /// Stable id, the one portfolio.toml names (`nasenco-2014`).
    pub id: String,
    /// The framework's name as its publisher gives it.
    pub title: String,
    /// The publisher's version, e.g. the year of the edition.
    pub version: String,
    /// Who publishes it, for a reader who wants the original.
    pub source: String,
    /// Where the original is published.
    pub source_url: Option<String>,
    /// A sentence on what it is for, shown by `senco outcomes`.
    pub description: String,
    /// Framing text for the whole framework.
    pub text: Option<String>,
    /// The version's date: `date` from the file, or 1 January of the last year in `version`.
    pub date: Option<jiff::civil::Date>,
    /// Every node in framework order (a parent before its children).
    pub nodes: Vec<Node>,
    /// One per framework, in the order the portfolio lists them.
    pub sections: Vec<Section>,
    /// Upper-cased ids and aliases to nodes.
    lookup: HashMap<String, NodeId>,
}

/// The largest framework file read (the built-in ones are about 100 kB).
pub(crate) const MAX_FRAMEWORK_BYTES: u64 = 16 << 20;

/// Whether `spec` names a built-in framework (by id or short name).
pub(crate) fn is_builtin(spec: &str) -> bool {
    builtin_json(spec).is_some()
}

impl Framework {
    /// The framework `spec` names (an id or a path), else that of the portfolio in `dir`,
    /// else NASENCO.
    pub fn for_folder(spec: Option<&str>, dir: &Path) -> Result<Framework, FatalError> {
        match spec {
            Some(spec) => Framework::resolve(spec, dir),
            None => match crate::model::portfolio::Portfolio::load(dir) {
                Ok(p) => Framework::resolve_all(&p.frameworks, &p.root),
                Err(_) => Framework::builtin("nasenco-2014"),
            },
        }
    }

    /// Loads the framework a portfolio names: a built-in id, or a JSON file that, with
    /// symlinks followed, lies inside the portfolio folder `root` (and not in a hidden
    /// folder). A tutor's own framework file is named on the command line instead.
    pub(crate) fn resolve_in_portfolio(spec: &str, root: &Path) -> Result<Framework, FatalError> {
        if let Some(json) = builtin_json(spec) {
            return parse_builtin(json, &format!("built-in framework `{spec}`"));
        }
        let canonical_root = std::fs::canonicalize(root).map_err(|e| {
            FatalError::invalid(format!(
                "cannot open portfolio folder {}: {e}",
                root.display()
            ))
        })?;
        match crate::util::fs::resolve_inside(&canonical_root, spec) {
            Ok(real) => Framework::from_path(&real),
            Err(crate::util::fs::Refusal::Missing) => Framework::resolve(spec, root),
            Err(why) => Err(FatalError::invalid(format!(
                "framework file `{spec}` is not read: {why}"
            ))
            .with_help(
                "copy the framework JSON file into the portfolio folder and name it relative to portfolio.toml",
            )),
        }
    }

    /// Loads every framework a portfolio lists (each by [`Framework::resolve_in_portfolio`])
    /// and puts them side by side.
    pub fn resolve_all(specs: &[String], base: &Path) -> Result<Framework, FatalError> {
        let frameworks = specs
            .iter()
            .map(|spec| Framework::resolve_in_portfolio(spec, base))
            .collect::<Result<Vec<_>, _>>()?;
        Framework::combine(frameworks)
    }

    /// Several frameworks side by side, in order. No id or alias may be shared between
    /// two of them (ignoring case), so every tag names one node; a clash is an error
    /// naming both frameworks.
    pub(crate) fn combine(frameworks: Vec<Framework>) -> Result<Framework, FatalError> {
        let mut frameworks = frameworks.into_iter();
        let Some(mut combined) = frameworks.next() else {
            return Err(FatalError::usage("no framework given")
                .with_help("write e.g. `framework = \"nasenco-2014\"`"));
        };
        for next in frameworks {
            if let Some(same) = combined.sections.iter().find(|s| s.id == next.id) {
                return Err(FatalError::invalid(format!(
                    "framework `{}` is listed twice",
                    same.id
                ))
                .with_help("list each framework once"));
            }
            let mut names: Vec<(&String, &NodeId)> = next.lookup.iter().collect();
            names.sort();
            for (name, &theirs) in names {
                if let Some(&ours) = combined.lookup.get(name) {
                    let (a, b) = (combined.node(ours), next.node(theirs));
                    return Err(FatalError::invalid(format!(
                        "frameworks `{}` and `{}` both use the name `{}` (for `{}` and `{}`)",
                        combined.sections[a.section].id,
                        next.id,
                        display_name(a, name),
                        a.id,
                        b.id
                    ))
                    .with_help(
                        "ids and aliases must differ between a portfolio's frameworks, so every tag names one outcome: rename or drop the id or alias in one framework file",
                    ));
                }
            }
            let offset = combined.nodes.len();
            let section_offset = combined.sections.len();
            for (name, id) in next.lookup {
                combined.lookup.insert(name, id + offset);
            }
            for mut node in next.nodes {
                node.parent = node.parent.map(|p| p + offset);
                node.children.iter_mut().for_each(|c| *c += offset);
                node.section += section_offset;
                combined.nodes.push(node);
            }
            for mut section in next.sections {
                section.nodes = section.nodes.start + offset..section.nodes.end + offset;
                combined.sections.push(section);
            }
        }
        Ok(combined)
    }

    /// The framework ids joined with ` + `, e.g. `nasenco-2014 + teachers-standards-2011`.
    pub fn ids(&self) -> String {
        self.sections
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>()
            .join(" + ")
    }

    /// Top-level nodes of one section, in order.
    pub(crate) fn section_roots(&self, section: usize) -> impl Iterator<Item = NodeId> + '_ {
        self.roots()
            .filter(move |&r| self.nodes[r].section == section)
    }

    /// Loads a framework named by a portfolio: a built-in id (or short name), or a path to
    /// a JSON file, relative to `base`.
    pub fn resolve(spec: &str, base: &Path) -> Result<Framework, FatalError> {
        if let Some(json) = builtin_json(spec) {
            return parse_builtin(json, &format!("built-in framework `{spec}`"));
        }
        let path = base.join(spec);
        if spec.ends_with(".json") || path.is_file() {
            return Framework::from_path(&path);
        }
        let mut err = FatalError::usage(format!("unknown framework `{spec}`"));
        let ids: Vec<&str> = BUILTIN.iter().map(|(id, _)| *id).collect();
        err = match crate::util::suggest::closest(spec, ids.iter().copied()) {
            Some(best) => err.with_help(format!(
                "did you mean `{best}`? Built-in frameworks: {}; or give the path of a framework JSON file",
                ids.join(", ")
            )),
            None => err.with_help(format!(
                "built-in frameworks: {}; or give the path of a framework JSON file",
                ids.join(", ")
            )),
        };
        Err(err)
    }

    /// One of the frameworks compiled into senco (`outcomes/`), by full id.
    pub fn builtin(id: &str) -> Result<Framework, FatalError> {
        let json = builtin_json(id)
            .ok_or_else(|| FatalError::usage(format!("unknown built-in framework `{id}`")))?;
        parse_builtin(json, &format!("built-in framework `{id}`"))
    }

    /// A framework file (JSON in the shape of [`FrameworkFile`]), read capped and validated.
    pub fn from_path(path: &Path) -> Result<Framework, FatalError> {
        let json = crate::util::fs::read_text_capped(path, MAX_FRAMEWORK_BYTES, "framework files")
            .map_err(|e| {
                FatalError::io(
                    format!("cannot read framework file {}: {e}", path.display()),
                    e,
                )
            })?;
        Framework::from_json(&json, &path.display().to_string())
    }

    /// Parses and validates framework JSON; `origin` names it in error messages.
    pub fn from_json(json: &str, origin: &str) -> Result<Framework, FatalError> {
        let file: FrameworkFile = serde_json::from_str(json).map_err(|e| {
            FatalError::invalid(format!(
                "{origin}:{}:{}: invalid framework JSON: {e}",
                e.line(),
                e.column()
            ))
            .with_help("see the guide's page on frameworks for the file format")
        })?;
        Framework::from_file(file, origin)
    }

    /// Validates a framework file, as loaded or as an importer made it.
    pub(crate) fn from_file(file: FrameworkFile, origin: &str) -> Result<Framework, FatalError> {
        let invalid = |msg: String| FatalError::invalid(format!("{origin}: {msg}"));
        for (field, value) in [
            ("id", &file.id),
            ("title", &file.title),
            ("version", &file.version),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(format!("the framework's `{field}` is empty")));
            }
        }
        if file.nodes.is_empty() {
            return Err(invalid("the framework has no nodes".into()));
        }
        let date = match &file.date {
            Some(text) => Some(text.trim().parse::<jiff::civil::Date>().map_err(|_| {
                invalid(format!(
                    "the framework's `date` must look like 2021-12-01, not `{text}`"
                ))
            })?),
            None => version_year(&file.version),
        };
        let mut framework = Framework {
            id: file.id.clone(),
            title: file.title.clone(),
            version: file.version.clone(),
            source: file.source.clone(),
            source_url: file.source_url.clone(),
            description: file.description.clone(),
            text: file.text.clone(),
            date,
            nodes: Vec::new(),
            sections: Vec::new(),
            lookup: HashMap::new(),
        };
        for node in &file.nodes {
            framework.add_node(node, None, 0).map_err(invalid)?;
        }
        framework.sections.push(Section {
            id: file.id.clone(),
            title: file.title.clone(),
            version: file.version.clone(),
            source: file.source.clone(),
            source_url: file.source_url.clone(),
            description: file.description.clone(),
            text: file.text.clone(),
            date,
            nodes: 0..framework.nodes.len(),
            file,
        });
        Ok(framework)
    }

    fn add_node(
        &mut self,
        node: &NodeFile,
        parent: Option<NodeId>,
        depth: usize,
    ) -> Result<(), String> {
        let id = node.id.trim();
        if id.is_empty() {
            return Err(format!("a {} has an empty id", node.kind.as_str()));
        }
        if !id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(format!(
                "id `{id}` may only contain letters, digits, `.`, `-` and `_`"
            ));
        }
        if node.title.trim().is_empty() {
            return Err(format!("`{id}` has empty text (its `title`)"));
        }
        if node.rollup != Rollup::All && node.children.is_empty() {
            return Err(format!(
                "`{id}` has `rollup = \"{}\"` but no children to roll up",
                node.rollup.as_str()
            ));
        }
        let index = self.nodes.len();
        for name in std::iter::once(id).chain(node.aliases.iter().map(|a| a.trim())) {
            if name.is_empty() {
                return Err(format!("`{id}` has an empty alias"));
            }
            if let Some(&other) = self.lookup.get(&name.to_uppercase()) {
                return Err(format!(
                    "duplicate id `{name}`: used by `{}` and `{id}`",
                    self.nodes[other].id
                ));
            }
            self.lookup.insert(name.to_uppercase(), index);
        }
        self.nodes.push(Node {
            id: id.to_string(),
            kind: node.kind,
            title: node.title.trim().to_string(),
            text: node.text.clone(),
            description: node.description.clone(),
            aliases: node.aliases.clone(),
            rollup: node.rollup,
            section: 0,
            parent,
            children: Vec::new(),
            depth,
        });
        if let Some(p) = parent {
            self.nodes[p].children.push(index);
        }
        for child in &node.children {
            self.add_node(child, Some(index), depth + 1)?;
        }
        Ok(())
    }

    /// Finds a node by id or alias, ignoring case and surrounding spaces.
    pub fn find(&self, id: &str) -> Option<NodeId> {
        self.lookup.get(&id.trim().to_uppercase()).copied()
    }

    /// The node `id` (an index into [`Framework::nodes`]).
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// The nodes without children, in framework order: what evidence ultimately covers.
    pub fn leaves(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).filter(|&i| self.nodes[i].is_leaf())
    }

    /// Top-level nodes, in order.
    pub fn roots(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).filter(|&i| self.nodes[i].parent.is_none())
    }

    /// Leaves under (or equal to) a node.
    pub(crate) fn leaves_under(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            let node = &self.nodes[n];
            if node.is_leaf() {
                out.push(n);
            } else {
                stack.extend(node.children.iter().rev());
            }
        }
        out
    }

    /// The file form of the first framework, as loaded (see [`Section::to_file`]).
    pub fn to_file(&self) -> &FrameworkFile {
        self.sections[0].to_file()
    }

    /// The "did you mean" for an id that is not in the framework.
    pub fn suggest(&self, unknown: &str) -> Option<String> {
        let ids = self.nodes.iter().map(|n| n.id.as_str());
        crate::util::suggest::closest_id(unknown, ids).map(str::to_string)
    }

    /// Nodes whose wording contains every word of `query` (case-insensitive), best first:
    /// leaves before their parents, then framework order.
    pub fn search(&self, query: &str) -> Vec<NodeId> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<NodeId> = (0..self.nodes.len())
            .filter(|&i| {
                let node = &self.nodes[i];
                let mut haystack = format!("{} {}", node.id, node.title);
                if let Some(text) = &node.text {
                    haystack.push(' ');
                    haystack.push_str(text);
                }
                let haystack = haystack.to_lowercase();
                words.iter().all(|w| haystack.contains(w.as_str()))
            })
            .collect();
        hits.sort_by_key(|&i| (!self.nodes[i].is_leaf(), i));
        hits
    }
}

/// A clashing name as the node writes it (the lookup holds it upper-cased).
fn display_name<'a>(node: &'a Node, upper: &str) -> &'a str {
    std::iter::once(&node.id)
        .chain(&node.aliases)
        .map(|n| n.trim())
        .find(|n| n.to_uppercase() == upper)
        .unwrap_or(&node.id)
}

/// 1 January of the last four-digit year in `version` ("July 2011, ... December 2021"
/// gives 2021-01-01), for frameworks whose file names no `date`.
fn version_year(version: &str) -> Option<jiff::civil::Date> {
    let year = version
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() == 4)
        .filter_map(|run| run.parse::<i16>().ok())
        .next_back()?;
    jiff::civil::Date::new(year, 1, 1).ok()
}

/// A built-in framework, parsed once per process and cloned after that: a cohort names
/// the same one in each of its hundreds of portfolios.
fn parse_builtin(json: &'static str, origin: &str) -> Result<Framework, FatalError> {
    type Parsed = HashMap<(usize, String), Framework>;
    static PARSED: std::sync::LazyLock<std::sync::Mutex<Parsed>> =
        std::sync::LazyLock::new(Default::default);
    let key = (json.as_ptr() as usize, origin.to_string());
    if let Some(framework) = PARSED.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(framework.clone());
    }
    let framework = Framework::from_json(json, origin)?;
    PARSED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, framework.clone());
    Ok(framework)
}

fn builtin_json(spec: &str) -> Option<&'static str> {
    let spec = spec.trim().to_lowercase();
    let id = BUILTIN_SHORT_NAMES
        .iter()
        .find(|(short, _)| *short == spec)
        .map_or(spec.as_str(), |(_, id)| id);
    BUILTIN
        .iter()
        .find(|(bid, _)| *bid == id)
        .map(|(_, json)| *json)
}

/// Does `text` look like an outcome id (so `[[A1.9]]` is a mistyped tag, not a page link)?
pub(crate) fn looks_like_id(text: &str) -> bool {
    let t = text.trim();
    let letters = t.chars().take_while(|c| c.is_ascii_alphabetic()).count();
    let rest = &t[letters..];
    letters <= 4
        && !rest.is_empty()
        && rest.starts_with(|c: char| c.is_ascii_digit())
        && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !rest.ends_with('.')
        || (letters == 1 && rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_load_and_resolve_aliases() {
        let f = Framework::builtin("nasenco-2014").expect("nasenco loads");
        let b52 = f.find("5.2").expect("alias 5.2");
        assert_eq!(f.node(b52).id, "B5.2");
        assert_eq!(f.find("b5.2"), Some(b52));
        assert_eq!(f.leaves().count(), 49);
        let npq = Framework::builtin("npq-senco").expect("npq loads");
        assert_eq!(npq.leaves().count(), 8);
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let json = r#"{"id":"x","title":"X","version":"1","source":"s","description":"d",
            "nodes":[{"id":"A","kind":"outcome","title":"a"},{"id":"a","kind":"outcome","title":"b"}]}"#;
        let err = Framework::from_json(json, "x.json").expect_err("duplicate");
        assert!(err.message.contains("duplicate id `a`"), "{}", err.message);
    }

    #[test]
    fn bad_json_reports_line() {
        let err =
            Framework::from_json("{\n  \"id\": \"x\",\n  oops\n}", "f.json").expect_err("bad");
        assert!(err.message.starts_with("f.json:3:"), "{}", err.message);
    }

    #[test]
    fn empty_text_is_rejected() {
        let json = r#"{"id":"x","title":"X","version":"1","source":"s","description":"d",
            "nodes":[{"id":"A","kind":"outcome","title":"  "}]}"#;
        let err = Framework::from_json(json, "x.json").expect_err("empty");
        assert!(err.message.contains("empty text"), "{}", err.message);
    }

    #[test]
    fn teachers_standards_load_with_any_rollup_and_a_date() {
        let f = Framework::builtin("teachers-standards").expect("loads");
        assert_eq!(f.id, "teachers-standards-2011");
        assert_eq!(f.leaves().count(), 35 + 5 + 2);
        let ts5 = f.find("ts5").expect("TS5");
        assert_eq!(f.node(ts5).rollup, Rollup::Any);
        assert!(!f.node(ts5).needs_every_child());
        let part = f.find("TS").expect("part TS");
        assert_eq!(f.node(part).rollup, Rollup::All);
        assert_eq!(f.date, Some(jiff::civil::date(2021, 12, 1)));
        assert!(
            f.text
                .as_deref()
                .is_some_and(|t| t.starts_with("Teachers make"))
        );
    }

    #[test]
    fn rollup_needs_children_and_dates_are_checked() {
        let json = r#"{"id":"x","title":"X","version":"1","source":"s","description":"d",
            "nodes":[{"id":"A","kind":"outcome","title":"a","rollup":"any"}]}"#;
        let err = Framework::from_json(json, "x.json").expect_err("leaf rollup");
        assert!(
            err.message.contains("no children to roll up"),
            "{}",
            err.message
        );
        let json = r#"{"id":"x","title":"X","version":"1","source":"s","description":"d",
            "date":"December 2021","nodes":[{"id":"A","kind":"outcome","title":"a"}]}"#;
        let err = Framework::from_json(json, "x.json").expect_err("bad date");
        assert!(
            err.message.contains("`date` must look like"),
            "{}",
            err.message
        );
        let json = r#"{"id":"x","title":"X","version":"1","source":"s","description":"d",
            "nodes":[{"id":"A","kind":"outcome","title":"a","rollup":"some"}]}"#;
        assert!(
            Framework::from_json(json, "x.json").is_err(),
            "unknown rollup"
        );
    }

    #[test]
    fn version_year_is_the_last_year_named() {
        assert_eq!(version_year("2014"), Some(jiff::civil::date(2014, 1, 1)));
        assert_eq!(
            version_year("July 2011, updated June 2013, December 2021"),
            Some(jiff::civil::date(2021, 1, 1))
        );
        assert_eq!(version_year("v3"), None);
        let nasenco = Framework::builtin("nasenco").expect("loads");
        assert_eq!(nasenco.date, Some(jiff::civil::date(2014, 1, 1)));
    }

    #[test]
    fn built_in_frameworks_never_clash() {
        for (a, _) in BUILTIN {
            for (b, _) in BUILTIN.iter().filter(|(b, _)| b != a) {
                let pair = vec![
                    Framework::builtin(a).expect("loads"),
                    Framework::builtin(b).expect("loads"),
                ];
                let combined =
                    Framework::combine(pair).unwrap_or_else(|e| panic!("{a} + {b}: {}", e.message));
                assert_eq!(combined.sections.len(), 2);
                assert_eq!(combined.id, *a, "the first names the whole");
            }
        }
    }

    #[test]
    fn combined_frameworks_keep_each_tree_apart() {
        let nasenco = Framework::builtin("nasenco").expect("loads");
        let ts = Framework::builtin("teachers-standards").expect("loads");
        let n = nasenco.nodes.len();
        let f = Framework::combine(vec![nasenco, ts]).expect("combines");
        assert_eq!(f.ids(), "nasenco-2014 + teachers-standards-2011");
        let ts1 = f.find("TS1.2").and_then(|i| f.node(i).parent).expect("TS1");
        assert_eq!(f.node(ts1).id, "TS1");
        assert!(ts1 >= n && f.node(ts1).section == 1);
        assert_eq!(f.sections[1].nodes.start, n);
        assert_eq!(f.find("5.2").map(|i| f.node(i).id.as_str()), Some("B5.2"));
        let roots: Vec<&str> = f.section_roots(1).map(|r| f.node(r).id.as_str()).collect();
        assert_eq!(roots, ["TS", "PC"]);
        assert_eq!(f.leaves().count(), 49 + 42);
    }

    #[test]
    fn search_finds_data_protection() {
        let f = Framework::builtin("nasenco-2014").expect("loads");
        let hits = f.search("data protection");
        assert_eq!(f.node(hits[0]).id, "A1.7");
    }

    #[test]
    fn id_shapes() {
        for id in ["A1.9", "a1.2", "5.2", "NPQ9", "C", "B10"] {
            assert!(looks_like_id(id), "{id}");
        }
        for text in ["my-reflection", "week 1 notes", "A1.", "reflection2"] {
            assert!(!looks_like_id(text), "{text}");
        }
    }
}
