//! What an assessor sees of the judgements: on each evidence page, beside each outcome's
//! coverage, in the overview and the matrix, and in the cohort dashboard; and how a
//! judgement shows once the file it judged has changed.

use crate::build::{all, page, text, texts};
use crate::harness::{review_as_tutor as review, senco, show};
use scraper::{ElementRef, Html, Selector};
use std::fs;
use std::path::{Path, PathBuf};

const PROVISION_MAP: &str = "evidence/2024-03-12-reflection-on-a-provision-map.md";
const MEETING: &str = "evidence/2024-05-20-meeting-with-the-educational-psychologist.md";
const PROVISION_PAGE: &str = "evidence/2024-03-12-reflection-on-a-provision-map.html";
const MEETING_PAGE: &str = "evidence/2024-05-20-meeting-with-the-educational-psychologist.html";

/// The starter portfolio, judged: the provision map meets (with a comment), the meeting
/// notes do not meet B8.1, and the trainee asks for B8.3 to be assessed.
fn judged_portfolio() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("jo");
    senco::author::scaffold::init(&root).expect("init");
    review(
        &root,
        &[
            "--evidence",
            PROVISION_MAP,
            "--judgement",
            "meets",
            "--comment",
            "A clear “before and after” account.",
        ],
    );
    review(
        &root,
        &[
            "--evidence",
            MEETING,
            "--outcome",
            "B8.1",
            "--judgement",
            "does-not-meet",
        ],
    );
    review(
        &root,
        &[
            "--evidence",
            MEETING,
            "--outcome",
            "B8.3",
            "--judgement",
            "ready",
        ],
    );
    (tmp, root)
}

/// `senco build ROOT -o OUT`; fails the test unless it exits 0.
pub(crate) fn build(root: &Path, out: &Path) {
    let built = senco()
        .arg("build")
        .arg(root)
        .arg("-o")
        .arg(out)
        .output()
        .expect("runs");
    assert_eq!(built.status.code(), Some(0), "{}", show(&built));
}

/// The matrix cell of `id` against the evidence file whose page is `page`.
fn matrix_cell<'a>(matrix: &'a Html, id: &str, page: &str) -> ElementRef<'a> {
    let rows = all(matrix, "table.matrix tbody tr");
    let row = rows
        .iter()
        .find(|r| {
            r.select(&Selector::parse("th").expect("th"))
                .next()
                .is_some_and(|h| text(h) == id)
        })
        .unwrap_or_else(|| panic!("no row {id}"));
    row.select(&Selector::parse("td").expect("td"))
        .find(|c| {
            c.select(&Selector::parse("a").expect("a"))
                .next()
                .and_then(|a| a.value().attr("href"))
                .is_some_and(|h| h.starts_with(page))
        })
        .unwrap_or_else(|| panic!("no cell {id} × {page}"))
}

#[test]
fn judgements_show_on_every_page_the_assessor_reads() {
    let (tmp, root) = judged_portfolio();
    let out = tmp.path().join("site");
    build(&root, &out);

    let evidence = page(&out, PROVISION_PAGE);
    let judgements = texts(&evidence, ".judgements li.judgement");
    assert_eq!(judgements.len(), 1, "{judgements:?}");
    for part in [
        "★ Meets",
        "Dr A Tutor",
        "2025-01-02",
        "A clear “before and after” account.",
    ] {
        assert!(judgements[0].contains(part), "{part} in {judgements:?}");
    }
    assert!(!judgements[0].contains("Stale"));
    let meeting = page(&out, MEETING_PAGE);
    let both = texts(&meeting, ".judgements li.judgement");
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(
        both[0].starts_with("⊘ Does not meet: B8.1 By Dr A Tutor on 2025-01-02."),
        "{both:?}"
    );
    assert!(
        both[1].starts_with("⚑ Ready for assessment: B8.3"),
        "{both:?}"
    );

    // Each outcome says where it stands with the assessors beside its coverage.
    let standing = |id: &str| {
        texts(
            &page(&out, &format!("outcomes/{id}.html")),
            "p.standing-line",
        )
    };
    assert_eq!(standing("B9.4"), ["★ Assessed: meets"]);
    assert_eq!(standing("B8.1"), ["⊘ Assessed: does not meet"]);
    assert_eq!(standing("B8.3"), ["⚑ Assessed: ready for assessment"]);
    assert_eq!(standing("B5.1"), ["Not yet assessed"]);
    // A part or outcome rolls up where its indicators stand.
    assert_eq!(
        standing("B8"),
        ["⊘ 0 of 4 indicators assessed; overall: does not meet."]
    );
    assert_eq!(
        standing("B9"),
        ["◐ 2 of 7 indicators assessed; overall: partially meets."]
    );
    assert_eq!(
        standing("B"),
        ["⊘ 2 of 24 indicators assessed; overall: does not meet."]
    );
    assert_eq!(
        standing("A"),
        ["◐ 1 of 21 indicators assessed; overall: partially meets."]
    );
    assert_eq!(standing("C"), ["0 of 4 indicators assessed."]);
    let overview = page(&out, "index.html");
    let b9_row = all(&overview, "li")
        .into_iter()
        .map(text)
        .find(|t| t.starts_with("B9 "))
        .expect("B9 in the overview");
    assert!(b9_row.contains("◐ partially meets"), "{b9_row}");
    let b9 = page(&out, "outcomes/B9.4.html");
    let listed = texts(&b9, "li.judgement");
    assert!(
        listed[0].starts_with("★ Meets: Reflection on rewriting the provision map"),
        "{listed:?}"
    );

    // The overview: assessed coverage, from the library's own count, and the request.
    let check = senco::check(&root, &Default::default()).expect("check");
    let assessed = check.assessment.leaves_assessed(&check.framework);
    assert!(assessed > 0);
    let index = page(&out, "index.html");
    let facts = texts(&index, "dl.facts dd");
    let total = check.coverage.leaves_total(&check.framework);
    assert!(
        facts
            .iter()
            .any(|f| f.starts_with(&format!("{assessed} of {total} indicators assessed"))),
        "{facts:?}"
    );
    let ready = texts(&index, "#ready + p + ul li");
    assert_eq!(ready.len(), 1, "{ready:?}");
    assert!(
        ready[0].contains("Meeting with the educational psychologist for B8.3"),
        "{ready:?}"
    );

    // The matrix marks each judged cell by class, symbol and words.
    let matrix = page(&out, "matrix.html");
    let cell = matrix_cell(&matrix, "B9.4", PROVISION_PAGE);
    assert!(cell.value().classes().any(|c| c == "standing-meets"));
    assert!(text(cell).starts_with("✓★"), "{}", text(cell));
    assert!(text(cell).ends_with("; meets"), "{}", text(cell));
    let cell = matrix_cell(&matrix, "B8.1", MEETING_PAGE);
    assert!(
        cell.value()
            .classes()
            .any(|c| c == "standing-does-not-meet")
    );
    assert!(text(cell).contains("⊘") && text(cell).ends_with("; does not meet"));
    let cell = matrix_cell(&matrix, "B8.3", MEETING_PAGE);
    assert!(
        text(cell).ends_with("; ready for assessment"),
        "{}",
        text(cell)
    );
    let key = texts(&matrix, ".matrix-key li");
    for words in [
        "meets",
        "partially meets",
        "does not meet",
        "ready for assessment",
        "judgement stale",
    ] {
        assert!(
            key.iter().any(|k| k.ends_with(&format!("judged: {words}"))),
            "{words}: {key:?}"
        );
    }
}

#[test]
fn an_edited_file_shows_its_judgement_stale_with_the_date() {
    let (tmp, root) = judged_portfolio();
    let file = root.join(PROVISION_MAP);
    let text_now = fs::read_to_string(&file).expect("read");
    fs::write(
        &file,
        format!("{text_now}\nOne more line after the judgement.\n"),
    )
    .expect("edit");
    let out = tmp.path().join("site");
    let built = senco()
        .arg("build")
        .arg(&root)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("runs");
    // The stale judgement is a warning, not an error.
    assert_eq!(built.status.code(), Some(0), "{}", show(&built));
    let evidence = page(&out, PROVISION_PAGE);
    let judgement = texts(&evidence, ".judgements li.judgement");
    assert_eq!(judgement.len(), 1);
    assert!(judgement[0].starts_with("⟳ Stale"), "{judgement:?}");
    assert!(
        judgement[0].contains("Judged “meets” by Dr A Tutor on 2025-01-02. Stale: the file changed after it was judged on 2025-01-02"),
        "{judgement:?}"
    );
    let b94 = texts(&page(&out, "outcomes/B9.4.html"), "p.standing-line");
    assert_eq!(b94, ["⟳ Assessed: judgement stale"]);
    let matrix = page(&out, "matrix.html");
    let cell = matrix_cell(&matrix, "B9.4", PROVISION_PAGE);
    assert!(cell.value().classes().any(|c| c == "standing-stale"));
    // Re-confirming makes it count again.
    review(
        &root,
        &["--evidence", PROVISION_MAP, "--judgement", "meets"],
    );
    build(&root, &out);
    let b94 = texts(&page(&out, "outcomes/B9.4.html"), "p.standing-line");
    assert_eq!(b94, ["★ Assessed: meets"]);
}

#[test]
fn the_cohort_dashboard_marks_judged_cells_and_lists_requests() {
    let (tmp, _root) = judged_portfolio();
    let cohort = tmp.path();
    let out = tempfile::tempdir().expect("temp dir");
    let dashboard = out.path().join("dashboard");
    let run = senco()
        .arg("cohort")
        .arg(cohort)
        .args(["--format", "html", "-o"])
        .arg(&dashboard)
        .output()
        .expect("runs");
    assert!(matches!(run.status.code(), Some(0 | 1)), "{}", show(&run));
    let matrix = page(&dashboard, "matrix.html");
    let labels = texts(&matrix, "table.heatmap td .visually-hidden");
    assert!(
        labels.contains(&"B8.1: covered; does not meet".to_string()),
        "{labels:?}"
    );
    assert!(labels.contains(&"B8.3: covered; ready for assessment".to_string()));
    assert!(labels.contains(&"B9.4: covered and assessed".to_string()));
    let cells = all(&matrix, "table.heatmap td.standing-does-not-meet");
    assert_eq!(cells.len(), 1);
    assert_eq!(text(cells[0]), "⊘B8.1: covered; does not meet");
    let index = page(&dashboard, "index.html");
    let asking = texts(&index, "#ready + ul li");
    assert_eq!(asking.len(), 1, "{asking:?}");
    assert!(
        asking[0].contains(&format!("{MEETING} (B8.3)")),
        "{asking:?}"
    );
    let json = senco()
        .arg("cohort")
        .arg(cohort)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(
        json["trainees"][0]["ready"][0]["subject"],
        format!("{MEETING} (B8.3)")
    );
}

#[test]
fn the_single_file_lists_each_files_judgements_as_its_page_does() {
    let (_tmp, root) = judged_portfolio();
    // The meeting notes change after they were judged: both judgements on them go stale.
    let meeting = root.join(MEETING);
    let before = fs::read_to_string(&meeting).expect("read");
    fs::write(&meeting, format!("{before}\nA line added later.\n")).expect("edit");
    let check = senco::check(&root, &Default::default()).expect("check");
    let theme = senco::render::theme::of_portfolio(&root).expect("theme");
    let single = senco::render::single::render(&check, &theme, "site/").expect("render");
    let doc = Html::parse_document(&single);
    let article = |title: &str| -> ElementRef<'_> {
        all(&doc, "article.evidence")
            .into_iter()
            .find(|a| {
                a.select(&Selector::parse("h2").expect("h2"))
                    .any(|h| text(h) == title)
            })
            .unwrap_or_else(|| panic!("no article {title}"))
    };
    let judgements = |a: ElementRef<'_>| -> Vec<String> {
        a.select(&Selector::parse(".judgements li.judgement").expect("selector"))
            .map(text)
            .collect()
    };
    let provision = judgements(article("Reflection on rewriting the provision map"));
    assert_eq!(
        provision,
        [
            "★ Meets: every outcome this file claims By Dr A Tutor on 2025-01-02. A clear “before and after” account."
        ]
    );
    let meeting = article("Meeting with the educational psychologist");
    let stale = judgements(meeting);
    assert_eq!(stale.len(), 2, "{stale:?}");
    assert!(stale[0].starts_with("⟳ Stale: B8.1 Judged “does not meet” by Dr A Tutor on 2025-01-02. Stale: the file changed after it was judged on 2025-01-02"), "{stale:?}");
    assert!(
        stale[1].starts_with("⟳ Stale: B8.3 Judged “ready for assessment” by Dr A Tutor"),
        "{stale:?}"
    );
    // Outcomes in the file stand where their indicators do, as on their pages.
    let b9 = all(&doc, "li[id=\"page-outcomes-b9\"] > .standing");
    assert_eq!(
        b9.iter().map(|e| text(*e)).collect::<Vec<_>>(),
        ["◐ judged: partially meets"]
    );
    // A judgement's outcome links to that outcome in the same file.
    for a in meeting.select(&Selector::parse(".judgements a").expect("selector")) {
        let href = a.value().attr("href").expect("href");
        let id = href.strip_prefix('#').expect("an in-page link");
        assert!(
            all(&doc, "[id]")
                .iter()
                .any(|e| e.value().attr("id") == Some(id)),
            "{href} leads nowhere"
        );
    }
}

#[test]
fn the_pack_navigates_from_cover_to_passages_and_back() {
    let (tmp, root) = judged_portfolio();
    let zip_path = tmp.path().join("pack.zip");
    let out = senco()
        .arg("pack")
        .arg(&root)
        .arg("-o")
        .arg(&zip_path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let mut archive = zip::ZipArchive::new(fs::File::open(&zip_path).expect("zip")).expect("zip");
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .collect();
    let read = |archive: &mut zip::ZipArchive<fs::File>, name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(name).expect(name), &mut text)
            .expect("utf-8");
        text
    };
    let cover_name = names
        .iter()
        .find(|n| n.ends_with("/cover.html"))
        .expect("a cover");
    let folder = cover_name.trim_end_matches("cover.html").to_string();
    let cover = Html::parse_document(&read(&mut archive, cover_name));
    let links: Vec<String> = all(&cover, "nav a")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert_eq!(links, ["site/index.html", "portfolio.html"]);
    for link in &links {
        assert!(
            names.contains(&format!("{folder}{link}")),
            "{link} is not in the pack"
        );
    }

    let single = Html::parse_document(&read(&mut archive, &format!("{folder}portfolio.html")));
    let by_id = |id: &str| -> Option<ElementRef<'_>> {
        all(&single, "[id]")
            .into_iter()
            .find(|e| e.value().attr("id") == Some(id))
    };
    let check = senco::check(&root, &Default::default()).expect("check");
    let tags: usize = check.evidence.iter().map(|e| e.tags.len()).sum();
    let passages = all(&single, "ul.passages a");
    assert_eq!(passages.len(), tags, "one link per tagged passage");
    for link in passages {
        let href = link.value().attr("href").expect("href");
        let target = by_id(href.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{href} leads nowhere in the single file"));
        // The outcome the list belongs to, and the passage's way back to it.
        let outcome = link
            .ancestors()
            .filter_map(ElementRef::wrap)
            .find(|e| e.value().name() == "li" && e.value().attr("id").is_some())
            .and_then(|li| li.value().attr("id"))
            .expect("a list under an outcome");
        let back = format!("#{outcome}");
        let article = target
            .ancestors()
            .filter_map(ElementRef::wrap)
            .find(|e| e.value().name() == "article")
            .expect("the passage is in an evidence article");
        let goes_back = target.value().attr("href") == Some(back.as_str())
            || article
                .select(&Selector::parse("a.tag").expect("a.tag"))
                .any(|a| a.value().attr("href") == Some(back.as_str()));
        assert!(goes_back, "{href} does not link back to {back}");
    }
}

// ---------------------------------------------------------------- serve --review

/// Sends one raw request to `port` and returns the response's head and body.
fn raw(port: u16, request: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response)
}

/// A form post, from `origin`, with `body` (already encoded).
fn post_form(port: u16, origin: Option<&str>, body: &str) -> (u16, String) {
    let origin = origin.map_or_else(String::new, |o| format!("Origin: {o}\r\n"));
    raw(
        port,
        &format!(
            "POST /__senco/review HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{origin}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

fn token_of(page: &str) -> String {
    let doc = Html::parse_document(page);
    all(&doc, "form.review-form input[name=token]")
        .first()
        .and_then(|i| i.value().attr("value"))
        .expect("a token in the form")
        .to_string()
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[test]
fn serve_review_records_judgements_through_the_form_and_nothing_else() {
    let (tmp, root) = judged_portfolio();
    let before = fs::read_dir(root.join("feedback"))
        .expect("feedback")
        .count();
    let evidence_before = crate::harness::files(&root.join("evidence"));
    let server =
        crate::harness::Server::start_with(&root, &["--review", "--assessor", "Dr B Examiner"]);
    let port = server.port;
    let page = format!("/{PROVISION_PAGE}");
    let (status, body) = server.get(&page);
    assert_eq!(status, 200);
    assert!(
        body.contains("form-action 'self'"),
        "the policy lets the form post here"
    );
    let doc = Html::parse_document(&body);
    assert_eq!(
        all(
            &doc,
            "form.review-form[method=post][action='/__senco/review']"
        )
        .len(),
        1
    );
    assert!(
        all(&doc, "form.review-form")
            .iter()
            .all(|f| !text(*f).is_empty())
    );
    assert_eq!(all(&doc, "form.review-form input[type=radio]").len(), 3);
    let token = token_of(&body);
    let outcome_page = server.get("/outcomes/B9.4.html").1;
    assert_eq!(token_of(&outcome_page), token, "one token per session");
    // Not on the overview, which judges nothing.
    assert!(!server.get("/index.html").1.contains("review-form"));

    let own = format!("http://127.0.0.1:{port}");
    let good = format!(
        "token={token}&page={}&judgement=partially-meets&outcome=B9.4&comment={}",
        encode(PROVISION_PAGE),
        encode("Needs the “review” stage.")
    );
    // Refused: no Origin, another origin, a wrong token, a verdict the form does not
    // offer, a page that judges nothing, a field given twice.
    for (origin, body, want) in [
        (None, good.clone(), 403),
        (Some("http://evil.example"), good.clone(), 403),
        (Some("null"), good.clone(), 403),
        (
            Some(own.as_str()),
            good.replace(&token, &"0".repeat(64)),
            403,
        ),
        (
            Some(own.as_str()),
            good.replace("partially-meets", "ready"),
            400,
        ),
        (
            Some(own.as_str()),
            good.replace(&encode(PROVISION_PAGE), "index.html"),
            400,
        ),
        (Some(own.as_str()), format!("{good}&judgement=meets"), 400),
    ] {
        let (status, response) = post_form(port, origin, &body);
        assert_eq!(status, want, "{origin:?} {body}\n{response}");
    }
    assert_eq!(
        fs::read_dir(root.join("feedback"))
            .expect("feedback")
            .count(),
        before
    );
    // A foreign Host is refused before anything else.
    let (status, _) = raw(
        port,
        &format!(
            "POST /__senco/review HTTP/1.1\r\nHost: evil.example:{port}\r\nOrigin: {own}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{good}",
            good.len()
        ),
    );
    assert_eq!(status, 421);

    let (status, response) = post_form(port, Some(&own), &good);
    assert_eq!(status, 303, "{response}");
    assert!(
        response
            .to_ascii_lowercase()
            .contains(&format!("location: {page}#judgements-heading")),
        "{response}"
    );
    // Written as `senco review` writes it, pinned to the file's hash, never over another.
    let check = senco::check(&root, &Default::default()).expect("check");
    let newest = check
        .judgements
        .iter()
        .find(|j| j.assessor == "Dr B Examiner")
        .expect("the posted judgement");
    assert_eq!(newest.outcome.as_deref(), Some("B9.4"));
    assert_eq!(newest.evidence.as_deref(), Some(PROVISION_MAP));
    assert!(newest.sha256.is_some());
    assert_eq!(newest.comment, "Needs the “review” stage.");
    assert_eq!(
        fs::read_dir(root.join("feedback"))
            .expect("feedback")
            .count(),
        before + 1
    );
    // The page it returns to shows it at once.
    let shown = server.get(&page).1;
    let doc = Html::parse_document(&shown);
    let listed = texts(&doc, ".judgements li.judgement");
    assert!(
        listed
            .iter()
            .any(|j| j.starts_with("◐ Partially meets: B9.4 By Dr B Examiner")),
        "{listed:?}"
    );
    assert_eq!(
        crate::harness::files(&root.join("evidence")),
        evidence_before
    );
    drop(server);

    // Without --review: no form, no token, no route, forms may post nowhere.
    let plain = crate::harness::Server::start(&root);
    let body = plain.get(&page).1;
    assert!(!body.contains("review-form") && !body.contains(&token));
    assert!(body.contains("form-action 'none'"));
    let (status, _) = post_form(
        plain.port,
        Some(&format!("http://127.0.0.1:{}", plain.port)),
        &good,
    );
    assert_eq!(status, 400, "no request bodies without --review");
    drop(plain);
    // Nor in a built site.
    let out = tmp.path().join("site");
    build(&root, &out);
    for (rel, bytes) in crate::harness::files(&out) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("review-form") && !text.contains("__senco"),
            "{rel}"
        );
    }
}
