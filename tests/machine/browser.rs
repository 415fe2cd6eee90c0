//! Builds the hostile-input fixture with `senco build` and checks the site in
//! a real browser (Chromium through playwright-core, plus axe-core), after a
//! static scan of the HTML for anything executable.
//!
//! Needs Debian's Chromium and `npm ci` in `tests/machine/browser/` (the Node.js side of
//! the test lives there: `site.mjs` and its lock file). `.ci/run` installs both.

use crate::harness::{URL_ATTRS, commit_all, copy_dir, git, manifest_dir, senco, show};
use crate::{Missing, machine_test};
use libtest_mimic::Trial;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn tests() -> Vec<Trial> {
    vec![
        Trial::test("browser::active_markup_scan_sees_through_escaping", || {
            active_markup_scan_sees_through_escaping();
            Ok(())
        }),
        machine_test(
            "browser::built_portfolio_passes_browser_and_axe",
            built_portfolio_passes_browser_and_axe,
        ),
        machine_test(
            "browser::single_file_portfolio_in_a_pack_passes_browser_and_axe",
            single_file_portfolio_in_a_pack_passes_browser_and_axe,
        ),
        machine_test(
            "browser::cohort_dashboard_passes_browser_and_axe",
            cohort_dashboard_passes_browser_and_axe,
        ),
        machine_test(
            "browser::no_script_from_a_theme_runs_under_the_policy",
            no_script_from_a_theme_runs_under_the_policy,
        ),
    ]
}

const CHROMIUM: &str = "/usr/bin/chromium";
const FIXTURE: &str = "tests/fixtures/xss-portfolio";
const AXE_PAGES: &str = "index.html,matrix.html,gaps.html,diagnostics.html,\
                         outcomes/A1.html,outcomes/A1.2.html,evidence/hostile.html";

/// Is `path` there? If not: what is missing and how to get it.
fn require_tool(path: &Path, what: &str, fix: &str) -> Result<(), Missing> {
    if path.exists() {
        return Ok(());
    }
    Err(Missing(format!(
        "{what} not found at {} ({fix})",
        path.display()
    )))
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            html_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
}

/// Tags that run or embed something; none belongs in a portfolio.
const ACTIVE_TAGS: &[&str] = &["script", "iframe", "frame", "object", "embed"];

/// One start tag: its name and its attributes (values with entities decoded).
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

/// The start tags of an HTML document, skipping comments, doctypes and text.
///
/// Only markup is examined, never text: the diagnostics page may well quote
/// the hostile source (`&lt;img onerror=...`), which is escaped and harmless.
fn start_tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off + 1;
        let rest = &html[i..];
        if rest.starts_with("!--") {
            i += rest.find("-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        let Some(&first) = bytes.get(i) else { break };
        if first == b'!' || first == b'?' || first == b'/' {
            i += rest.find('>').map_or(rest.len(), |e| e + 1);
            continue;
        }
        if !first.is_ascii_alphabetic() {
            continue; // a bare '<' in text or CSS
        }
        let (tag, len) = parse_tag(rest);
        tags.push(tag);
        i += len;
    }
    tags
}

/// Parse `name attr="v" attr2=v2 attr3>`; returns the tag and the bytes used.
fn parse_tag(s: &str) -> (Tag, usize) {
    let b = s.as_bytes();
    let is_name_end = |c: u8| c.is_ascii_whitespace() || c == b'>' || c == b'/' || c == b'=';
    let mut i = 0;
    while i < b.len() && !is_name_end(b[i]) {
        i += 1;
    }
    let name = s[..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() || b[i] == b'>' {
            return (Tag { name, attrs }, (i + 1).min(b.len()));
        }
        let start = i;
        while i < b.len() && !is_name_end(b[i]) {
            i += 1;
        }
        let attr = s[start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            let vstart;
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let quote = b[i];
                vstart = i + 1;
                i = vstart;
                while i < b.len() && b[i] != quote {
                    i += 1;
                }
                value = decode_entities(&s[vstart..i]);
                i += 1;
            } else {
                vstart = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = decode_entities(&s[vstart..i]);
            }
        }
        if attr.is_empty() {
            i += 1; // stray character; move on rather than loop
        } else {
            attrs.push((attr, value));
        }
    }
}

/// Enough entity decoding to see through `jav&#x61;script&colon;` tricks.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest.find(';').filter(|&e| e <= 12);
        let decoded = end.and_then(|e| {
            let body = &rest[1..e];
            let code = if let Some(hex) = body.strip_prefix("#x").or(body.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = body.strip_prefix('#') {
                dec.parse().ok()
            } else {
                match body {
                    "amp" => Some('&' as u32),
                    "lt" => Some('<' as u32),
                    "gt" => Some('>' as u32),
                    "quot" => Some('"' as u32),
                    "apos" => Some('\'' as u32),
                    "colon" => Some(':' as u32),
                    "tab" | "Tab" => Some('\t' as u32),
                    "newline" | "NewLine" => Some('\n' as u32),
                    _ => None,
                }
            };
            code.and_then(char::from_u32).map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Everything executable or escaping in one page's markup.
fn active_markup(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    // Text is escaped (`&lt;script`), so these never occur in safe output.
    for needle in ["<script", "<iframe"] {
        if lower.contains(needle) {
            found.push(format!("contains `{needle}`"));
        }
    }
    for tag in start_tags(html) {
        if ACTIVE_TAGS.contains(&tag.name.as_str()) {
            found.push(format!("<{}> element", tag.name));
        }
        for (attr, value) in &tag.attrs {
            // Browsers ignore whitespace and control characters in a scheme.
            let squashed: String = value
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect::<String>()
                .to_ascii_lowercase();
            let what = || format!("<{} {attr}={value:?}>", tag.name);
            if attr.starts_with("on") {
                found.push(format!("event handler {}", what()));
            }
            if squashed.contains("javascript:") || squashed.contains("vbscript:") {
                found.push(format!("script URL {}", what()));
            }
            if URL_ATTRS.contains(&attr.as_str()) {
                if squashed.starts_with("data:") {
                    found.push(format!("data URL {}", what()));
                }
                if squashed.contains("etc/passwd") {
                    found.push(format!("link out of the portfolio {}", what()));
                }
            }
        }
    }
    found
}

fn active_markup_scan_sees_through_escaping() {
    let safe = r#"<!doctype html><p title="a > b">&lt;img src=x onerror=alert(1)&gt;
        javascript: is only text here</p><a href="../evidence/x.html#tag-1">x</a>
        <!-- <img onerror=x> in a comment --><style>p < q {}</style>"#;
    assert_eq!(active_markup(safe), Vec::<String>::new());

    for hostile in [
        "<SCRIPT>x</SCRIPT>",
        "<img src=x OnError=alert(1)>",
        "<body onload='x'>",
        r#"<a href="jav&#x61;script&colon;alert(1)">x</a>"#,
        r#"<a href=" java	script:alert(1)">x</a>"#,
        r#"<a href="data:text/html,x">x</a>"#,
        r#"<img src="/etc/passwd" alt="">"#,
        r#"<a href="../../etc/passwd">x</a>"#,
        "<iframe src=https://example.com></iframe>",
        "<svg><script>x</script></svg>",
    ] {
        assert!(!active_markup(hostile).is_empty(), "not caught: {hostile}");
    }
}

// ------------------------------------------------------------ the browser test

fn built_portfolio_passes_browser_and_axe() -> Result<(), Missing> {
    browser_tools()?;
    let root = manifest_dir();

    let tmp = tempfile::tempdir().unwrap();
    let portfolio = tmp.path().join("portfolio");
    let site = tmp.path().join("site");
    copy_dir(&root.join(FIXTURE), &portfolio);
    // A git repository, so the site has its progress page too.
    git(&portfolio, &["init", "-q"]);
    commit_all(&portfolio, "2025-01-06", "First evidence");

    // Exit 1 means "built, with diagnostics": the fixture is meant to have some.
    let build = senco()
        .arg("build")
        .arg(&portfolio)
        .arg("-o")
        .arg(&site)
        .env("NO_COLOR", "1")
        .output()
        .expect("run senco");
    assert!(
        matches!(build.status.code(), Some(0 | 1)),
        "senco build failed\n{}",
        show(&build)
    );

    assert!(
        site.join("index.html").is_file(),
        "senco build wrote no {}\n{}",
        site.join("index.html").display(),
        show(&build)
    );
    let mut pages = Vec::new();
    html_files(&site, &mut pages);
    let mut problems = Vec::new();
    for page in &pages {
        let html = fs::read_to_string(page).unwrap();
        let rel = page.strip_prefix(&site).unwrap().display().to_string();
        problems.extend(
            active_markup(&html)
                .into_iter()
                .map(|p| format!("{rel}: {p}")),
        );
    }
    assert!(
        problems.is_empty(),
        "active markup in the built site:\n{}",
        problems.join("\n")
    );

    assert!(
        site.join("progress.html").is_file(),
        "no progress page for a git repository\n{}",
        show(&build)
    );
    run_site_checks(
        &site,
        &[
            ("START_OUTCOME", "A1.2"),
            ("AXE_PAGES", &format!("{AXE_PAGES},progress.html")),
        ],
    );
    Ok(())
}

/// Chromium and playwright-core are there.
pub fn browser_tools() -> Result<(), Missing> {
    require_tool(
        Path::new(CHROMIUM),
        "Chromium",
        "apt-get install chromium fonts-dejavu-core",
    )?;
    require_tool(
        &manifest_dir().join("tests/machine/browser/node_modules/playwright-core"),
        "playwright-core",
        "run `npm ci` in tests/machine/browser",
    )
}

/// Runs `tests/machine/browser/site.mjs` on `dir` with extra settings; fails with its output.
fn run_site_checks(dir: &Path, settings: &[(&str, &str)]) {
    let browser_dir = manifest_dir().join("tests/machine/browser");
    let node = Command::new("node")
        .arg(browser_dir.join("site.mjs"))
        .current_dir(&browser_dir)
        .env("SITE_DIR", dir)
        .envs(settings.iter().copied())
        .output()
        .expect("run node (is Node.js installed?)");
    assert!(
        node.status.success(),
        "browser checks failed\n{}",
        show(&node)
    );
}

/// The single-file HTML in a pack works offline (the harness blocks every
/// request that is not file://) and passes axe.
fn single_file_portfolio_in_a_pack_passes_browser_and_axe() -> Result<(), Missing> {
    browser_tools()?;
    let root = manifest_dir();
    let tmp = tempfile::tempdir().unwrap();
    let portfolio = tmp.path().join("portfolio");
    copy_dir(&root.join(FIXTURE), &portfolio);
    let zip_path = tmp.path().join("pack.zip");
    let pack = senco()
        .arg("pack")
        .arg(&portfolio)
        .arg("-o")
        .arg(&zip_path)
        .arg("--anonymise")
        .env("NO_COLOR", "1")
        .output()
        .expect("run senco");
    assert_eq!(
        pack.status.code(),
        Some(0),
        "senco pack failed\n{}",
        show(&pack)
    );
    let mut archive = zip::ZipArchive::new(fs::File::open(&zip_path).unwrap()).unwrap();
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .collect();
    let name = names
        .into_iter()
        .find(|n| n.ends_with("/portfolio.html"))
        .expect("the pack holds a portfolio.html");
    let mut html = String::new();
    std::io::Read::read_to_string(&mut archive.by_name(&name).unwrap(), &mut html).unwrap();
    let problems = active_markup(&html);
    assert!(
        problems.is_empty(),
        "active markup in {name}:\n{}",
        problems.join("\n")
    );
    let single = tmp.path().join("single");
    fs::create_dir_all(&single).unwrap();
    fs::write(single.join("portfolio.html"), html).unwrap();
    run_site_checks(
        &single,
        &[("PAGES_ONLY", "1"), ("AXE_PAGES", "portfolio.html")],
    );
    Ok(())
}

/// The cohort dashboard passes the same Chromium + axe checks as a portfolio,
/// and links each readable trainee to their own built portfolio.
fn cohort_dashboard_passes_browser_and_axe() -> Result<(), Missing> {
    browser_tools()?;
    let root = manifest_dir();
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("dashboard");
    let run = senco()
        .args([
            "cohort",
            "tests/fixtures/cohort",
            "--format",
            "html",
            "--today",
            "2026-11-22",
            "-o",
        ])
        .arg(&site)
        .current_dir(&root)
        .env("NO_COLOR", "1")
        .output()
        .expect("run senco");
    // 1: the fixture cohort holds a broken portfolio on purpose.
    assert_eq!(
        run.status.code(),
        Some(1),
        "senco cohort failed\n{}",
        show(&run)
    );
    let index = fs::read_to_string(site.join("index.html")).unwrap();
    for trainee in ["Siân Prys-Jones", "Zoë Ellis"] {
        assert!(
            index.contains(trainee),
            "{trainee} missing from the dashboard"
        );
    }
    assert!(
        index.contains("could not be read"),
        "the broken portfolio has a row saying so"
    );
    let linked = index.matches("href=\"portfolios/").count();
    assert_eq!(linked, 3, "each readable trainee links to their portfolio");
    let mut pages = Vec::new();
    html_files(&site, &mut pages);
    for page in &pages {
        let problems = active_markup(&fs::read_to_string(page).unwrap());
        assert!(
            problems.is_empty(),
            "{}: {}",
            page.display(),
            problems.join("\n")
        );
    }
    run_site_checks(
        &site,
        &[
            ("PAGES_ONLY", "1"),
            (
                "AXE_PAGES",
                "index.html,by-coverage.html,by-deadline.html,matrix.html",
            ),
        ],
    );
    Ok(())
}

/// A 1×1 PNG, for an image that must still load under the policy.
const DOT_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// The script every hostile theme below carries: it marks the page when it runs.
const THEME_SCRIPT: &str =
    "<script>document.documentElement.setAttribute('data-ran','theme')</script>";

/// A theme folder: the built-in templates with [`THEME_SCRIPT`] right after `<body>`.
fn scripted_theme(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    for name in ["base.html", "single.html", "cohort.html"] {
        let text =
            fs::read_to_string(manifest_dir().join("portfolio-template/theme").join(name)).unwrap();
        assert!(text.contains("<body>"), "{name}");
        fs::write(
            dir.join(name),
            text.replacen("<body>", &format!("<body>{THEME_SCRIPT}"), 1),
        )
        .unwrap();
    }
}

fn senco_ok(args: &[&std::ffi::OsStr], codes: &[i32]) {
    let out = Command::new(env!("CARGO_BIN_EXE_senco"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run senco");
    assert!(
        out.status.code().is_some_and(|c| codes.contains(&c)),
        "senco {args:?}\n{}",
        show(&out)
    );
}

/// The policy senco writes holds in Chromium: a theme's script runs in none of the site,
/// the single file or the dashboard, while the same page without the policy runs it (so
/// the check can fail); the site still gets its CSS and images from file://.
fn no_script_from_a_theme_runs_under_the_policy() -> Result<(), Missing> {
    browser_tools()?;
    let tmp = tempfile::tempdir().unwrap();
    let portfolio = tmp.path().join("portfolio");
    copy_dir(&manifest_dir().join(FIXTURE), &portfolio);
    fs::write(portfolio.join("evidence/dot.png"), DOT_PNG).unwrap();
    fs::write(
        portfolio.join("evidence/picture.md"),
        "---\ntitle: A picture\noutcomes: [A1.2]\n---\n\n![A dot](dot.png)\n",
    )
    .unwrap();
    // The trainee's own theme, in their own build: their script is stopped by the policy.
    scripted_theme(&portfolio.join("theme"));
    let site = tmp.path().join("site");
    senco_ok(
        &[
            "build".as_ref(),
            portfolio.as_os_str(),
            "-o".as_ref(),
            site.as_os_str(),
        ],
        &[0, 1],
    );
    let index = site.join("index.html");
    let text = fs::read_to_string(&index).unwrap();
    assert!(text.contains(THEME_SCRIPT), "the theme was not used");
    // The control: the same page with the policy taken out.
    let meta = senco::render::policy::meta(senco::render::policy::FILES);
    assert!(text.contains(&meta));
    let control = site.join("control.html");
    fs::write(&control, text.replacen(&meta, "", 1)).unwrap();

    // A provider's and a tutor's theme with the same script: pack and dashboard.
    let provider = tmp.path().join("provider-theme");
    scripted_theme(&provider);
    let zip_path = tmp.path().join("pack.zip");
    senco_ok(
        &[
            "pack".as_ref(),
            portfolio.as_os_str(),
            "-o".as_ref(),
            zip_path.as_os_str(),
            "--theme".as_ref(),
            provider.as_os_str(),
        ],
        &[0],
    );
    let mut archive = zip::ZipArchive::new(fs::File::open(&zip_path).unwrap()).unwrap();
    let name = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .find(|n| n.ends_with("/portfolio.html"))
        .expect("a portfolio.html");
    let mut single_html = String::new();
    std::io::Read::read_to_string(&mut archive.by_name(&name).unwrap(), &mut single_html).unwrap();
    assert!(
        single_html.contains(THEME_SCRIPT),
        "the provider's theme was not used"
    );
    let single = tmp.path().join("portfolio.html");
    fs::write(&single, &single_html).unwrap();
    let cohort = tmp.path().join("cohort");
    copy_dir(&portfolio, &cohort.join("trainee"));
    let dashboard = tmp.path().join("dashboard");
    senco_ok(
        &[
            "cohort".as_ref(),
            cohort.as_os_str(),
            "--format".as_ref(),
            "html".as_ref(),
            "-o".as_ref(),
            dashboard.as_os_str(),
            "--theme".as_ref(),
            provider.as_os_str(),
        ],
        &[0, 1],
    );
    let dashboard_index = dashboard.join("index.html");
    assert!(
        fs::read_to_string(&dashboard_index)
            .unwrap()
            .contains(THEME_SCRIPT)
    );

    let browser_dir = manifest_dir().join("tests/machine/browser");
    let join = |paths: &[&Path]| {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let picture = site.join("evidence/picture.html");
    let node = Command::new("node")
        .arg(browser_dir.join("csp.mjs"))
        .current_dir(&browser_dir)
        .env(
            "CSP_PAGES",
            join(&[&index, &picture, &single, &dashboard_index]),
        )
        .env("CONTROL_PAGES", join(&[&control]))
        .env("STYLED_PAGES", join(&[&index, &single, &dashboard_index]))
        .env("IMAGE_PAGES", join(&[&picture, &single]))
        .output()
        .expect("run node");
    assert!(
        node.status.success(),
        "policy checks failed\n{}",
        show(&node)
    );
    let report = String::from_utf8_lossy(&node.stdout);
    assert!(report.contains("csp: 11 passed, 0 failed"), "{report}");
    Ok(())
}
