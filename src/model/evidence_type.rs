//! The kinds of evidence a portfolio holds: front matter `type:`, `senco new --type`
//! and the keys of `[rules] word_limits`.

use serde::Serialize;
use std::fmt;

/// A kind of evidence. A `type:` that names none of these is not `Other`: the check
/// warns (`unknown-type`) and the file counts as having no type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EvidenceType {
    Reflection,
    Observation,
    CaseStudy,
    Meeting,
    Cpd,
    Artefact,
    Assignment,
    /// Written as `other` by the trainee: a known type, counted like the rest.
    Other,
}

impl EvidenceType {
    /// Every type, in the order help texts and word tables list them.
    pub(crate) const ALL: [EvidenceType; 8] = [
        EvidenceType::Reflection,
        EvidenceType::Observation,
        EvidenceType::CaseStudy,
        EvidenceType::Meeting,
        EvidenceType::Cpd,
        EvidenceType::Artefact,
        EvidenceType::Assignment,
        EvidenceType::Other,
    ];

    /// The name written in front matter and shown in reports, e.g. `case-study`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EvidenceType::Reflection => "reflection",
            EvidenceType::Observation => "observation",
            EvidenceType::CaseStudy => "case-study",
            EvidenceType::Meeting => "meeting",
            EvidenceType::Cpd => "cpd",
            EvidenceType::Artefact => "artefact",
            EvidenceType::Assignment => "assignment",
            EvidenceType::Other => "other",
        }
    }

    /// The type named exactly `name` (lower case, hyphenated).
    pub(crate) fn from_name(name: &str) -> Option<EvidenceType> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The type a trainee wrote in front matter, forgiving case, spaces and underscores
    /// (`Case study`, `case_study`); `None` when it names no type.
    pub fn parse(written: &str) -> Option<EvidenceType> {
        Self::from_name(&Self::normalise(written))
    }

    /// `written` as [`EvidenceType::parse`] compares it: trimmed, lower case, hyphens.
    pub fn normalise(written: &str) -> String {
        written.trim().to_lowercase().replace([' ', '_'], "-")
    }

    /// Every name, for help texts: `reflection, observation, …, other`.
    pub fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }

    /// The closest name to a misspelt type, for "did you mean".
    pub fn suggest(written: &str) -> Option<&'static str> {
        crate::util::suggest::closest(written, Self::ALL.into_iter().map(Self::as_str))
    }
}

impl fmt::Display for EvidenceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EvidenceType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The key of `[rules] word_limits` that limits each commentary file
/// ([`crate::check::commentary`]), beside the evidence types.
pub const COMMENTARY_LIMIT: &str = "commentary";

/// Whether `key` may be a key of `[rules] word_limits`: an evidence type or
/// [`COMMENTARY_LIMIT`].
pub(crate) fn is_word_limit_key(key: &str) -> bool {
    key == COMMENTARY_LIMIT || EvidenceType::from_name(key).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_read_forgiving_case_spaces_and_underscores() {
        for written in ["case-study", "Case study", " CASE_STUDY "] {
            assert_eq!(EvidenceType::parse(written), Some(EvidenceType::CaseStudy));
        }
        assert_eq!(EvidenceType::parse("other"), Some(EvidenceType::Other));
        assert_eq!(EvidenceType::parse("relfection"), None);
        assert_eq!(EvidenceType::from_name("Case study"), None);
        assert_eq!(EvidenceType::suggest("relfection"), Some("reflection"));
        assert!(EvidenceType::names().starts_with("reflection, observation, case-study"));
        for t in EvidenceType::ALL {
            assert_eq!(EvidenceType::from_name(t.as_str()), Some(t));
        }
    }
}
