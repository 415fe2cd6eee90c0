//! Reflective models (Gibbs, Rolfe, Kolb): their stages, the hint for a stage left thin,
//! and how short is too short. The data is `outcomes/models.toml`, embedded in the binary;
//! no stage heading or threshold is written in code.

use serde::Deserialize;
use std::sync::LazyLock;

/// The models' data as shipped.
pub(crate) const MODELS_TOML: &str = include_str!("../../outcomes/models.toml");

/// A model of reflective writing (Gibbs, Kolb, …): the stages a reflection should go
/// through, which `senco new --model` writes as headings and the check looks for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReflectiveModel {
    /// What a trainee writes in front matter (`model: gibbs`) or after `--model`.
    pub id: String,
    /// Its name as printed, e.g. "Gibbs' reflective cycle".
    pub name: String,
    /// Where the model is published, for a reader who wants to cite it.
    pub source: String,
    /// A stage with fewer sentences than this gets a hint; 0 turns the hints off.
    pub(crate) min_sentences: usize,
    /// In the order a reflection goes through them.
    #[serde(rename = "stage")]
    pub stages: Vec<Stage>,
}

/// One stage of a [`ReflectiveModel`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// The heading that marks the stage in evidence.
    pub heading: String,
    /// What the stage should say, completing "this stage is thin: ...".
    pub hint: String,
    /// Overrides the model's `min_sentences` for this stage.
    pub(crate) min_sentences: Option<usize>,
}

impl ReflectiveModel {
    pub(crate) fn min_sentences(&self, stage: &Stage) -> usize {
        stage.min_sentences.unwrap_or(self.min_sentences)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelsFile {
    model: Vec<ReflectiveModel>,
}

static MODELS: LazyLock<Vec<ReflectiveModel>> = LazyLock::new(|| {
    // The file ships inside the binary and a test parses it, so it cannot fail at run
    // time; if it somehow did, senco would know no models rather than stop.
    toml::from_str::<ModelsFile>(MODELS_TOML)
        .map(|f| f.model)
        .unwrap_or_default()
});

/// Every model, in the data's order.
pub(crate) fn models() -> &'static [ReflectiveModel] {
    &MODELS
}

/// The model named `id`, ignoring case and surrounding spaces.
pub fn find(id: &str) -> Option<&'static ReflectiveModel> {
    let id = id.trim();
    models().iter().find(|m| m.id.eq_ignore_ascii_case(id))
}

/// The ids of every model, for messages.
pub fn ids() -> Vec<&'static str> {
    models().iter().map(|m| m.id.as_str()).collect()
}

/// A heading as compared with a stage: case, spaces and punctuation do not matter, so
/// "So what" and "So What?" both match the stage "So what?".
pub(crate) fn heading_key(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_data_parses_with_three_models() {
        let parsed: ModelsFile = toml::from_str(MODELS_TOML).expect("outcomes/models.toml");
        let ids: Vec<&str> = parsed.model.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["gibbs", "rolfe", "kolb"]);
        assert_eq!(models().len(), 3);
        assert!(parsed.model.iter().all(|m| !m.stages.is_empty()));
        let gibbs = find(" Gibbs ").expect("gibbs");
        assert_eq!(gibbs.stages[3].heading, "Analysis");
        assert!(find("schön").is_none());
    }

    #[test]
    fn headings_match_without_case_or_punctuation() {
        assert_eq!(heading_key("So What?"), heading_key("so what"));
        assert_eq!(heading_key("  Action   plan: "), "action plan");
    }
}
