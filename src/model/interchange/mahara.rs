//! Mahara SmartEvidence frameworks (`.matrix` JSON), export only.
//!
//! Top-level nodes with children become standards and everything under them elements
//! (`parentelementid` naming the element above, when it is not the standard). A
//! framework whose top level holds leaves (the NPQ areas) is one standard of its own.
//! Mahara's editor allows 100 characters in a short name and 255 in a name; longer
//! wording is cut there and kept whole in the description.

use super::{escape_html, shorten};
use crate::error::FatalError;
use crate::model::framework::{NodeFile, Section};
use serde::Serialize;

#[derive(Serialize)]
struct Matrix {
    framework: MaharaFramework,
}

#[derive(Serialize)]
struct MaharaFramework {
    institution: &'static str,
    name: String,
    description: String,
    selfassess: bool,
    evidencestatuses: Vec<std::collections::BTreeMap<&'static str, &'static str>>,
    standards: Vec<Standard>,
    standardelements: Vec<Element>,
}

#[derive(Serialize)]
struct Standard {
    shortname: String,
    name: String,
    description: String,
    standardid: usize,
}

#[derive(Serialize)]
struct Element {
    shortname: String,
    name: String,
    description: String,
    standardid: usize,
    elementid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parentelementid: Option<String>,
}

/// Mahara's four evidence statuses, worded as senco's judgements read.
const STATUSES: [(&str, &str); 4] = [
    ("begun", "Ready for assessment"),
    ("incomplete", "Does not meet the outcome"),
    ("partialcomplete", "Partially meets the outcome"),
    ("completed", "Meets the outcome"),
];

fn names(node: &NodeFile) -> (String, String, String) {
    let (shortname, _) = shorten(&node.id, 100);
    let (name, cut) = shorten(&node.title, 255);
    let mut description = Vec::new();
    if cut {
        description.push(node.title.as_str());
    }
    description.extend(node.text.as_deref());
    description.extend(node.description.as_deref());
    (shortname, name, escape_html(&description.join(" ")))
}

/// The framework as a `.matrix` file, pretty JSON with a final newline.
pub fn export(section: &Section) -> Result<String, FatalError> {
    let file = section.to_file();
    let mut standards = Vec::new();
    let mut elements = Vec::new();
    let grouped = file.nodes.iter().all(|n| !n.children.is_empty());
    let tops: Vec<(NodeFile, Vec<&NodeFile>)> = if grouped {
        file.nodes
            .iter()
            .map(|n| (n.clone(), n.children.iter().collect()))
            .collect()
    } else {
        let whole = NodeFile {
            id: file.id.clone(),
            kind: crate::model::framework::NodeKind::Part,
            title: file.title.clone(),
            text: file.text.clone(),
            description: None,
            aliases: Vec::new(),
            rollup: Default::default(),
            children: Vec::new(),
        };
        vec![(whole, file.nodes.iter().collect())]
    };
    for (number, (standard, members)) in (1..).zip(&tops) {
        let (shortname, name, description) = names(standard);
        standards.push(Standard {
            shortname,
            name,
            description,
            standardid: number,
        });
        let mut stack: Vec<(&NodeFile, Option<String>)> =
            members.iter().rev().map(|n| (*n, None)).collect();
        while let Some((node, parent)) = stack.pop() {
            let (shortname, name, description) = names(node);
            elements.push(Element {
                shortname,
                name,
                description,
                standardid: number,
                elementid: node.id.clone(),
                parentelementid: parent,
            });
            for child in node.children.iter().rev() {
                stack.push((child, Some(node.id.clone())));
            }
        }
    }
    let matrix = Matrix {
        framework: MaharaFramework {
            institution: "all",
            name: shorten(&file.title, 255).0,
            description: escape_html(&file.description),
            selfassess: false,
            evidencestatuses: STATUSES
                .iter()
                .map(|(k, v)| std::iter::once((*k, *v)).collect())
                .collect(),
            standards,
            standardelements: elements,
        },
    };
    let mut json = serde_json::to_string_pretty(&matrix)
        .map_err(|e| FatalError::invalid(format!("cannot write the Mahara matrix: {e}")))?;
    json.push('\n');
    Ok(json)
}
