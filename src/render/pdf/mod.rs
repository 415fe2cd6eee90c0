//! The portfolio as one tagged, accessible PDF (`senco pdf`, `senco pack --pdf`): the
//! single-file portfolio ([`super::single`]) printed by a Chromium-family browser
//! already on the machine (Chromium, Chrome or Edge), driven through its DevTools
//! protocol ([`devtools`]).
//!
//! The browser is given the page at a made-up address (`http://senco.invalid/`) and
//! answers that one request itself from memory; every other request the page could make
//! is refused before it leaves the browser, so printing fetches nothing from anywhere
//! (the page is also under the strict policy of [`super::policy`]). Chromium writes the
//! structure tree (tagged PDF, for screen readers) and bookmarks from the headings;
//! the footer numbers the pages. The dates it stamps into the file are then replaced
//! by a fixed one ([`fixed`]), so the same input and browser give the same bytes.

mod devtools;
pub mod fixed;

use crate::error::{Code, FatalError};
use devtools::Browser;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The lowest browser major version that prints a tagged PDF with an outline in
/// headless mode (`generateTaggedPDF` and `generateDocumentOutline`).
pub const LOWEST_VERSION: u32 = 132;

/// How long printing may take before the browser is stopped, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The address the page is shown at. `.invalid` never resolves; the browser never asks
/// the network for it, as senco answers the request itself.
const PAGE_URL: &str = "http://senco.invalid/portfolio.html";

/// Browsers looked for on `PATH`, in this order.
const PATH_NAMES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "microsoft-edge-stable",
    "msedge",
];

/// Where browsers are installed outside `PATH`.
const INSTALL_LOCATIONS: &[&str] = &[
    "/snap/bin/chromium",
    "/opt/google/chrome/chrome",
    "/opt/microsoft/msedge/msedge",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
];

/// How to print.
#[derive(Debug, Clone)]
pub struct PdfOptions {
    /// The browser to use; `None` looks for one ([`find_browser`]).
    pub browser: Option<PathBuf>,
    /// How long printing may take before the browser is stopped.
    pub timeout: Duration,
}

impl PdfOptions {
    /// The options `senco pdf` and `pack --pdf` print with: the browser found now (so a
    /// missing one is said before any long check), and a timeout of at least a second.
    pub fn found(browser: Option<&Path>, timeout_secs: u64) -> Result<PdfOptions, FatalError> {
        Ok(PdfOptions {
            browser: Some(find_browser(browser)?),
            timeout: Duration::from_secs(timeout_secs.max(1)),
        })
    }
}

/// The browser to print with: `given` when named (it must exist), else the first of the
/// usual names on `PATH`, else the first of the usual install locations.
pub fn find_browser(given: Option<&Path>) -> Result<PathBuf, FatalError> {
    if let Some(path) = given {
        if path.is_file() {
            return Ok(path.to_path_buf());
        }
        if path.components().count() == 1
            && let Some(found) = on_path(&path.to_string_lossy())
        {
            return Ok(found);
        }
        return Err(no_browser(format!(
            "the browser {} does not exist",
            path.display()
        )));
    }
    if let Some(found) = PATH_NAMES.iter().find_map(|name| on_path(name)) {
        return Ok(found);
    }
    if let Some(found) = INSTALL_LOCATIONS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
    {
        return Ok(found);
    }
    Err(no_browser(format!(
        "no Chromium, Chrome or Edge found (looked on PATH for {} and in {})",
        PATH_NAMES.join(", "),
        INSTALL_LOCATIONS.join(", ")
    )))
}

fn no_browser(message: String) -> FatalError {
    FatalError::not_found(message)
        .with_code(Code::NoBrowser)
        .with_help(format!(
            "install Chromium {LOWEST_VERSION} or later (Debian and Ubuntu: `apt-get install chromium`), Google Chrome or Microsoft Edge, or name one with --browser PATH"
        ))
}

/// `name` as found in a folder of `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// The date for a portfolio's PDF: `SOURCE_DATE_EPOCH` (seconds since 1970, as
/// reproducible builds set it) when set, else midnight UTC of `latest` (the portfolio's
/// latest dated evidence or judgement), else 1980-01-01 (as the pack's zip entries).
pub fn fixed_date(latest: Option<jiff::civil::Date>) -> Result<jiff::Timestamp, FatalError> {
    date_from(std::env::var_os("SOURCE_DATE_EPOCH").as_deref(), latest)
}

fn date_from(
    epoch: Option<&std::ffi::OsStr>,
    latest: Option<jiff::civil::Date>,
) -> Result<jiff::Timestamp, FatalError> {
    if let Some(epoch) = epoch.filter(|v| !v.is_empty()) {
        let text = epoch.to_string_lossy();
        return text
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|s| jiff::Timestamp::from_second(s).ok())
            .ok_or_else(|| {
                FatalError::usage(format!("SOURCE_DATE_EPOCH `{text}` is not a time"))
                    .with_help("set it to whole seconds since 1970-01-01 UTC, or unset it")
            });
    }
    let date = latest.unwrap_or(jiff::civil::date(1980, 1, 1));
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|e| FatalError::invalid(format!("cannot use {date} as the PDF's date: {e}")))
}

/// The latest date of a checked portfolio's evidence and judgements.
fn latest_date(check: &crate::check::Check) -> Option<jiff::civil::Date> {
    let evidence = check.evidence.iter().filter_map(|e| e.date);
    let judgements = check.judgements.iter().map(|j| j.date);
    evidence.chain(judgements).max()
}

/// A checked portfolio as PDF bytes: its single-file portfolio, in the portfolio's own
/// theme (as `senco build` uses), printed by [`print`] and dated by [`portfolio_date`].
pub fn portfolio(check: &crate::check::Check, options: &PdfOptions) -> Result<Vec<u8>, FatalError> {
    let theme = super::theme::of_portfolio(&check.portfolio.root)?;
    let html = super::single::render(check, &theme, "site/")?;
    print(&html, portfolio_date(check)?, options)
}

/// The date inside a portfolio's PDF: [`fixed_date`] of its latest evidence or judgement.
pub fn portfolio_date(check: &crate::check::Check) -> Result<jiff::Timestamp, FatalError> {
    fixed_date(latest_date(check))
}

/// Prints `html` (a self-contained page: the single-file portfolio) to PDF bytes dated
/// `date`.
pub fn print(
    html: &str,
    date: jiff::Timestamp,
    options: &PdfOptions,
) -> Result<Vec<u8>, FatalError> {
    if cfg!(not(unix)) {
        return Err(FatalError::usage(
            "senco prints PDFs through the browser's DevTools pipe, which it drives only on Linux and macOS so far",
        )
        .with_help("print the single-file portfolio (portfolio.html in a pack) from the browser instead"));
    }
    let program = find_browser(options.browser.as_deref())?;
    let mut browser = Browser::launch(&program, options.timeout)?;
    let printed = print_in(&mut browser, html);
    browser.close();
    let pdf = printed?;
    fixed::make_deterministic(&pdf, date)
}

fn print_in(browser: &mut Browser, html: &str) -> Result<Vec<u8>, FatalError> {
    let mut ignore = |_: &mut Browser, _: &str, _: &Value, _: Option<&str>| Ok(());
    let version = browser.call("Browser.getVersion", json!({}), None, &mut ignore)?;
    let product = version["product"].as_str().unwrap_or_default().to_string();
    check_version(&product)?;
    let target = browser.call(
        "Target.createTarget",
        json!({ "url": "about:blank" }),
        None,
        &mut ignore,
    )?;
    let target_id = target["targetId"].as_str().unwrap_or_default().to_string();
    let attached = browser.call(
        "Target.attachToTarget",
        json!({ "targetId": target_id, "flatten": true }),
        None,
        &mut ignore,
    )?;
    let session = attached["sessionId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let s = Some(session.as_str());
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(html.as_bytes());
    // Every request the page makes is paused here: its own address is answered from
    // memory, anything else refused.
    let mut answer = |b: &mut Browser, method: &str, params: &Value, from: Option<&str>| {
        if method != "Fetch.requestPaused" {
            return Ok(());
        }
        let id = params["requestId"].clone();
        if params["request"]["url"].as_str() == Some(PAGE_URL) {
            b.send(
                "Fetch.fulfillRequest",
                json!({
                    "requestId": id,
                    "responseCode": 200,
                    "responseHeaders": [{ "name": "Content-Type", "value": "text/html; charset=utf-8" }],
                    "body": body,
                }),
                from,
            )?;
        } else {
            b.send(
                "Fetch.failRequest",
                json!({ "requestId": id, "errorReason": "BlockedByClient" }),
                from,
            )?;
        }
        Ok(())
    };
    browser.call("Page.enable", json!({}), s, &mut answer)?;
    browser.call(
        "Fetch.enable",
        json!({ "patterns": [{ "urlPattern": "*" }] }),
        s,
        &mut answer,
    )?;
    let navigated = browser.call("Page.navigate", json!({ "url": PAGE_URL }), s, &mut answer)?;
    if let Some(error) = navigated["errorText"].as_str() {
        return Err(FatalError::invalid(format!(
            "the browser could not show the portfolio: {error}"
        )));
    }
    browser.wait_for("the page to load", &mut answer, &|method, _| {
        method == "Page.loadEventFired"
    })?;
    let printed = browser.call("Page.printToPDF", print_parameters(), s, &mut answer)?;
    let data = printed["data"].as_str().unwrap_or_default();
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| FatalError::invalid(format!("the browser's PDF is not base64: {e}")))
}

/// A4 with 15 mm margins (the bottom one holding the footer), backgrounds printed (the
/// matrix's filled cells), the page's own `@page` size preferred, tagged, with an
/// outline made from the headings.
fn print_parameters() -> Value {
    const MM: f64 = 1.0 / 25.4;
    json!({
        "paperWidth": 210.0 * MM,
        "paperHeight": 297.0 * MM,
        "marginTop": 15.0 * MM,
        "marginBottom": 18.0 * MM,
        "marginLeft": 15.0 * MM,
        "marginRight": 15.0 * MM,
        "printBackground": true,
        "preferCSSPageSize": true,
        "displayHeaderFooter": true,
        "headerTemplate": "<span></span>",
        "footerTemplate": FOOTER,
        "generateTaggedPDF": true,
        "generateDocumentOutline": true,
        "transferMode": "ReturnAsBase64",
    })
}

/// The footer of every page: "Page N of M", centred. The template is shown in a frame of
/// its own, so its style is given inline.
const FOOTER: &str = "<div style=\"width:100%;font-size:9pt;font-family:sans-serif;text-align:center;color:#1b1b1b\">Page <span class=\"pageNumber\"></span> of <span class=\"totalPages\"></span></div>";

/// The text strings written plainly in a PDF (its title, bookmarks, structure tree's
/// words: everything outside its compressed streams), decoded, one a line: UTF-16 hex
/// strings (`<FEFF…>`, how Chromium writes text beyond ASCII) and literal strings
/// (`(…)`, escapes undone, octal escapes read as Latin-1). For checking that a name is
/// absent from the PDF, as from any other file.
pub fn text_strings(pdf: &[u8]) -> String {
    static STRING: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r"(?-u)<(FEFF(?:[0-9A-Fa-f]{4})*)>|\(((?:[^()\\]|\\.)*)\)")
            .expect("a valid pattern")
    });
    let mut out = String::new();
    for caps in STRING.captures_iter(pdf) {
        if let Some(hex) = caps.get(1) {
            let units: Vec<u16> = hex.as_bytes()[4..]
                .chunks_exact(4)
                .filter_map(|c| u16::from_str_radix(std::str::from_utf8(c).ok()?, 16).ok())
                .collect();
            out.push_str(&String::from_utf16_lossy(&units));
        } else if let Some(literal) = caps.get(2) {
            out.push_str(&unescape_literal(literal.as_bytes()));
        }
        out.push('\n');
    }
    out
}

/// A PDF literal string's bytes with its backslash escapes undone.
fn unescape_literal(raw: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < raw.len() {
        let byte = raw[i];
        i += 1;
        if byte != b'\\' || i == raw.len() {
            out.push(char::from(byte));
            continue;
        }
        let next = raw[i];
        i += 1;
        match next {
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'0'..=b'7' => {
                let mut value = u32::from(next - b'0');
                for _ in 0..2 {
                    match raw.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.extend(char::from_u32(value & 0xff));
            }
            other => out.push(char::from(other)),
        }
    }
    out
}

/// Refuses a browser older than [`LOWEST_VERSION`], read from `Browser.getVersion`'s
/// product (`Chrome/156.0.8078.114`, `HeadlessChrome/…`, `Edg/…`).
fn check_version(product: &str) -> Result<(), FatalError> {
    let major = product
        .rsplit('/')
        .next()
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(major) if major < LOWEST_VERSION => Err(FatalError::invalid(format!(
            "the browser is {product}: a tagged PDF with bookmarks needs version {LOWEST_VERSION} or later"
        ))
        .with_code(Code::NoBrowser)
        .with_help("update the browser, or name a newer one with --browser PATH")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_below_the_lowest_are_refused_with_the_version_named() {
        assert!(check_version("Chrome/156.0.8078.114").is_ok());
        assert!(check_version("HeadlessChrome/132.0.0.0").is_ok());
        let old = check_version("Chrome/120.0.6099.71").expect_err("too old");
        assert!(old.message.contains("Chrome/120.0.6099.71"), "{old}");
        assert!(old.message.contains("132"), "{old}");
        // An unreadable product is let through: printing itself says what failed.
        assert!(check_version("").is_ok());
    }

    #[test]
    fn text_strings_decodes_utf16_hex_and_literal_strings() {
        let pdf = b"%PDF-1.4\n<</Title <FEFF0053006900E2006E00200050> /T (Jo \\(Ex\\)ample\\351) /Dest [1 0 R]>>\nstream\nx\x9c\nendstream";
        let text = text_strings(pdf);
        assert!(text.contains("Siân P"), "{text}");
        assert!(text.contains("Jo (Ex)ample\u{e9}"), "{text}");
    }

    #[test]
    fn a_named_browser_that_is_missing_says_what_to_install() {
        let error = find_browser(Some(Path::new("/nonexistent/chromium"))).expect_err("missing");
        assert_eq!(error.code, Some(Code::NoBrowser));
        assert!(error.message.contains("/nonexistent/chromium"), "{error}");
        assert!(
            error
                .help
                .as_deref()
                .is_some_and(|h| h.contains("apt-get install chromium"))
        );
    }

    #[test]
    fn the_date_is_source_date_epoch_else_the_latest_at_midnight_utc_else_1980() {
        let may = Some(jiff::civil::date(2024, 5, 20));
        let seconds = |t: Result<jiff::Timestamp, FatalError>| t.ok().map(|t| t.as_second());
        assert_eq!(seconds(date_from(None, may)), Some(1_716_163_200));
        assert_eq!(seconds(date_from(None, None)), Some(315_532_800));
        let epoch = std::ffi::OsStr::new("1700000000");
        assert_eq!(seconds(date_from(Some(epoch), may)), Some(1_700_000_000));
        let bad = date_from(Some(std::ffi::OsStr::new("yesterday")), may).expect_err("not a time");
        assert!(bad.message.contains("yesterday"), "{bad}");
    }
}
