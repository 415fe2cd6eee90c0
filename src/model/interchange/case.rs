//! 1EdTech CASE 1.0 packages (`CFPackage` JSON), in and out.
//!
//! Mapping (both ways): framework `title`, `description`, `version`, `source`
//! (`creator`), `source_url` (`officialSourceURL`), `text` (`notes`) and `date`
//! (`lastChangeDateTime`) sit on the `CFDocument`; each node is a `CFItem` with its id as
//! `humanCodingScheme`, its wording as `fullStatement`, its kind as `CFItemType`
//! (`Part`, `Outcome`, `Indicator`), its framing text as `alternativeLabel` and its
//! description as `notes`; the tree is `isChildOf` associations (child = origin, parent =
//! destination, the document at the top) ordered by `sequenceNumber`. Identifiers are
//! version 5 UUIDs made from the framework and item ids, so the same framework always
//! exports the same bytes. CASE has no place for aliases or rollup.

use super::{Imported, clean_id, kind_for_depth, slug};
use crate::error::Code;
use crate::error::FatalError;
use crate::error::diagnostic::{Diagnostic, SourceText};
use crate::model::framework::{FrameworkFile, NodeFile, NodeKind, Rollup, Section};
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The namespace of every senco CASE identifier: the document's UUID is made from the
/// framework id in it, and each item's and association's from the document's.
fn document_uuid(framework_id: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("urn:senco:framework:{framework_id}").as_bytes(),
    )
}

fn urn(id: &Uuid) -> String {
    format!("urn:uuid:{id}")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    #[serde(rename = "CFDocument")]
    cf_document: Document,
    #[serde(rename = "CFItems")]
    cf_items: Vec<Item>,
    #[serde(rename = "CFAssociations")]
    cf_associations: Vec<Association>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    identifier: String,
    uri: String,
    creator: String,
    title: String,
    last_change_date_time: String,
    #[serde(rename = "officialSourceURL", skip_serializing_if = "Option::is_none")]
    official_source_url: Option<String>,
    description: String,
    language: &'static str,
    version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
}

#[derive(Serialize)]
struct Link {
    title: String,
    identifier: String,
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    identifier: String,
    uri: String,
    #[serde(rename = "CFDocumentURI")]
    cf_document_uri: Link,
    full_statement: String,
    human_coding_scheme: String,
    list_enumeration: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    alternative_label: Option<String>,
    #[serde(rename = "CFItemType")]
    cf_item_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<String>,
    language: &'static str,
    last_change_date_time: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Association {
    identifier: String,
    uri: String,
    #[serde(rename = "CFDocumentURI")]
    cf_document_uri: Link,
    association_type: &'static str,
    sequence_number: usize,
    #[serde(rename = "originNodeURI")]
    origin_node_uri: Link,
    #[serde(rename = "destinationNodeURI")]
    destination_node_uri: Link,
    last_change_date_time: String,
}

fn item_type(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Part => "Part",
        NodeKind::Outcome => "Outcome",
        NodeKind::Indicator => "Indicator",
    }
}

/// A CASE 1.0 package for one framework, as pretty JSON with a final newline.
pub fn export(section: &Section) -> Result<String, FatalError> {
    let file = section.to_file();
    let date = section.date.ok_or_else(|| {
        FatalError::invalid(format!(
            "framework `{}` has no date for CASE's lastChangeDateTime",
            section.id
        ))
        .with_help("add `\"date\": \"YYYY-MM-DD\"` to the framework file")
    })?;
    let when = format!("{date}T00:00:00+00:00");
    let doc = document_uuid(&file.id);
    let doc_link = Link {
        title: file.title.clone(),
        identifier: doc.to_string(),
        uri: urn(&doc),
    };
    let link = |l: &Link| Link {
        title: l.title.clone(),
        identifier: l.identifier.clone(),
        uri: l.uri.clone(),
    };
    let mut items = Vec::new();
    let mut associations = Vec::new();
    let mut stack: Vec<(&NodeFile, Link, usize)> = file
        .nodes
        .iter()
        .enumerate()
        .rev()
        .map(|(i, n)| (n, link(&doc_link), i + 1))
        .collect();
    while let Some((node, parent, position)) = stack.pop() {
        let id = Uuid::new_v5(&doc, format!("item:{}", node.id).as_bytes());
        let me = Link {
            title: node.id.clone(),
            identifier: id.to_string(),
            uri: urn(&id),
        };
        items.push(Item {
            identifier: id.to_string(),
            uri: urn(&id),
            cf_document_uri: link(&doc_link),
            full_statement: node.title.clone(),
            human_coding_scheme: node.id.clone(),
            list_enumeration: position.to_string(),
            alternative_label: node.text.clone(),
            cf_item_type: item_type(node.kind),
            notes: node.description.clone(),
            language: "en",
            last_change_date_time: when.clone(),
        });
        let association = Uuid::new_v5(&doc, format!("isChildOf:{}", node.id).as_bytes());
        associations.push(Association {
            identifier: association.to_string(),
            uri: urn(&association),
            cf_document_uri: link(&doc_link),
            association_type: "isChildOf",
            sequence_number: position,
            origin_node_uri: link(&me),
            destination_node_uri: parent,
            last_change_date_time: when.clone(),
        });
        for (i, child) in node.children.iter().enumerate().rev() {
            stack.push((child, link(&me), i + 1));
        }
    }
    let package = Package {
        cf_document: Document {
            identifier: doc.to_string(),
            uri: urn(&doc),
            creator: file.source.clone(),
            title: file.title.clone(),
            last_change_date_time: when,
            official_source_url: file.source_url.clone(),
            description: file.description.clone(),
            language: "en",
            version: file.version.clone(),
            notes: file.text.clone(),
        },
        cf_items: items,
        cf_associations: associations,
    };
    let mut json = serde_json::to_string_pretty(&package)
        .map_err(|e| FatalError::invalid(format!("cannot write the CASE package: {e}")))?;
    json.push('\n');
    Ok(json)
}

/// One CFItem as read: where it is, and the node it becomes.
struct ReadItem {
    at: usize,
    node: NodeFile,
    item_type: Option<String>,
}

/// Reads a CASE 1.0 package (or an API response `{"CFPackage": {...}}`).
pub fn import(name: &str, text: &str) -> Result<Imported, FatalError> {
    let root: Value = serde_json::from_str(text).map_err(|e| {
        FatalError::invalid(format!(
            "{name}:{}:{}: not valid JSON: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let (package, wrapped) = match root.get("CFPackage") {
        Some(inner) => (inner, true),
        None => (&root, false),
    };
    let source = SourceText::new(text);
    let offsets = ObjectOffsets::find(text, wrapped);
    let mut diagnostics = Vec::new();
    let locate = |d: Diagnostic, at: usize| d.in_file(name).at(&source, at..at + 1);
    let document = package
        .get("CFDocument")
        .filter(|d| d.is_object())
        .ok_or_else(|| {
            FatalError::invalid(format!("{name}: no CFDocument: not a CASE package"))
                .with_help("export the framework from the CASE server as a CFPackage (JSON)")
        })?;
    let string = |v: &Value, key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let title = string(document, "title")
        .ok_or_else(|| FatalError::invalid(format!("{name}: the CFDocument has no title")))?;
    let doc_id = string(document, "identifier").unwrap_or_default();
    let version = string(document, "version").unwrap_or_else(|| {
        string(document, "lastChangeDateTime")
            .map(|d| d.chars().take(4).collect())
            .unwrap_or_else(|| "1".into())
    });
    let date = string(document, "lastChangeDateTime")
        .and_then(|d| {
            d.get(..10)
                .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        })
        .map(|d| d.to_string());

    let mut items: Vec<ReadItem> = Vec::new();
    let mut by_uuid: HashMap<String, usize> = HashMap::new();
    let mut seen_ids: HashSet<String> = HashSet::new();
    let empty = Vec::new();
    let raw_items = package
        .get("CFItems")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    for (index, item) in raw_items.iter().enumerate() {
        let at = offsets.items.get(index).copied().unwrap_or(0);
        let uuid = string(item, "identifier");
        let code = string(item, "humanCodingScheme");
        let statement = string(item, "fullStatement");
        let (Some(uuid), Some(statement)) = (uuid, statement) else {
            diagnostics.push(locate(
                Diagnostic::new(
                    Code::ImportSkipped,
                    format!("CFItems[{index}] has no identifier or no fullStatement: skipped"),
                ),
                at,
            ));
            continue;
        };
        let Some(code) = code else {
            diagnostics.push(locate(
                Diagnostic::new(Code::ImportSkipped,
                    format!("CFItems[{index}] (\"{}\") has no humanCodingScheme, which senco uses as its id: skipped, with anything under it", short(&statement)),
                )
                .with_help("give every item a humanCodingScheme in the CASE server, then export again"),
                at,
            ));
            continue;
        };
        let Some(id) = clean_id(&code) else {
            diagnostics.push(locate(
                Diagnostic::new(Code::ImportSkipped,
                    format!("CFItems[{index}]: humanCodingScheme `{code}` has no letters or digits: skipped"),
                ),
                at,
            ));
            continue;
        };
        if id != code {
            diagnostics.push(locate(
                Diagnostic::new(Code::ImportRenamed,
                    format!("CFItems[{index}]: humanCodingScheme `{code}` becomes the id `{id}` (ids may hold only letters, digits, `.`, `-` and `_`)"),
                ),
                at,
            ));
        }
        if !seen_ids.insert(id.to_uppercase()) {
            diagnostics.push(locate(
                Diagnostic::new(Code::ImportSkipped,
                    format!("CFItems[{index}]: a second item with the id `{id}`: skipped, with anything under it"),
                ),
                at,
            ));
            continue;
        }
        by_uuid.insert(uuid, items.len());
        items.push(ReadItem {
            at,
            item_type: string(item, "CFItemType"),
            node: NodeFile {
                id,
                kind: NodeKind::Outcome,
                title: statement,
                text: string(item, "alternativeLabel"),
                description: string(item, "notes"),
                aliases: Vec::new(),
                rollup: Rollup::All,
                children: Vec::new(),
            },
        });
    }

    // The tree: isChildOf associations, children ordered by sequenceNumber (then as listed).
    let mut parent_of: Vec<Option<Option<usize>>> = vec![None; items.len()];
    let mut order: Vec<(Option<usize>, i64, usize)> = Vec::new();
    let raw_assocs = package
        .get("CFAssociations")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    for (index, assoc) in raw_assocs.iter().enumerate() {
        let at = offsets.associations.get(index).copied().unwrap_or(0);
        let kind = string(assoc, "associationType").unwrap_or_default();
        let end = |key: &str| {
            assoc
                .get(key)
                .and_then(|l| l.get("identifier"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        if kind != "isChildOf" {
            diagnostics.push(locate(
                Diagnostic::new(
                    Code::ImportNotKept,
                    format!("CFAssociations[{index}] is `{kind}`: not kept (a senco framework is a tree, with no cross-links)"),
                ),
                at,
            ));
            continue;
        }
        let (Some(origin), Some(destination)) = (end("originNodeURI"), end("destinationNodeURI"))
        else {
            diagnostics.push(locate(
                Diagnostic::new(
                    Code::ImportSkipped,
                    format!(
                        "CFAssociations[{index}] lacks an origin or destination identifier: skipped"
                    ),
                ),
                at,
            ));
            continue;
        };
        let Some(&child) = by_uuid.get(&origin) else {
            diagnostics.push(locate(
                Diagnostic::new(Code::ImportSkipped,
                    format!("CFAssociations[{index}]: its child {origin} is not an item that was read: skipped"),
                ),
                at,
            ));
            continue;
        };
        let parent = if destination == doc_id {
            None
        } else if let Some(&p) = by_uuid.get(&destination) {
            Some(p)
        } else {
            diagnostics.push(locate(
                Diagnostic::new(Code::ImportSkipped,
                    format!("CFAssociations[{index}]: the parent {destination} of `{}` is neither the document nor an item that was read: `{}` is skipped, with anything under it", items[child].node.id, items[child].node.id),
                ),
                at,
            ));
            parent_of[child] = Some(Some(usize::MAX));
            continue;
        };
        if parent_of[child].is_some() {
            diagnostics.push(locate(
                Diagnostic::new(Code::ImportAmbiguous,
                    format!("CFAssociations[{index}]: `{}` already has a parent; this second isChildOf is ignored", items[child].node.id),
                ),
                at,
            ));
            continue;
        }
        parent_of[child] = Some(parent);
        let sequence = assoc
            .get("sequenceNumber")
            .and_then(Value::as_i64)
            .unwrap_or(i64::MAX);
        order.push((parent, sequence, child));
    }
    for (i, parent) in parent_of.iter().enumerate() {
        if parent.is_none() {
            diagnostics.push(locate(
                Diagnostic::new(
                    Code::ImportAmbiguous,
                    format!(
                        "`{}` has no isChildOf association: placed at the top level",
                        items[i].node.id
                    ),
                ),
                items[i].at,
            ));
            order.push((None, i64::MAX, i));
        }
    }
    // Stable: equal sequence numbers keep the order of the associations.
    order.sort_by_key(|&(parent, sequence, _)| (parent, sequence));
    let mut children: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
    for (parent, _, child) in order {
        children.entry(parent).or_default().push(child);
    }
    let mut placed = vec![false; items.len()];
    let mut slots: Vec<Option<ReadItem>> = items.into_iter().map(Some).collect();
    let tree = build(None, &children, &mut slots, &mut placed);
    // Items whose parent association was already reported are not reported again.
    let reported: Vec<bool> = parent_of
        .iter()
        .map(|p| *p == Some(Some(usize::MAX)))
        .collect();
    for (_, item) in slots
        .iter()
        .enumerate()
        .filter(|(i, _)| !reported[*i])
        .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
    {
        diagnostics.push(locate(
            Diagnostic::new(Code::ImportSkipped,
                format!("`{}` is not under the document (its parent was skipped, or its isChildOf links form a loop): skipped", item.node.id),
            ),
            item.at,
        ));
    }
    let depth = tree.iter().map(Tree::levels).max().unwrap_or(0);
    let nodes = tree
        .into_iter()
        .map(|t| t.into_node(0, depth, &mut diagnostics, &|d, at| locate(d, at)))
        .collect();
    Ok(Imported {
        file: FrameworkFile {
            id: slug(&format!("{title} {version}")),
            title,
            version,
            source: string(document, "creator")
                .or_else(|| string(document, "publisher"))
                .unwrap_or_else(|| "CASE package".into()),
            source_url: string(document, "officialSourceURL"),
            description: string(document, "description").unwrap_or_default(),
            text: string(document, "notes"),
            date,
            nodes,
        },
        diagnostics,
    })
}

/// An item placed in the tree, before kinds are settled (they may depend on depth).
struct Tree {
    item: ReadItem,
    children: Vec<Tree>,
}

impl Tree {
    fn levels(&self) -> usize {
        1 + self.children.iter().map(Tree::levels).max().unwrap_or(0)
    }

    fn into_node(
        self,
        depth: usize,
        levels: usize,
        diagnostics: &mut Vec<Diagnostic>,
        locate: &dyn Fn(Diagnostic, usize) -> Diagnostic,
    ) -> NodeFile {
        let mut node = self.item.node;
        node.kind = kind_of(
            self.item.item_type.as_deref(),
            depth,
            levels,
            self.item.at,
            diagnostics,
            locate,
        );
        node.children = self
            .children
            .into_iter()
            .map(|c| c.into_node(depth + 1, levels, diagnostics, locate))
            .collect();
        node
    }
}

/// The items under `parent` in order, each taken from `slots` once (a loop stops).
fn build(
    parent: Option<usize>,
    children: &HashMap<Option<usize>, Vec<usize>>,
    slots: &mut [Option<ReadItem>],
    placed: &mut [bool],
) -> Vec<Tree> {
    let mut out = Vec::new();
    for &child in children.get(&parent).map_or(&[][..], Vec::as_slice) {
        if placed[child] {
            continue;
        }
        placed[child] = true;
        let below = build(Some(child), children, slots, placed);
        if let Some(item) = slots[child].take() {
            out.push(Tree {
                item,
                children: below,
            });
        }
    }
    out
}

/// `CFItemType` to a kind: Part or Domain; Outcome, Standard or Competency; Indicator.
/// Anything else (or nothing) goes by depth, with a hint for a type senco does not know.
fn kind_of(
    item_type: Option<&str>,
    depth: usize,
    levels: usize,
    at: usize,
    diagnostics: &mut Vec<Diagnostic>,
    locate: &dyn Fn(Diagnostic, usize) -> Diagnostic,
) -> NodeKind {
    let by_depth = kind_for_depth(depth, levels);
    match item_type.map(str::to_lowercase).as_deref() {
        None | Some("") => by_depth,
        Some("part" | "domain") => NodeKind::Part,
        Some("outcome" | "standard" | "competency") => NodeKind::Outcome,
        Some("indicator") => NodeKind::Indicator,
        Some(_) => {
            let other = item_type.unwrap_or_default();
            diagnostics.push(locate(
                Diagnostic::new(
                    Code::ImportKind,
                    format!(
                        "CFItemType `{other}` has no senco kind: `{}` by its depth",
                        by_depth.as_str()
                    ),
                ),
                at,
            ));
            by_depth
        }
    }
}

fn short(text: &str) -> String {
    super::shorten(text, 60).0
}

/// Byte offsets of each object in the package's `CFItems` and `CFAssociations` arrays,
/// found by a small scan of the JSON text (serde_json keeps no positions), so a
/// diagnostic can name the line and column of the object it is about.
#[derive(Default)]
struct ObjectOffsets {
    items: Vec<usize>,
    associations: Vec<usize>,
}

impl ObjectOffsets {
    fn find(text: &str, wrapped: bool) -> ObjectOffsets {
        let bytes = text.as_bytes();
        let mut out = ObjectOffsets::default();
        // Depth of the package object: 1, or 2 inside {"CFPackage": {...}}.
        let package_depth = if wrapped { 2 } else { 1 };
        let mut depth = 0usize;
        let mut i = 0;
        let mut last_key: Option<(usize, usize)> = None;
        let mut current: Option<(bool, usize)> = None; // (is items, array depth)
        while i < bytes.len() {
            match bytes[i] {
                b'"' => {
                    let start = i + 1;
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        if bytes[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                    last_key = Some((start, i.min(bytes.len())));
                }
                b'{' | b'[' => {
                    if bytes[i] == b'['
                        && depth == package_depth
                        && let Some((s, e)) = last_key
                    {
                        match &text[s..e] {
                            "CFItems" => current = Some((true, depth + 1)),
                            "CFAssociations" => current = Some((false, depth + 1)),
                            _ => {}
                        }
                    }
                    if bytes[i] == b'{'
                        && let Some((items, array_depth)) = current
                        && depth == array_depth
                    {
                        if items {
                            out.items.push(i);
                        } else {
                            out.associations.push(i);
                        }
                    }
                    depth += 1;
                }
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if let Some((_, array_depth)) = current
                        && depth < array_depth
                    {
                        current = None;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        out
    }
}
