//! Reviewing in the browser: `senco serve --review`. Each evidence and indicator page is
//! served with a plain HTML form (no script) that posts a judgement back to this server,
//! which records it through the caller's `record` (the same code as `senco review`: the
//! tutor stage comes after this one, so it hands that code in) and answers 303 with the
//! page, rebuilt to show it.
//!
//! The form and its token exist only in pages as this server sends them, never in a
//! built site or a pack. A write needs the session's token (made at start, from the
//! operating system's random source), an `Origin` naming this server, and a form no
//! larger than [`MAX_FORM_BYTES`]; without `--review` there is no such route and any
//! request body is refused.

use crate::check::judgement::Verdict;
use crate::error::FatalError;
use crate::render::Subject;
use crate::render::html::escape;
use std::collections::HashMap;
use std::path::PathBuf;

/// Where the form posts.
pub const REVIEW_PATH: &str = "/__senco/review";
/// The largest form accepted: a comment of a few thousand words.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// The verdicts an assessor gives in the form (`ready` is the trainee's request).
pub const FORM_VERDICTS: [Verdict; 3] = [
    Verdict::Meets,
    Verdict::PartiallyMeets,
    Verdict::DoesNotMeet,
];

/// One judgement posted from the form, checked against the page it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPost {
    /// The evidence file judged, portfolio-relative; `None` for an outcome-only judgement.
    pub evidence: Option<String>,
    /// The outcome id judged; `None`: the evidence as a whole.
    pub outcome: Option<String>,
    /// The assessor's verdict.
    pub verdict: Verdict,
    /// The assessor's comment (Markdown), possibly empty.
    pub comment: String,
}

/// Records a judgement; returns the file written.
pub type Record = dyn Fn(&ReviewPost) -> Result<PathBuf, FatalError> + Send + Sync;

/// What `--review` turns on.
pub struct ReviewMode {
    /// Shown in the form: whose judgement it records.
    pub assessor: String,
    /// Writes the judgement: the same code as `senco review`.
    pub record: Box<Record>,
}

/// A review session: the mode and the token every write must carry.
pub(super) struct Session {
    pub(super) mode: ReviewMode,
    pub(super) token: String,
}

impl Session {
    pub(super) fn new(mode: ReviewMode) -> Result<Session, FatalError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| {
            FatalError::invalid(format!("cannot make a session token for --review: {e}"))
        })?;
        let token = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Session { mode, token })
    }

    /// Whether `given` is this session's token, compared in constant time.
    pub(super) fn token_matches(&self, given: &str) -> bool {
        let (a, b) = (self.token.as_bytes(), given.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// The form for the page at `page` (its path in the site), about `subject`.
    pub(super) fn form(&self, page: &str, subject: &Subject) -> String {
        let mut f = String::from(
            "<form class=\"review-form\" method=\"post\" action=\"/__senco/review\" aria-labelledby=\"review-form-heading\">\n<h2 id=\"review-form-heading\">Record a judgement</h2>\n",
        );
        let what = match subject {
            Subject::Evidence { .. } => "this evidence file",
            Subject::Outcome(_) => "this indicator",
        };
        f.push_str(&format!(
            "<p>As {}, on {what}. It is written into the portfolio's judgement files as <code>senco review</code> writes it; evidence is never changed.</p>\n",
            escape(&self.mode.assessor)
        ));
        f.push_str(&format!(
            "<input type=\"hidden\" name=\"token\" value=\"{}\">\n<input type=\"hidden\" name=\"page\" value=\"{}\">\n",
            escape(&self.token),
            escape(page)
        ));
        if let Subject::Evidence { outcomes, .. } = subject {
            f.push_str("<p><label for=\"review-outcome\">Outcome judged</label>\n<select id=\"review-outcome\" name=\"outcome\"><option value=\"\">Every outcome this file claims</option>");
            for id in outcomes {
                f.push_str(&format!("<option value=\"{0}\">{0}</option>", escape(id)));
            }
            f.push_str("</select></p>\n");
        }
        f.push_str("<fieldset><legend>Judgement</legend>\n");
        for (i, verdict) in FORM_VERDICTS.iter().enumerate() {
            let words = crate::check::judgement::Standing::from(*verdict).words();
            f.push_str(&format!(
                "<p><input type=\"radio\" id=\"review-verdict-{i}\" name=\"judgement\" value=\"{}\" required> <label for=\"review-verdict-{i}\">{}{}</label></p>\n",
                verdict.as_str(),
                words[..1].to_uppercase(),
                &words[1..]
            ));
        }
        f.push_str("</fieldset>\n<p><label for=\"review-comment\">Comment (optional)</label><br>\n<textarea id=\"review-comment\" name=\"comment\" rows=\"5\" cols=\"60\"></textarea></p>\n<p><button type=\"submit\">Record judgement</button></p>\n</form>\n");
        f
    }
}

/// `html` with `form` as the last thing in its `<main>`.
pub(super) fn with_form(html: &str, form: &str) -> String {
    match html.rfind("</main>") {
        Some(at) => format!("{}{form}{}", &html[..at], &html[at..]),
        None => html.to_string(),
    }
}

/// The fields of a posted form (`application/x-www-form-urlencoded`); a field given
/// twice is refused, so that what was checked is what is written.
pub(super) fn fields(body: &[u8]) -> Result<HashMap<String, String>, &'static str> {
    let mut fields = HashMap::new();
    for (key, value) in form_urlencoded::parse(body) {
        if fields
            .insert(key.into_owned(), value.into_owned())
            .is_some()
        {
            return Err("a field of the form is given twice");
        }
    }
    Ok(fields)
}

/// Checks a posted form against the page it names: what it judges, and how.
pub(super) fn post(
    fields: &HashMap<String, String>,
    subjects: &HashMap<String, Subject>,
) -> Result<(String, ReviewPost), &'static str> {
    let page = fields.get("page").ok_or("the form names no page")?;
    let subject = subjects
        .get(page)
        .ok_or("the form's page is not an evidence or indicator page of this portfolio")?;
    let verdict = fields
        .get("judgement")
        .and_then(|v| Verdict::parse(v))
        .filter(|v| FORM_VERDICTS.contains(v))
        .ok_or("choose meets, partially meets or does not meet")?;
    let comment = fields.get("comment").cloned().unwrap_or_default();
    let (evidence, outcome) = match subject {
        Subject::Evidence { path, outcomes } => {
            let outcome = match fields.get("outcome").map(String::as_str) {
                None | Some("") => None,
                Some(id) if outcomes.iter().any(|o| o == id) => Some(id.to_string()),
                Some(_) => return Err("the outcome chosen is not one this file claims"),
            };
            (Some(path.clone()), outcome)
        }
        Subject::Outcome(id) => (None, Some(id.clone())),
    };
    Ok((
        page.clone(),
        ReviewPost {
            evidence,
            outcome,
            verdict,
            comment,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session::new(ReviewMode {
            assessor: "Dr A <Tutor>".into(),
            record: Box::new(|_| Ok(PathBuf::new())),
        })
        .expect("a token")
    }

    #[test]
    fn tokens_are_long_random_and_compared_whole() {
        let (a, b) = (session(), session());
        assert_eq!(a.token.len(), 64);
        assert_ne!(a.token, b.token);
        assert!(a.token_matches(&a.token.clone()));
        assert!(!a.token_matches(&b.token));
        assert!(!a.token_matches(&a.token[..63]));
        assert!(!a.token_matches(""));
    }

    #[test]
    fn a_post_judges_only_what_its_page_is_about() {
        let subjects = HashMap::from([
            (
                "evidence/x.html".to_string(),
                Subject::Evidence {
                    path: "evidence/x.md".into(),
                    outcomes: vec!["B9.4".into()],
                },
            ),
            (
                "outcomes/B9.4.html".to_string(),
                Subject::Outcome("B9.4".into()),
            ),
        ]);
        let form = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let (page, ok) = post(
            &form(&[
                ("page", "evidence/x.html"),
                ("judgement", "meets"),
                ("outcome", "B9.4"),
            ]),
            &subjects,
        )
        .expect("a good post");
        assert_eq!(page, "evidence/x.html");
        assert_eq!(ok.evidence.as_deref(), Some("evidence/x.md"));
        assert_eq!(ok.outcome.as_deref(), Some("B9.4"));
        let (_, outcome) = post(
            &form(&[
                ("page", "outcomes/B9.4.html"),
                ("judgement", "does-not-meet"),
            ]),
            &subjects,
        )
        .expect("a good post");
        assert_eq!(
            (outcome.evidence, outcome.outcome.as_deref()),
            (None, Some("B9.4"))
        );
        for bad in [
            form(&[("page", "index.html"), ("judgement", "meets")]),
            form(&[("page", "evidence/x.html"), ("judgement", "ready")]),
            form(&[
                ("page", "evidence/x.html"),
                ("judgement", "meets"),
                ("outcome", "A1.1"),
            ]),
            form(&[("judgement", "meets")]),
        ] {
            assert!(post(&bad, &subjects).is_err(), "{bad:?}");
        }
        assert!(fields(b"page=a&page=b").is_err());
        assert_eq!(
            fields(b"comment=a+b%E2%80%9Cc").expect("fields")["comment"],
            "a b\u{201c}c"
        );
    }

    #[test]
    fn the_form_escapes_what_it_shows_and_goes_inside_main() {
        let s = session();
        let form = s.form("evidence/x.html", &Subject::Outcome("B9.4".into()));
        assert!(form.contains("Dr A &lt;Tutor&gt;"), "{form}");
        assert!(form.contains(&s.token));
        let page = with_form("<main><h1>x</h1></main><footer>", &form);
        assert!(page.ends_with("</form>\n</main><footer>"), "{page}");
    }
}
