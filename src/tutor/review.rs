//! `senco review`: write a judgement file for a tutor, recording the SHA-256 of the
//! evidence as it is now. Re-confirming after the trainee edits is the same command
//! again: the newer judgement replaces the stale one.

use crate::check::judgement::Verdict;
use crate::error::FatalError;
use crate::model::framework::Framework;
use crate::model::portfolio::Portfolio;
use crate::util::fs::normalise_path;
use crate::util::hash::Sha256;
use std::path::{Path, PathBuf};

/// What the tutor judged.
#[derive(Debug, Clone)]
pub struct Review<'a> {
    /// Evidence path, relative to the portfolio or to the current folder.
    pub evidence: Option<&'a str>,
    /// The outcome id judged; with `evidence`, the judgement is of that evidence against it.
    pub outcome: Option<&'a str>,
    /// What the tutor decided.
    pub verdict: Verdict,
    /// Who decided it.
    pub assessor: &'a str,
    /// Feedback for the trainee, the body of the judgement file.
    pub comment: Option<&'a str>,
    /// When it was decided.
    pub date: jiff::civil::Date,
}

/// The judgement file `senco review` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Where it was written.
    pub path: PathBuf,
    /// Things the tutor may want to know, e.g. the evidence does not tag the outcome.
    pub notes: Vec<String>,
}

/// Loads the portfolio at `root` and writes the review into `feedback_dir` (default:
/// `feedback/` in the portfolio), as [`write`] does.
pub fn write_in(
    root: &Path,
    feedback_dir: Option<&Path>,
    review: &Review<'_>,
) -> Result<Written, FatalError> {
    let (portfolio, framework) = crate::check::load(root)?;
    let feedback = feedback_dir.map_or_else(
        || portfolio.root.join(crate::check::judgement::FEEDBACK_DIR),
        Path::to_path_buf,
    );
    write(&portfolio, &framework, &feedback, review)
}

/// Checks the review against the portfolio and writes a new judgement file into
/// `feedback_dir`, never replacing one. The portfolio's own `feedback/` is entered
/// without following a symlink (a trainee's `feedback` link to another trainee's folder
/// is refused); a folder the tutor named is used as named. The file itself is never
/// written through a link.
pub fn write(
    portfolio: &Portfolio,
    framework: &Framework,
    feedback_dir: &Path,
    review: &Review<'_>,
) -> Result<Written, FatalError> {
    if review.evidence.is_none() && review.outcome.is_none() {
        return Err(FatalError::usage("say what is judged")
            .with_help("give --evidence evidence/FILE.md, --outcome ID, or both"));
    }
    let assessor = review.assessor.trim();
    if assessor.is_empty() {
        return Err(FatalError::usage("the assessor's name is empty")
            .with_help("give --assessor NAME or set SENCO_ASSESSOR"));
    }
    let outcome = match review.outcome {
        None => None,
        Some(id) => match framework.find(id) {
            Some(node) => Some(node),
            None => {
                let d = crate::check::evidence::unknown_outcome(id, framework);
                return Err(FatalError {
                    help: d.help,
                    ..FatalError::usage(d.message)
                });
            }
        },
    };
    let mut notes = Vec::new();
    let evidence = match review.evidence {
        None => None,
        Some(written) => {
            let rel = evidence_path(portfolio, written)?;
            let bytes = crate::check::evidence::read_file(&portfolio.root.join(&rel))
                .map_err(|e| FatalError::io(format!("cannot read {rel}: {e}"), e))?;
            if let Some(node) = outcome {
                let (parsed, _) = crate::check::evidence::parse_bytes(&bytes, &rel, framework);
                let tags = parsed.outcome_nodes();
                let under = framework.leaves_under(node);
                if !tags.contains(&node) && !under.iter().any(|l| tags.contains(l)) {
                    notes.push(format!(
                        "{rel} does not tag {}; the judgement still counts for it",
                        framework.node(node).id
                    ));
                }
            }
            Some((rel, Sha256::of(&bytes)))
        }
    };
    let outcome_id = outcome.map(|n| framework.node(n).id.as_str());
    let text = judgement_text(evidence.as_ref(), outcome_id, review, assessor);
    let own = portfolio.root.join(crate::check::judgement::FEEDBACK_DIR);
    let (base, dirs): (&Path, &[&str]) = if feedback_dir == own {
        (&portfolio.root, &[crate::check::judgement::FEEDBACK_DIR])
    } else {
        std::fs::create_dir_all(feedback_dir).map_err(|e| {
            FatalError::io(format!("cannot create {}: {e}", feedback_dir.display()), e)
        })?;
        (feedback_dir, &[])
    };
    let mut stem = review.date.to_string();
    if let Some((rel, _)) = &evidence {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let name = name.rsplit_once('.').map_or(name, |(s, _)| s);
        // Evidence made by `senco new` starts with its own date; once is enough.
        let name = name.get(11..).filter(|_| looks_dated(name)).unwrap_or(name);
        stem.push('-');
        stem.push_str(&crate::util::text::file_slug(name));
    }
    if let Some(id) = outcome_id {
        stem.push('-');
        stem.push_str(&crate::util::text::file_slug(id));
    }
    for n in 1..1000 {
        let name = if n == 1 {
            format!("{stem}.md")
        } else {
            format!("{stem}-{n}.md")
        };
        match crate::util::fs::create_new_beneath(base, dirs, &name, text.as_bytes()) {
            Ok(Some(path)) => return Ok(Written { path, notes }),
            Ok(None) => {}
            Err(e) => {
                let path = feedback_dir.join(&name);
                return Err(crate::util::atomic::write_error(
                    format!("cannot write {}", path.display()),
                    &path,
                    &e,
                )
                .with_help(
                    "judgements are written only into the portfolio's own feedback/ folder, never through a symbolic link; remove the link, or name a folder with --feedback",
                ));
            }
        }
    }
    Err(FatalError::refused(format!(
        "too many judgement files named {stem}-N.md in {}",
        feedback_dir.display()
    )))
}

/// `2025-01-10-…`
fn looks_dated(name: &str) -> bool {
    name.len() > 11 && name[..10].parse::<jiff::civil::Date>().is_ok() && &name[10..11] == "-"
}

/// Finds the evidence file a tutor named: relative to the portfolio, or a path from the
/// current folder that lies inside the portfolio.
fn evidence_path(portfolio: &Portfolio, written: &str) -> Result<String, FatalError> {
    let (found, _) = crate::check::discover::discover(portfolio)?;
    let normal = normalise_path(written);
    if found.iter().any(|f| f.rel == normal) {
        return Ok(normal);
    }
    if let (Ok(full), Ok(root)) = (
        std::fs::canonicalize(written),
        std::fs::canonicalize(&portfolio.root),
    ) && let Ok(rel) = full.strip_prefix(&root)
    {
        let rel = crate::check::discover::relative(Path::new(""), rel);
        if found.iter().any(|f| f.rel == rel) {
            return Ok(rel);
        }
    }
    let mut err = FatalError::not_found(format!(
        "`{written}` is not an evidence file of the portfolio in {}",
        portfolio.root.display()
    ));
    err = match crate::util::suggest::closest(&normal, found.iter().map(|f| f.rel.as_str())) {
        Some(best) => err.with_help(format!("did you mean `{best}`?")),
        None => err.with_help(format!(
            "give the path relative to the portfolio folder, e.g. `{}`",
            found
                .first()
                .map_or("evidence/2025-01-10-provision-map.md", |f| f.rel.as_str())
        )),
    };
    Err(err)
}

fn judgement_text(
    evidence: Option<&(String, Sha256)>,
    outcome: Option<&str>,
    review: &Review<'_>,
    assessor: &str,
) -> String {
    // A JSON string is a valid YAML double-quoted scalar, so any path or name is safe.
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let mut text = String::from("---\n");
    if let Some((rel, _)) = evidence {
        text.push_str(&format!("evidence: {}\n", quote(rel)));
    }
    if let Some(id) = outcome {
        text.push_str(&format!("outcome: {id}\n"));
    }
    text.push_str(&format!("judgement: {}\n", review.verdict));
    text.push_str(&format!("assessor: {}\n", quote(assessor)));
    text.push_str(&format!("date: {}\n", review.date));
    if let Some((_, hash)) = evidence {
        text.push_str(&format!("sha256: \"{hash}\"\n"));
    }
    text.push_str("---\n");
    if let Some(comment) = review.comment.map(str::trim).filter(|c| !c.is_empty()) {
        text.push('\n');
        text.push_str(comment);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_names() {
        assert!(looks_dated("2025-01-10-provision-map"));
        assert!(!looks_dated("provision-map"));
        assert!(!looks_dated("2025-01-10"));
    }
}
