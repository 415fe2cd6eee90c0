//! Moodle competency framework CSV: the fourteen columns of Moodle's
//! `tool_lpimportcsv` importer and exporter, in and out.
//!
//! One row (with `Is framework` set) is the framework: its `ID number`, `Short name`,
//! `Description` and `Taxonomy` (one term per level). Every other row is a competency,
//! placed under the row whose `ID number` its `Parent ID number` names (empty: top
//! level), children in file order, as Moodle's importer does. Kinds come from the
//! framework's taxonomy where its terms say (`domain` = part; `competency` or `outcome`
//! = outcome; `indicator` = indicator), else from depth. `Short name` holds at most 100
//! characters, so longer wording travels whole in the HTML `Description`.

use super::{Imported, clean_id, escape_html, html_to_text, kind_for_depth, shorten};
use crate::error::Code;
use crate::error::FatalError;
use crate::error::diagnostic::{Diagnostic, SourceText};
use crate::model::framework::{FrameworkFile, NodeFile, NodeKind, Rollup, Section};
use std::collections::{HashMap, HashSet};

/// The header row, as Moodle's English language pack names the columns.
pub const HEADERS: [&str; 14] = [
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
];

/// Moodle's default competency scale, so an import finds the site's own scale rather
/// than making a new one; "Competent" (item 2) is the default and proficient.
const SCALE_VALUES: &str = "Not yet competent,Competent";
const SCALE_CONFIGURATION: &str = r#"[{"scaleid":"2"},{"id":2,"scaledefault":1,"proficient":1}]"#;

/// Moodle limits `ID number` and `Short name` to this many characters.
const MAX_NAME: usize = 100;

fn taxonomy_term(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Part => "domain",
        NodeKind::Outcome => "competency",
        NodeKind::Indicator => "indicator",
    }
}

/// The framework as a Moodle CSV (CRLF line ends, as Moodle's exporter writes).
pub fn export(section: &Section) -> Result<String, FatalError> {
    let file = section.to_file();
    let mut kinds_by_level: Vec<Option<NodeKind>> = Vec::new();
    collect_kinds(&file.nodes, 0, &mut kinds_by_level);
    let taxonomy: Vec<&str> = kinds_by_level
        .iter()
        .map(|k| taxonomy_term(k.unwrap_or(NodeKind::Outcome)))
        .collect();
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let fail = |e: csv::Error| FatalError::invalid(format!("cannot write the Moodle CSV: {e}"));
    writer.write_record(HEADERS).map_err(fail)?;
    let (short_name, _) = shorten(&file.title, MAX_NAME);
    writer
        .write_record([
            "",
            &file.id,
            &short_name,
            &paragraphs(&[Some(&file.description)]),
            "1",
            SCALE_VALUES,
            SCALE_CONFIGURATION,
            "",
            "",
            "",
            "",
            "",
            "1",
            &taxonomy.join(","),
        ])
        .map_err(fail)?;
    let mut exported = 0usize;
    let mut stack: Vec<(&NodeFile, &str)> = file.nodes.iter().rev().map(|n| (n, "")).collect();
    while let Some((node, parent)) = stack.pop() {
        exported += 1;
        let (short_name, cut) = shorten(&node.title, MAX_NAME);
        let full = cut.then_some(node.title.as_str());
        writer
            .write_record([
                parent,
                &node.id,
                &short_name,
                &paragraphs(&[full, node.description.as_deref()]),
                "1",
                "",
                "",
                "",
                "0",
                "null",
                "",
                &exported.to_string(),
                "",
                "",
            ])
            .map_err(fail)?;
        for child in node.children.iter().rev() {
            stack.push((child, &node.id));
        }
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| fail(e.into_error().into()))?;
    String::from_utf8(bytes)
        .map_err(|e| FatalError::invalid(format!("cannot write the Moodle CSV: {e}")))
}

fn collect_kinds(nodes: &[NodeFile], depth: usize, out: &mut Vec<Option<NodeKind>>) {
    for node in nodes {
        if out.len() <= depth {
            out.resize(depth + 1, None);
        }
        out[depth].get_or_insert(node.kind);
        collect_kinds(&node.children, depth + 1, out);
    }
}

/// What the Moodle CSV leaves out beyond aliases and rollup: framing text, and kinds
/// that differ from their level's taxonomy term.
pub fn left_out_extra(section: &Section) -> Vec<String> {
    let mut notes = Vec::new();
    let file = section.to_file();
    let mut framed = Vec::new();
    fn walk(nodes: &[NodeFile], out: &mut Vec<String>) {
        for n in nodes {
            if n.text.is_some() {
                out.push(n.id.clone());
            }
            walk(&n.children, out);
        }
    }
    walk(&file.nodes, &mut framed);
    if file.text.is_some() || !framed.is_empty() {
        notes.push(format!(
            "Moodle has no place for framing text: that of {} is left out",
            if framed.is_empty() {
                "the framework".to_string()
            } else {
                framed
                    .iter()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
    }
    let mixed = mixed_kinds(section);
    if !mixed.is_empty() {
        notes.push(format!(
            "Moodle's taxonomy is one term per level: {} will import with the kind of their level",
            mixed
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    notes
}

/// Kinds that differ from the level's taxonomy term, which Moodle cannot hold.
fn mixed_kinds(section: &Section) -> Vec<String> {
    let file = section.to_file();
    let mut levels = Vec::new();
    collect_kinds(&file.nodes, 0, &mut levels);
    let mut out = Vec::new();
    fn walk(nodes: &[NodeFile], depth: usize, levels: &[Option<NodeKind>], out: &mut Vec<String>) {
        for n in nodes {
            if levels.get(depth).copied().flatten() != Some(n.kind) {
                out.push(n.id.clone());
            }
            walk(&n.children, depth + 1, levels, out);
        }
    }
    walk(&file.nodes, 0, &levels, &mut out);
    out
}

/// `<p>`-wrapped, escaped paragraphs of the texts present.
fn paragraphs(texts: &[Option<&str>]) -> String {
    texts
        .iter()
        .flatten()
        .filter(|t| !t.trim().is_empty())
        .map(|t| format!("<p>{}</p>", escape_html(t)))
        .collect()
}

/// PHP's truthiness for a CSV cell: empty and `0` are false.
fn truthy(cell: &str) -> bool {
    let cell = cell.trim();
    !cell.is_empty() && cell != "0"
}

/// Header names compared loosely: case, spaces, hyphens and "(optional)" ignored, so
/// Moodle's own older headers ("Parent id number", "Shortname") match too.
fn loose(name: &str) -> String {
    name.to_lowercase()
        .replace("(optional)", "")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

struct Row {
    /// Byte offset of each field's start in the text.
    starts: Vec<usize>,
    fields: Vec<String>,
}

impl Row {
    fn get(&self, column: usize) -> &str {
        self.fields.get(column).map_or("", |f| f.as_str())
    }

    fn at(&self, column: usize) -> usize {
        self.starts
            .get(column)
            .or(self.starts.last())
            .copied()
            .unwrap_or(0)
    }
}

/// Reads a Moodle competency framework CSV.
pub fn import(name: &str, text: &str) -> Result<Imported, FatalError> {
    let source = SourceText::new(text);
    let mut diagnostics = Vec::new();
    let locate = |d: Diagnostic, at: usize| d.in_file(name).at(&source, at..at + 1);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            FatalError::invalid(format!("{name}:{line}: not a readable CSV: {e}"))
        })?;
        let start = record.position().map_or(0, |p| p.byte() as usize);
        rows.push(Row {
            starts: field_starts(text, start, record.len()),
            fields: record.iter().map(str::to_string).collect(),
        });
    }
    let mut rows = rows.into_iter();
    let header = rows
        .next()
        .ok_or_else(|| FatalError::invalid(format!("{name}: the file is empty")))?;
    let expected: Vec<String> = HEADERS.iter().map(|h| loose(h)).collect();
    let found: Vec<String> = header.fields.iter().map(|h| loose(h)).collect();
    if found.len() < 3 || found[..3] != expected[..3] {
        return Err(FatalError::invalid(format!(
            "{name}:1:1: not a Moodle competency framework CSV: the first columns should be `Parent ID number`, `ID number`, `Short name`"
        ))
        .with_help("export the framework from Moodle (Site administration > Competencies > Export competency framework)"));
    }
    if found.len() != 14 || found != expected {
        diagnostics.push(locate(
            Diagnostic::new(Code::ImportColumns,
                format!(
                    "the header has {} columns, not Moodle's fourteen in its order; columns are read by position, as Moodle reads them",
                    header.fields.len()
                ),
            ),
            header.at(0),
        ));
    }

    let mut framework: Option<Row> = None;
    let mut competencies: Vec<Row> = Vec::new();
    for row in rows {
        if row.fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if truthy(row.get(12)) {
            if framework.is_some() {
                diagnostics.push(locate(
                    Diagnostic::new(
                        Code::ImportSkipped,
                        "a second framework row: skipped (a file holds one framework)",
                    ),
                    row.at(12),
                ));
            } else {
                framework = Some(row);
            }
        } else {
            competencies.push(row);
        }
    }
    let framework = framework.ok_or_else(|| {
        FatalError::invalid(format!(
            "{name}: no framework row (a row with `Is framework` set to 1)"
        ))
        .with_help("Moodle rejects such a file too (\"File format is invalid\")")
    })?;
    let taxonomy: Vec<String> = framework
        .get(13)
        .split(',')
        .map(|t| t.trim().to_lowercase())
        .collect();

    // Competencies by ID number, first one kept; children in file order.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut kept: Vec<(Row, NodeFile)> = Vec::new();
    let mut seen_upper: HashSet<String> = HashSet::new();
    for row in competencies {
        let raw_id = row.get(1).trim().to_string();
        let short_name = row.get(2).trim().to_string();
        if raw_id.is_empty() || short_name.is_empty() {
            let (column, what) = if raw_id.is_empty() {
                (1, "ID number")
            } else {
                (2, "Short name")
            };
            diagnostics.push(locate(
                Diagnostic::new(Code::ImportSkipped,
                    format!("a competency with no {what}: skipped (Moodle skips it too), with anything under it"),
                ),
                row.at(column),
            ));
            continue;
        }
        let Some(id) = clean_id(&raw_id) else {
            diagnostics.push(locate(
                Diagnostic::new(
                    Code::ImportSkipped,
                    format!("ID number `{raw_id}` has no letters or digits: skipped"),
                ),
                row.at(1),
            ));
            continue;
        };
        if id != raw_id {
            diagnostics.push(locate(
                Diagnostic::new(Code::ImportRenamed,
                    format!("ID number `{raw_id}` becomes the id `{id}` (ids may hold only letters, digits, `.`, `-` and `_`)"),
                ),
                row.at(1),
            ));
        }
        if !seen_upper.insert(id.to_uppercase()) {
            diagnostics.push(locate(
                Diagnostic::new(Code::ImportSkipped,
                    format!("a second competency with the ID number `{raw_id}`: skipped (the first is kept)"),
                ),
                row.at(1),
            ));
            continue;
        }
        if !row.get(10).trim().is_empty() {
            diagnostics.push(locate(
                Diagnostic::new(
                    Code::ImportNotKept,
                    format!("`{id}`: cross-referenced competencies are not kept (a senco framework is a tree)"),
                ),
                row.at(10),
            ));
        }
        let description = match row.get(4).trim() {
            // FORMAT_PLAIN and FORMAT_MARKDOWN are text already.
            "2" | "4" => row.get(3).trim().to_string(),
            _ => html_to_text(row.get(3)),
        };
        let (title, description) = wording(&short_name, &description);
        index.insert(raw_id.clone(), kept.len());
        kept.push((
            row,
            NodeFile {
                id,
                kind: NodeKind::Outcome,
                title,
                text: None,
                description,
                aliases: Vec::new(),
                rollup: Rollup::All,
                children: Vec::new(),
            },
        ));
    }
    let mut children: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
    for (i, (row, node)) in kept.iter().enumerate() {
        let parent = row.get(0).trim();
        if parent.is_empty() {
            children.entry(None).or_default().push(i);
        } else if let Some(&p) = index.get(parent) {
            children.entry(Some(p)).or_default().push(i);
        } else {
            diagnostics.push(locate(
                Diagnostic::new(Code::ImportSkipped,
                    format!("`{}`: its Parent ID number `{parent}` names no competency in the file: skipped, with anything under it (Moodle would drop it without a word)", node.id),
                ),
                row.at(0),
            ));
        }
    }
    let mut placed = vec![false; kept.len()];
    let levels = depth_of(None, &children, &mut vec![false; kept.len()]);
    let mut nodes_by_slot: Vec<Option<NodeFile>> =
        kept.iter().map(|(_, n)| Some(n.clone())).collect();
    let nodes = build(
        None,
        0,
        levels,
        &children,
        &mut nodes_by_slot,
        &mut placed,
        &taxonomy,
    );
    for (i, (row, node)) in kept.iter().enumerate() {
        let parent = row.get(0).trim();
        if !placed[i] && (parent.is_empty() || index.contains_key(parent)) {
            diagnostics.push(locate(
                Diagnostic::new(Code::ImportSkipped,
                    format!("`{}` is not under the framework (its parent was skipped, or the Parent ID numbers form a loop): skipped", node.id),
                ),
                row.at(0),
            ));
        }
    }
    let unknown: Vec<&String> = taxonomy
        .iter()
        .filter(|t| !t.is_empty() && term_kind(t).is_none())
        .collect();
    if !unknown.is_empty() {
        diagnostics.push(locate(
            Diagnostic::new(
                Code::ImportKind,
                format!(
                    "taxonomy {} has no senco kind: those levels take their kind from depth",
                    unknown
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            framework.at(13),
        ));
    }
    let framework_id = clean_id(framework.get(1)).unwrap_or_else(|| "imported".into());
    let description = html_to_text(framework.get(3));
    Ok(Imported {
        file: FrameworkFile {
            id: framework_id,
            title: framework.get(2).trim().to_string(),
            version: "1".into(),
            source: "Moodle competency framework".into(),
            source_url: None,
            description,
            text: None,
            date: None,
            nodes,
        },
        diagnostics,
    })
}

/// Title and description from a Short name and plain Description: a Short name cut at
/// Moodle's 100 characters stands for wording that the Description holds whole.
fn wording(short_name: &str, description: &str) -> (String, Option<String>) {
    let stem = short_name
        .trim_end_matches("...")
        .trim_end_matches('…')
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let cut = short_name.chars().count() >= MAX_NAME - 10
        || short_name.ends_with("...")
        || short_name.ends_with('…');
    if cut && !stem.is_empty() {
        let (first, rest) = description
            .split_once("\n\n")
            .map_or((description, None), |(a, b)| (a, Some(b)));
        if first.starts_with(&stem) {
            return (first.to_string(), rest.map(str::to_string));
        }
    }
    let description =
        (!description.is_empty() && description != short_name).then(|| description.to_string());
    (short_name.to_string(), description)
}

fn term_kind(term: &str) -> Option<NodeKind> {
    match term {
        "domain" => Some(NodeKind::Part),
        "competency" | "outcome" => Some(NodeKind::Outcome),
        "indicator" => Some(NodeKind::Indicator),
        _ => None,
    }
}

fn depth_of(
    parent: Option<usize>,
    children: &HashMap<Option<usize>, Vec<usize>>,
    seen: &mut Vec<bool>,
) -> usize {
    let mut deepest = 0;
    for &c in children.get(&parent).map_or(&[][..], Vec::as_slice) {
        if std::mem::replace(&mut seen[c], true) {
            continue;
        }
        deepest = deepest.max(1 + depth_of(Some(c), children, seen));
    }
    deepest
}

fn build(
    parent: Option<usize>,
    depth: usize,
    levels: usize,
    children: &HashMap<Option<usize>, Vec<usize>>,
    slots: &mut [Option<NodeFile>],
    placed: &mut [bool],
    taxonomy: &[String],
) -> Vec<NodeFile> {
    let mut out = Vec::new();
    for &c in children.get(&parent).map_or(&[][..], Vec::as_slice) {
        if std::mem::replace(&mut placed[c], true) {
            continue;
        }
        let below = build(
            Some(c),
            depth + 1,
            levels,
            children,
            slots,
            placed,
            taxonomy,
        );
        if let Some(mut node) = slots[c].take() {
            node.kind = taxonomy
                .get(depth)
                .and_then(|t| term_kind(t))
                .unwrap_or_else(|| kind_for_depth(depth, levels));
            node.children = below;
            out.push(node);
        }
    }
    out
}

/// Byte offsets of the first `count` fields of the record starting at `start`: a small
/// CSV scan (quotes, doubled quotes) over the raw text, so diagnostics name a column.
fn field_starts(text: &str, start: usize, count: usize) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![start];
    let mut i = start;
    let mut quoted = false;
    while i < bytes.len() && starts.len() < count {
        match bytes[i] {
            b'"' if quoted && bytes.get(i + 1) == Some(&b'"') => i += 1,
            b'"' => quoted = !quoted,
            b',' if !quoted => starts.push(i + 1),
            b'\n' if !quoted => break,
            _ => {}
        }
        i += 1;
    }
    starts
}
