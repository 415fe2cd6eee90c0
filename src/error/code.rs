//! Every diagnostic senco reports has a [`Code`]: the stable kebab-case name printed in
//! `error[unknown-outcome]` and in JSON, its usual severity, and the guide page that
//! explains it and what to do.

use super::Severity;
use serde::Serialize;
use std::fmt;

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $severity:ident, $page:literal;)*) => {
        /// A diagnostic's code. Ordered by name, the order reports list them in.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in the order they are declared.
            pub(crate) const ALL: &[Code] = &[$(Code::$variant,)*];

            /// The name printed in reports and JSON, e.g. `unknown-outcome`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The severity this code is reported with (the pseudonyms file's
            /// repeated name is the one warning among `pseudonyms-file` errors).
            pub const fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// The page of the user guide (a file in `guide/`) that documents it.
            #[cfg(test)]
            pub(crate) const fn guide_page(self) -> &'static str {
                match self {
                    $(Code::$variant => $page,)*
                }
            }
        }
    };
}

codes! {
    // Evidence files: reading them.
    /// A file or folder that cannot be read, or is not an ordinary file.
    Unreadable = "unreadable", Error, "checking.md";
    /// An evidence file over the read cap.
    TooLarge = "too-large", Error, "checking.md";
    /// Not UTF-8 (or UTF-16) text.
    InvalidUtf8 = "invalid-utf8", Error, "checking.md";
    /// Binary data, an image or a document named `.md`.
    NotText = "not-text", Error, "checking.md";
    /// A symbolic link (or a link in a page) that leads out of the portfolio.
    LinkOutsidePortfolio = "link-outside-portfolio", Warning, "checking.md";
    /// A link in evidence to a file or page that is not in the portfolio.
    BrokenLink = "broken-link", Warning, "checking.md";
    /// A `[[Note#Heading]]` or `[[Note#^block]]` whose note has no such heading or block.
    BrokenAnchor = "broken-anchor", Warning, "checking.md";
    /// A `[[name]]` more than one note has: it goes to the nearest, then the shortest path.
    AmbiguousLink = "ambiguous-link", Hint, "checking.md";
    /// An `[[` that no `]]` closes.
    UnclosedLink = "unclosed-link", Warning, "checking.md";
    /// A note named like an outcome id, which `[[id]]` can never link to.
    NoteNamedLikeOutcome = "note-named-like-outcome", Hint, "checking.md";
    /// An image on the internet: shown as a link, never loaded.
    RemoteImage = "remote-image", Warning, "checking.md";
    /// A file name too long for its page's name: the page gets a shortened one.
    LongFileName = "long-file-name", Warning, "checking.md";
    /// A second name (a symbolic link) for an evidence file already found: counted once.
    DuplicateFile = "duplicate-file", Hint, "checking.md";
    // Evidence files: front matter and tags.
    /// Front matter opened and never closed.
    FrontMatterUnclosed = "front-matter-unclosed", Error, "checking.md";
    /// Front matter that is not valid YAML or TOML.
    FrontMatterSyntax = "front-matter-syntax", Error, "checking.md";
    /// A `date` that is not `YYYY-MM-DD`.
    BadDate = "bad-date", Error, "checking.md";
    /// `outcomes` that is neither a list nor a comma-separated string.
    BadOutcomes = "bad-outcomes", Error, "checking.md";
    /// An outcome id not in the framework.
    UnknownOutcome = "unknown-outcome", Error, "checking.md";
    /// A `type` that is not one of the evidence types.
    UnknownType = "unknown-type", Warning, "checking.md";
    /// A `title` that is not text.
    BadTitle = "bad-title", Warning, "checking.md";
    /// A `draft` that is not true or false.
    BadDraft = "bad-draft", Warning, "checking.md";
    /// Nothing below the front matter.
    EmptyEvidence = "empty-evidence", Warning, "checking.md";
    /// Nesting deeper than the renderer keeps.
    TooDeep = "too-deep", Warning, "checking.md";
    /// A `model` that is not one of the reflective models.
    UnknownModel = "unknown-model", Warning, "checking.md";
    /// A stage of the file's reflective model missing, empty or a sentence long.
    ReflectionStage = "reflection-stage", Hint, "checking.md";
    /// More words than the portfolio's limit for the evidence type.
    WordLimit = "word-limit", Warning, "checking.md";
    /// A tag written with one of the framework's aliases for an outcome (`6.2`).
    TagByAlias = "tag-by-alias", Hint, "checking.md";
    /// The same outcome tagged twice in one file.
    DuplicateTag = "duplicate-tag", Hint, "checking.md";
    /// A tag on an outcome that has indicators.
    OutcomeNotIndicator = "outcome-not-indicator", Hint, "checking.md";
    /// How many problems of one code were not listed for a file.
    MoreProblems = "more-problems", Hint, "checking.md";
    // The privacy lint.
    /// A Unique Pupil Number whose check letter verifies.
    Upn = "upn", Error, "privacy.md";
    /// The shape of a UPN whose check letter does not verify.
    PossibleUpn = "possible-upn", Warning, "privacy.md";
    /// An NHS number whose check digit verifies.
    NhsNumber = "nhs-number", Error, "privacy.md";
    /// A date near "born", "DOB" and the like.
    DateOfBirth = "date-of-birth", Warning, "privacy.md";
    /// An email address.
    Email = "email", Warning, "privacy.md";
    /// A UK phone number.
    PhoneNumber = "phone-number", Warning, "privacy.md";
    /// A UK postcode.
    Postcode = "postcode", Warning, "privacy.md";
    /// A name listed in the pseudonyms file.
    RealName = "real-name", Error, "privacy.md";
    /// The pseudonyms file cannot be read or is malformed.
    PseudonymsFile = "pseudonyms-file", Error, "privacy.md";
    /// An allow marker naming no privacy check.
    UnknownAllow = "unknown-allow", Warning, "privacy.md";
    // Judgement files.
    /// A judgement file without front matter.
    MissingFrontMatter = "missing-front-matter", Error, "tutors.md";
    /// A judgement without a key it needs.
    MissingField = "missing-field", Error, "tutors.md";
    /// A judgement key that holds a list or number where text belongs.
    BadField = "bad-field", Error, "tutors.md";
    /// A `judgement` that is not one of the verdicts.
    UnknownJudgement = "unknown-judgement", Error, "tutors.md";
    /// A `sha256` that is not 64 hexadecimal digits.
    BadSha256 = "bad-sha256", Error, "tutors.md";
    /// An `evidence` path outside the portfolio.
    BadEvidencePath = "bad-evidence-path", Error, "tutors.md";
    /// A judgement on an evidence file that does not exist.
    UnknownEvidence = "unknown-evidence", Warning, "tutors.md";
    /// Evidence that changed since it was judged.
    StaleJudgement = "stale-judgement", Warning, "tutors.md";
    /// A judgement key senco does not read.
    UnknownKey = "unknown-key", Warning, "tutors.md";
    /// A judgement on an outcome the evidence does not tag.
    JudgedOutcomeNotTagged = "judged-outcome-not-tagged", Hint, "tutors.md";
    // Framework import (`senco framework import`).
    /// A row or item left out of an imported framework.
    ImportSkipped = "import-skipped", Warning, "frameworks.md";
    /// Something in a source file that is not kept (a cross-link), said once per place.
    ImportNotKept = "import-not-kept", Hint, "frameworks.md";
    /// An import had to choose (a second parent, no parent).
    ImportAmbiguous = "import-ambiguous", Warning, "frameworks.md";
    /// A source code that had to be changed to be a senco id.
    ImportRenamed = "import-renamed", Warning, "frameworks.md";
    /// A kind the source names that senco does not know; the kind comes from depth.
    ImportKind = "import-kind", Hint, "frameworks.md";
    /// A Moodle CSV header that is not Moodle's fourteen columns.
    ImportColumns = "import-columns", Warning, "frameworks.md";
    // Printing (`senco pdf`, `senco pack --pdf`).
    /// No Chromium, Chrome or Edge to print with, or one too old (a fatal error).
    NoBrowser = "no-browser", Error, "assessors.md";
}

impl Code {
    /// The privacy lint's findings, in the order its help lists them: the codes an
    /// allow marker (`<!-- senco: allow CODE -->`) accepts.
    pub(crate) const PRIVACY_FINDINGS: &[Code] = &[
        Code::Upn,
        Code::PossibleUpn,
        Code::NhsNumber,
        Code::DateOfBirth,
        Code::Email,
        Code::PhoneNumber,
        Code::Postcode,
        Code::RealName,
    ];

    /// The code named `name`, if there is one.
    pub(crate) fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|code| code.as_str() == name)
    }

    /// Whether a diagnostic belongs to the privacy lint: its findings plus problems with
    /// the pseudonyms file and the allow markers.
    pub(crate) fn is_privacy(self) -> bool {
        Code::PRIVACY_FINDINGS.contains(&self)
            || matches!(self, Code::PseudonymsFile | Code::UnknownAllow)
    }
}

impl Ord for Code {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The code names given in a guide line that documents codes: a heading such as
    /// ``### `bad-title`, `bad-draft` (warnings)`` or a table row whose first cell names
    /// them, with the severity the line gives them.
    fn documented(line: &str) -> Option<(Vec<&str>, &str)> {
        let (names, severity) = if let Some(heading) = line.strip_prefix('#') {
            let (names, rest) = heading.split_once('(')?;
            (names, rest.trim_end_matches(')'))
        } else {
            let mut cells = line.strip_prefix('|')?.split('|');
            (cells.next()?, cells.next()?.trim())
        };
        let names: Vec<&str> = names.split('`').skip(1).step_by(2).collect();
        (!names.is_empty()).then_some((names, severity))
    }

    #[test]
    fn every_code_is_documented_with_its_severity_on_its_guide_page() {
        let guide = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("guide");
        for code in Code::ALL {
            let page = std::fs::read_to_string(guide.join(code.guide_page()))
                .unwrap_or_else(|e| panic!("{}: {e}", code.guide_page()));
            let entry = page
                .lines()
                .filter_map(documented)
                .find(|(names, _)| names.contains(&code.as_str()));
            let Some((_, severity)) = entry else {
                panic!(
                    "`{code}` has no heading or table row in guide/{}",
                    code.guide_page()
                );
            };
            assert!(
                severity.starts_with(&code.severity().to_string()),
                "`{code}` is documented as `{severity}`, reported as {}",
                code.severity()
            );
        }
    }

    #[test]
    fn names_are_unique_kebab_case_and_round_trip() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        for (code, name) in Code::ALL.iter().zip(&names) {
            assert_eq!(Code::from_name(name), Some(*code));
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{name}"
            );
            assert_eq!(
                serde_json::to_string(code).ok(),
                Some(format!("\"{name}\""))
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
        assert_eq!(Code::from_name("no-such-code"), None);
    }

    #[test]
    fn privacy_codes_are_the_findings_and_the_lints_own_problems() {
        let privacy: Vec<&str> = Code::ALL
            .iter()
            .filter(|c| c.is_privacy())
            .map(|c| c.as_str())
            .collect();
        assert_eq!(privacy.len(), Code::PRIVACY_FINDINGS.len() + 2);
        assert!(privacy.contains(&"pseudonyms-file") && privacy.contains(&"unknown-allow"));
        assert!(!Code::UnknownOutcome.is_privacy());
    }
}
