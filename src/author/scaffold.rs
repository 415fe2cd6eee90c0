//! `senco init` and `senco new`: lay down a starter portfolio, start a piece of evidence.
//! Both refuse to overwrite anything.

use crate::error::FatalError;
use crate::model::evidence_type::EvidenceType;
use crate::model::framework::Framework;
use include_dir::{Dir, DirEntry, include_dir};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The starter portfolio (also the bundled sample), embedded in the binary.
pub(crate) static TEMPLATE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/portfolio-template");

/// Folders of the template that are not part of a new portfolio: the built-in theme
/// lives there so providers can copy it, but laying it down would freeze a trainee's
/// portfolio on today's theme.
const NOT_INITIALISED: &[&str] = &["theme"];

/// Writes the starter portfolio into `dir` (created if missing). Returns the files written.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, FatalError> {
    let mut files = Vec::new();
    collect(&TEMPLATE, &mut files);
    files.retain(|f| {
        !NOT_INITIALISED
            .iter()
            .any(|skip| f.path().starts_with(skip))
    });
    let clashes: Vec<String> = files
        .iter()
        .filter(|f| dir.join(f.path()).exists())
        .map(|f| f.path().display().to_string())
        .collect();
    if !clashes.is_empty() {
        return Err(FatalError::refused(format!(
            "{} already has {}; senco init never overwrites",
            dir.display(),
            clashes.join(", ")
        ))
        .with_help("choose an empty folder, e.g. `senco init my-portfolio`"));
    }
    let mut written = Vec::new();
    for file in files {
        let target = dir.join(file.path());
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                FatalError::io(format!("cannot create {}: {e}", parent.display()), e)
            })?;
        }
        write_new(&target, file.contents())?;
        written.push(target);
    }
    Ok(written)
}

fn collect<'a>(dir: &'a Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => collect(d, out),
            DirEntry::File(f) => out.push(f),
        }
    }
}

/// Creates `path` with `contents`, failing if it exists (no race: `create_new`).
fn write_new(path: &Path, contents: &[u8]) -> Result<(), FatalError> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                FatalError::refused(format!(
                    "{} already exists; senco never overwrites",
                    path.display()
                ))
                .with_help("choose another title, or edit the existing file")
            } else {
                FatalError::io(format!("cannot create {}: {e}", path.display()), e)
            }
        })?;
    file.write_all(contents)
        .map_err(|e| FatalError::io(format!("cannot write {}: {e}", path.display()), e))
}

/// Reflective models offered by `senco new --model`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Model {
    /// Gibbs (1988): Description, Feelings, Evaluation, Analysis, Conclusion, Action plan
    Gibbs,
    /// Rolfe et al. (2001): What?, So what?, Now what?
    Rolfe,
    /// Kolb (1984): the four stages of the experiential learning cycle
    Kolb,
}

impl Model {
    /// Its id in `outcomes/models.toml`.
    pub fn id(self) -> &'static str {
        match self {
            Model::Gibbs => "gibbs",
            Model::Rolfe => "rolfe",
            Model::Kolb => "kolb",
        }
    }

    /// The stage headings, from the models' data.
    pub fn headings(self) -> Vec<&'static str> {
        crate::model::reflective::find(self.id())
            .map(|m| m.stages.iter().map(|s| s.heading.as_str()).collect())
            .unwrap_or_default()
    }
}

/// What `senco new` is asked to create.
pub struct NewEvidence<'a> {
    /// The title, in front matter and (as a slug) in the file name.
    pub title: &'a str,
    /// The evidence type as typed (`reflection`, …); checked against the known types.
    pub kind: &'a str,
    /// Outcome ids to tag it with; unknown ones are refused with a suggestion.
    pub outcomes: &'a [String],
    /// A reflective model whose stages become the headings.
    pub model: Option<Model>,
    /// The evidence date, in front matter and the file name.
    pub date: jiff::civil::Date,
}

/// Creates a new evidence file in the first evidence folder of the portfolio at `root`,
/// checking its outcome ids against the portfolio's framework.
pub fn new_evidence_in(root: &Path, new: &NewEvidence<'_>) -> Result<PathBuf, FatalError> {
    let (portfolio, framework) = crate::check::load(root)?;
    let evidence_dir = portfolio
        .evidence_dirs
        .first()
        .map_or("evidence", String::as_str);
    new_evidence(&portfolio.root, evidence_dir, &framework, new)
}

/// Creates a new evidence file in `evidence_dir` of the portfolio at `root`.
pub(crate) fn new_evidence(
    root: &Path,
    evidence_dir: &str,
    framework: &Framework,
    new: &NewEvidence<'_>,
) -> Result<PathBuf, FatalError> {
    let written = new.kind.trim().to_lowercase();
    let Some(kind) = EvidenceType::from_name(&written) else {
        let err = FatalError::usage(format!("unknown evidence type `{}`", new.kind));
        let valid = EvidenceType::names();
        return Err(match EvidenceType::suggest(&written) {
            Some(best) => err.with_help(format!("did you mean `{best}`? valid types: {valid}")),
            None => err.with_help(format!("valid types: {valid}")),
        });
    };
    let mut ids = Vec::new();
    for id in new
        .outcomes
        .iter()
        .flat_map(|o| o.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match framework.find(id) {
            Some(node) => ids.push(framework.node(node).id.clone()),
            None => {
                let d = crate::check::evidence::unknown_outcome(id, framework);
                return Err(FatalError {
                    help: d.help,
                    ..FatalError::usage(d.message)
                });
            }
        }
    }
    let slug = crate::util::text::file_slug(new.title);
    let dir = root.join(evidence_dir);
    std::fs::create_dir_all(&dir)
        .map_err(|e| FatalError::io(format!("cannot create {}: {e}", dir.display()), e))?;
    let path = dir.join(format!("{}-{slug}.md", new.date));
    let model = new
        .model
        .or((kind == EvidenceType::Reflection).then_some(Model::Gibbs));
    write_new(&path, evidence_text(new, kind, &ids, model).as_bytes())?;
    Ok(path)
}

fn evidence_text(
    new: &NewEvidence<'_>,
    kind: EvidenceType,
    ids: &[String],
    model: Option<Model>,
) -> String {
    // A JSON string is a valid YAML double-quoted scalar, so any title is safe here.
    let title = serde_json::to_string(new.title.trim()).unwrap_or_else(|_| "\"Untitled\"".into());
    let model_line = model.map_or_else(String::new, |m| format!("model: {}\n", m.id()));
    let mut text = format!(
        "---\ntitle: {title}\ndate: {}\ntype: {kind}\n{model_line}outcomes: [{}]\n---\n\n# {}\n\n",
        new.date,
        ids.join(", "),
        new.title.trim()
    );
    text.push_str("<!-- Use pseudonyms (Child A, TA 1): never a pupil's name or identifier. Tag the passage that shows an outcome by writing its id in double brackets, e.g. [[A1.2]]. -->\n\n");
    if let Some(model) = model {
        for heading in model.headings() {
            text.push_str(&format!("## {heading}\n\n\n"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_has_its_stages_in_the_data() {
        for model in [Model::Gibbs, Model::Rolfe, Model::Kolb] {
            assert!(crate::model::reflective::find(model.id()).is_some());
            assert!(model.headings().len() >= 3, "{}", model.id());
        }
        assert_eq!(Model::Rolfe.headings(), ["What?", "So what?", "Now what?"]);
    }
}
