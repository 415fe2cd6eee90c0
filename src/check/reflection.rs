//! Reflections written to a model (`model: gibbs` in front matter): each stage of the
//! model should be there and say more than a sentence, because description without
//! analysis is the weakness assessors name most often. The stages, their hints and the
//! thresholds come from [`crate::model::reflective`]; this only measures.

use crate::error::diagnostic::{Diagnostic, SourceText};
use crate::model::reflective::{ReflectiveModel, heading_key};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Serialize;
use std::ops::Range;

/// One stage of the model as the file has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageFound {
    /// The stage's heading in the model.
    pub stage: String,
    /// The heading as the file writes it; `None` when the file has no such section.
    pub heading: Option<String>,
    pub(crate) sentences: usize,
    /// Fewer sentences than the model asks for (or missing).
    pub thin: bool,
}

/// A heading of the body and the text of the section it opens.
struct Section {
    key: String,
    written: String,
    at: Range<usize>,
    level: HeadingLevel,
    text: String,
}

/// Measures each stage of `model` in `body` (which starts at `base` in `source`), and
/// the hints for stages missing or too short. `model_at` is where the front matter names
/// the model, where a missing stage is reported.
pub fn analyse(
    source: &SourceText<'_>,
    body: Range<usize>,
    model: &ReflectiveModel,
    model_at: Range<usize>,
) -> (Vec<StageFound>, Vec<Diagnostic>) {
    let sections = sections(&source.text()[body.clone()], body.start);
    let mut found = Vec::new();
    let mut hints = Vec::new();
    for stage in &model.stages {
        let wanted = heading_key(&stage.heading);
        let least = model.min_sentences(stage);
        let section = sections.iter().find(|s| s.key == wanted);
        let sentences = section.map_or(0, |s| sentences(&s.text));
        let thin = section.is_none() || sentences < least;
        found.push(StageFound {
            stage: stage.heading.clone(),
            heading: section.map(|s| s.written.clone()),
            sentences,
            thin,
        });
        if !thin || least == 0 {
            continue;
        }
        let (message, at) = match section {
            None => (
                format!(
                    "no \"{}\" section, a stage of {}",
                    stage.heading, model.name
                ),
                model_at.clone(),
            ),
            Some(s) if sentences == 0 => (
                format!("the \"{}\" stage of {} is empty", stage.heading, model.name),
                s.at.clone(),
            ),
            Some(s) => (
                format!(
                    "the \"{}\" stage of {} is only {} long",
                    stage.heading,
                    model.name,
                    if sentences == 1 {
                        "a sentence".to_string()
                    } else {
                        format!("{sentences} sentences")
                    }
                ),
                s.at.clone(),
            ),
        };
        let add = if section.is_none() {
            format!("add a heading `## {}` and ", stage.heading)
        } else {
            String::new()
        };
        hints.push(
            Diagnostic::new(crate::error::Code::ReflectionStage, message)
                .at(source, at)
                .with_help(format!("{add}{}", stage.hint)),
        );
    }
    (found, hints)
}

fn sections(text: &str, base: usize) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut open: Option<(HeadingLevel, Range<usize>, String)> = None;
    for (event, range) in Parser::new(text).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                open = Some((level, range, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, at, written)) = open.take() {
                    // A heading ends every open section of its level or deeper.
                    out.push(Section {
                        key: heading_key(&written),
                        written: written.trim().to_string(),
                        at: base + at.start..base + at.end,
                        level,
                        text: String::new(),
                    });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, written)) = open.as_mut() {
                    written.push_str(&t);
                } else if let Some(last) = out.last_mut() {
                    last.text.push_str(&t);
                    last.text.push(' ');
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(last) = out.last_mut().filter(|_| open.is_none()) {
                    last.text.push(' ');
                }
            }
            // HTML (the comments `senco new` writes) says nothing.
            _ => {}
        }
    }
    // A subsection's text also belongs to the stage above it.
    for i in (0..out.len()).rev() {
        let level = out[i].level;
        let inner: String = out[i + 1..]
            .iter()
            .take_while(|s| s.level > level)
            .map(|s| s.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        out[i].text.push_str(&inner);
    }
    out
}

/// Sentences in `text`: runs of words ending in `.`, `!` or `?` (or the end), with at
/// least two words, so "e.g." or a lone "OK." adds little.
pub(crate) fn sentences(text: &str) -> usize {
    text.split_inclusive(['.', '!', '?'])
        .filter(|s| {
            s.split_whitespace()
                .filter(|w| w.chars().any(char::is_alphabetic))
                .count()
                >= 2
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_need_two_words() {
        assert_eq!(sentences(""), 0);
        assert_eq!(sentences("I observed Child A. It went well! Why?"), 2);
        assert_eq!(sentences("An unfinished thought with no stop"), 1);
        assert_eq!(
            sentences("“Quoted” words—and an em dash. Ça va très bien."),
            2
        );
    }
}
