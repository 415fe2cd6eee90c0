//! Evidence Markdown to safe HTML.
//!
//! Evidence is untrusted input to an assessor's browser. It is rendered with
//! pulldown-cmark, with outcome tags turned into badges and links checked against the
//! portfolio folder, and the result is sanitised by ammonia: no script, no event
//! handlers, no `javascript:` or `data:` URLs, no iframes, no relative URL that climbs
//! out of the built site. Tag badges are inserted after sanitising, through placeholders
//! that evidence text cannot forge.

use crate::check::markdown::{HeadingIds, Nesting, Step, footnote_id, is_senco_anchor};
use crate::error::Code;
use crate::error::diagnostic::{Diagnostic, PerFile, SourceText};
use crate::model::framework::Framework;
use crate::render::site::{self, SiteMap};
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Parser, Tag, TagEnd};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Marks a badge placeholder in the HTML handed to the sanitiser. A private-use
/// character, removed from evidence text before rendering.
const MARK: char = '\u{E000}';

/// What rendering one piece of Markdown produced.
#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    pub links: Links,
    /// Bounds the link problems reported, however many links the file holds.
    limit: PerFile,
}

/// What rendered Markdown links to, found while rendering it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// Files inside the portfolio the HTML links to, relative to the portfolio, to copy.
    pub attachments: BTreeSet<String>,
    /// The `[[name]]` links looked up by name, as [`site::wiki_key`]s: the HTML changes
    /// when one of these names comes to mean another file (a title was edited).
    pub names: BTreeSet<String>,
    /// Link problems, when asked for.
    pub diagnostics: Vec<Diagnostic>,
}

impl Links {
    pub fn extend(&mut self, other: Links) {
        self.attachments.extend(other.attachments);
        self.names.extend(other.names);
        self.diagnostics.extend(other.diagnostics);
    }
}

/// Where the Markdown comes from and where its HTML goes.
pub struct Context<'a> {
    pub framework: &'a Framework,
    pub site: &'a SiteMap,
    /// The evidence file's path relative to the portfolio (links resolve from its folder).
    pub source: &'a str,
    /// The page's path relative to the site root (links are written relative to it).
    pub page: &'a str,
    /// Whether tag badges carry `id="tag-N"` anchors (only on the evidence page itself).
    pub anchors: bool,
    /// Whether to report link problems (once, on the evidence page; not for quotes).
    pub report: bool,
    /// Drop the first level-one heading when it repeats this title.
    pub title: Option<&'a str>,
    /// 1-based line of the Markdown's first line in the file, for diagnostics.
    pub first_line: usize,
}

struct Badge {
    html: String,
}

pub fn render(markdown: &str, cx: &Context<'_>) -> Rendered {
    let markdown: Cow<'_, str> = if markdown.contains(MARK) {
        Cow::Owned(markdown.replace(MARK, ""))
    } else {
        Cow::Borrowed(markdown)
    };
    let mut out = Rendered::default();
    let mut badges: Vec<Badge> = Vec::new();
    let mut events: Vec<Event<'_>> = Vec::new();
    let up = cx.site.up(cx.page);
    let mut inline_index = 0usize;
    let mut skip_link_text = 0usize;
    let mut heading: Option<(usize, HeadingLevel)> = None;
    let mut dropped_title = cx.title.is_none();
    let mut heading_ids = HeadingIds::default();
    // For each open link: whether it was written (true) or refused and written as a span.
    let mut open_links: Vec<bool> = Vec::new();
    // For each open image: whether it was remote and is written as a link.
    let mut remote_images: Vec<bool> = Vec::new();
    let source = SourceText::new(&markdown);
    let line_of = |offset: usize| cx.first_line + source.line_of(offset) - 1;

    for (event, range) in
        Parser::new_ext(&markdown, crate::check::markdown::options()).into_offset_iter()
    {
        if skip_link_text > 0 {
            match &event {
                Event::Start(Tag::Link { .. }) => skip_link_text += 1,
                Event::End(TagEnd::Link) => {
                    skip_link_text -= 1;
                    if skip_link_text == 0 {
                        events.push(Event::Html(CowStr::from(format!(
                            "{MARK}{}{MARK}",
                            badges.len() - 1
                        ))));
                    }
                }
                Event::Text(t) => {
                    if let Some(b) = badges.last_mut() {
                        b.html = b.html.replace(
                            "{text}",
                            &format!(" <span class=\"tag-text\">{}</span>{{text}}", escape(t)),
                        );
                    }
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { has_pothole },
                dest_url,
                title,
                id,
            }) => {
                let target = dest_url.trim().to_string();
                if let Some(node) = cx.framework.find(&target) {
                    let node = cx.framework.node(node);
                    let anchor = if cx.anchors {
                        format!(" id=\"tag-{inline_index}\"")
                    } else {
                        String::new()
                    };
                    inline_index += 1;
                    let mut html = format!(
                        "<a class=\"tag\"{anchor} href=\"{up}outcomes/{}\" title=\"{}\"><span class=\"tag-id\">{}</span>{{text}}</a>",
                        attr(&crate::render::site::encode_path(&format!(
                            "{}.html",
                            node.id
                        ))),
                        attr(&node.title),
                        escape(&node.id)
                    );
                    if !has_pothole {
                        html = html.replace("{text}", "");
                    }
                    badges.push(Badge { html });
                    skip_link_text = 1;
                    continue;
                }
                if crate::model::framework::looks_like_id(&target) {
                    badges.push(Badge {
                        html: format!(
                            "<span class=\"tag tag-unknown\">[[{}]]</span>{{text}}",
                            escape(&target)
                        ),
                    });
                    skip_link_text = 1;
                    continue;
                }
                out.links.names.insert(site::wiki_key(&target));
                match cx.site.wiki_target(&target) {
                    Some(page) => {
                        let href = format!("{up}{}", crate::render::site::encode_path(page));
                        events.push(Event::Start(Tag::Link {
                            link_type: LinkType::Inline,
                            dest_url: href.into(),
                            title,
                            id,
                        }));
                        open_links.push(true);
                    }
                    None => {
                        if cx.report && out.limit.admit(Code::BrokenLink) {
                            out.links.diagnostics.push(
                                Diagnostic::new(Code::BrokenLink, format!("`[[{target}]]` names no evidence file in this portfolio"))
                                    .in_file(cx.source)
                                    .at_line_col(line_of(range.start), 1)
                                    .with_help("write the file's name without `.md`, e.g. `[[2024-03-12-reflection]]`"),
                            );
                        }
                        // Refused: the link text stays, as plain text.
                        open_links.push(false);
                    }
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let href = resolve_link(&dest_url, cx, &up, line_of(range.start), &mut out);
                let written = href.is_some();
                if let Some(href) = href {
                    events.push(Event::Start(Tag::Link {
                        link_type,
                        dest_url: href.into(),
                        title,
                        id,
                    }));
                }
                open_links.push(written);
            }
            Event::End(TagEnd::Link) => {
                if open_links.pop().unwrap_or(true) {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) if is_remote(&dest_url) => {
                // Fetching it when the page opens would tell its server who reads the
                // portfolio, and when: it becomes a link the assessor may follow.
                if cx.report && out.limit.admit(Code::RemoteImage) {
                    out.links.diagnostics.push(
                        Diagnostic::new(
                            Code::RemoteImage,
                            format!("image `{}` is on the internet; it is shown as a link, never loaded", dest_url.trim()),
                        )
                        .in_file(cx.source)
                        .at_line_col(line_of(range.start), 1)
                        .with_help("save the image into the portfolio beside this evidence and link to the copy"),
                    );
                }
                remote_images.push(true);
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Image) => {
                if remote_images.pop() == Some(true) {
                    events.push(Event::End(TagEnd::Link));
                } else {
                    events.push(Event::End(TagEnd::Image));
                }
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                remote_images.push(false);
                let src = resolve_link(&dest_url, cx, &up, line_of(range.start), &mut out)
                    .unwrap_or_default();
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url: src.into(),
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let level = demote(level);
                heading = Some((events.len(), level));
                events.push(Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((start, level)) = heading.take() {
                    let text = plain_text(&events[start + 1..]);
                    if !dropped_title && level == HeadingLevel::H2 {
                        dropped_title = true;
                        if cx.title.is_some_and(|t| t.trim() == text.trim()) {
                            events.truncate(start);
                            continue;
                        }
                    }
                    if let Event::Start(Tag::Heading { id, .. }) = &mut events[start] {
                        let unique = heading_ids.assign(id.as_deref().unwrap_or(&text));
                        *id = Some(unique.into());
                    }
                    events.push(Event::End(TagEnd::Heading(level)));
                }
            }
            // Footnotes are renamed into their own ids, which no heading takes: `[^1]` and
            // `## 1` would otherwise both be `id="1"`.
            Event::FootnoteReference(name) => {
                events.push(Event::FootnoteReference(footnote_id(&name).into()));
            }
            Event::Start(Tag::FootnoteDefinition(name)) => {
                events.push(Event::Start(Tag::FootnoteDefinition(
                    footnote_id(&name).into(),
                )));
            }
            Event::TaskListMarker(done) => {
                let label = if done { "done" } else { "not done" };
                let checked = if done { " checked" } else { "" };
                events.push(Event::Html(
                    format!("<input type=\"checkbox\" disabled{checked} aria-label=\"{label}\"> ")
                        .into(),
                ));
            }
            other => events.push(other),
        }
    }
    // Deeper structure is flattened, as the check warned (`too-deep`).
    let mut nesting = Nesting::default();
    let events = events
        .into_iter()
        .filter_map(|event| match nesting.step(&event) {
            Step::Keep => Some(event),
            Step::Drop => match event {
                Event::End(end) if crate::check::markdown::ends_block(&end) => {
                    Some(Event::SoftBreak)
                }
                _ => None,
            },
            Step::Escape => match event {
                Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
                other => Some(other),
            },
        });
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut raw, events);
    let clean = sanitise(&raw, cx.site.depth(cx.page));
    out.html = finish(&clean, &badges);
    if cx.report {
        let more = out.limit.summary(cx.source);
        out.links.diagnostics.extend(more);
    }
    out
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

fn plain_text(events: &[Event<'_>]) -> String {
    let mut s = String::new();
    for e in events {
        if let Event::Text(t) | Event::Code(t) = e {
            s.push_str(t);
        }
    }
    s
}

/// Decides what a Markdown link or image points at. Returns the href to write, or
/// `None` when the link is refused (and says why in a diagnostic).
fn resolve_link(
    dest: &str,
    cx: &Context<'_>,
    up: &str,
    line: usize,
    out: &mut Rendered,
) -> Option<String> {
    let dest = dest.trim();
    if dest.is_empty() {
        return None;
    }
    if dest.starts_with('#') {
        return Some(dest.to_string());
    }
    let lower = dest.to_ascii_lowercase();
    if let Some((scheme, _)) = lower.split_once(':')
        && !scheme.contains('/')
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
    {
        // External links are kept for the assessor to follow; ammonia drops every scheme
        // but http, https and mailto.
        return matches!(scheme, "http" | "https" | "mailto").then(|| dest.to_string());
    }
    let (path_part, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    };
    let path_part =
        crate::render::site::percent_decode(path_part.split('?').next().unwrap_or(path_part));
    let report = |out: &mut Rendered, code: Code, message: String, help: &str| {
        if cx.report && out.limit.admit(code) {
            out.links.diagnostics.push(
                Diagnostic::new(code, message)
                    .in_file(cx.source)
                    .at_line_col(line, 1)
                    .with_help(help.to_string()),
            );
        }
    };
    let Some(target) = join_inside(cx.source, &path_part) else {
        report(
            out,
            Code::LinkOutsidePortfolio,
            format!("link to `{dest}` leaves the portfolio folder; it was not followed or copied"),
            "copy the file into the portfolio (e.g. beside this evidence) and link to the copy",
        );
        return None;
    };
    if let Some(page) = cx.site.page_for_source(&target) {
        let mut href = format!("{up}{}", crate::render::site::encode_path(page));
        if let Some(f) = fragment {
            href.push('#');
            href.push_str(f);
        }
        return Some(href);
    }
    match cx.site.attachment_state(&target) {
        crate::render::site::Attachment::Inside => {
            out.links.attachments.insert(target.clone());
            Some(format!(
                "{up}files/{}",
                crate::render::site::encode_path(&target)
            ))
        }
        crate::render::site::Attachment::Escapes => {
            report(
                out,
                Code::LinkOutsidePortfolio,
                format!(
                    "`{dest}` is a link that points outside the portfolio folder; it was not followed or copied"
                ),
                "copy the file into the portfolio instead of linking to it",
            );
            None
        }
        crate::render::site::Attachment::Missing => {
            report(
                out,
                Code::BrokenLink,
                format!("`{dest}` does not exist in the portfolio"),
                "check the file name and folder; paths are relative to this evidence file",
            );
            None
        }
    }
}

/// Whether a URL points off the machine (`https://…`, `//host/…`).
fn is_remote(url: &str) -> bool {
    let url = url.trim().to_ascii_lowercase();
    url.starts_with("http:") || url.starts_with("https:") || url.starts_with("//")
}

/// Joins a relative link to the folder of `source`, normalising `.` and `..`.
/// `None` when the result would leave the portfolio (or the link is absolute).
fn join_inside(source: &str, link: &str) -> Option<String> {
    if link.starts_with('/') || link.starts_with('\\') || link.contains('\\') || link.contains('\0')
    {
        return None;
    }
    let mut parts: Vec<&str> = source.split('/').collect();
    parts.pop();
    for segment in link.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

thread_local! {
    /// Sanitisers by page depth, made once per thread: setting one up allocates every
    /// allow-list, which cost more than cleaning a short quoted passage.
    static SANITISERS: std::cell::RefCell<Vec<Option<ammonia::Builder<'static>>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

fn sanitise(raw: &str, depth: usize) -> String {
    SANITISERS.with_borrow_mut(|by_depth| {
        if by_depth.len() <= depth {
            by_depth.resize_with(depth + 1, || None);
        }
        by_depth[depth]
            .get_or_insert_with(|| sanitiser(depth))
            .clean(raw)
            .to_string()
    })
}

/// The ammonia configuration for evidence. `depth` is how many folders deep the page is,
/// so relative URLs that climb out of the site can be refused.
fn sanitiser(depth: usize) -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.add_tags(["input", "section"])
        .add_generic_attributes(["id", "class"])
        .add_tag_attributes("input", ["type", "checked", "disabled", "aria-label"])
        .add_tag_attributes("a", ["title"])
        .add_tag_attributes("td", ["align", "style"])
        .add_tag_attributes("th", ["align", "style", "scope"])
        // Table alignment arrives as `style="text-align: …"`; any other property could
        // fetch a URL (`background: url(…)`) when the assessor opens the page.
        .filter_style_properties(["text-align"].into_iter().collect())
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Custom(Box::new(SiteRelative {
            depth,
        })))
        .attribute_filter(|element, attribute, value| match attribute {
            "id" if is_senco_anchor(value) => None,
            // Nothing on a page is fetched from the internet: raw images keep their alt.
            "src" if element == "img" && is_remote(value) => None,
            "srcset" if element == "img" && value.contains("//") => None,
            "style" => alignment(value).map(|a| Cow::Owned(format!("text-align:{a}"))),
            _ => Some(Cow::Borrowed(value)),
        });
    b.rm_clean_content_tags(["style"])
        .add_clean_content_tags(["style", "svg", "math"]);
    b.rm_tags(["style"]);
    b
}

/// The table alignment a `style` attribute asks for, if that is all it asks: ammonia
/// keeps only the `text-align` property but not what its value holds (found by fuzzing:
/// `text-align: url(…)` came through).
fn alignment(style: &str) -> Option<&'static str> {
    let mut found = None;
    for declaration in style.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let (property, value) = declaration.split_once(':')?;
        if !property.trim().eq_ignore_ascii_case("text-align") {
            return None;
        }
        found = Some(
            ["left", "center", "right"]
                .into_iter()
                .find(|a| value.trim().eq_ignore_ascii_case(a))?,
        );
    }
    found
}

/// Keeps relative URLs that stay inside the built site, drops the rest.
struct SiteRelative {
    depth: usize,
}

impl ammonia::UrlRelativeEvaluate<'static> for SiteRelative {
    fn evaluate<'url>(&self, url: &'url str) -> Option<Cow<'url, str>> {
        stays_in_site(url, self.depth).then_some(Cow::Borrowed(url))
    }
}

/// Is a relative URL on a page `depth` folders deep one that senco wrote: a fragment, or a
/// path from the site root into its own folders? Relative URLs in raw HTML from evidence
/// are not resolved against the portfolio (only Markdown links are), so any other one
/// could only dangle or climb out of the site: it is dropped.
fn stays_in_site(url: &str, depth: usize) -> bool {
    const OWN: &[&str] = &[
        "outcomes/",
        "evidence/",
        "files/",
        "assets/",
        "index.html",
        "matrix.html",
        "gaps.html",
        "diagnostics.html",
    ];
    if url.starts_with('#') {
        return true;
    }
    // Browsers read `%2e%2e` as `..`: decode before looking for climbs.
    let path = crate::render::site::percent_decode(url.split(['#', '?']).next().unwrap_or(""));
    let path = path.as_str();
    let Some(from_root) = path.strip_prefix("../".repeat(depth).as_str()) else {
        return false;
    };
    OWN.iter().any(|own| from_root.starts_with(own))
        && !from_root
            .split('/')
            .any(|segment| segment == ".." || segment == ".")
        && !from_root.contains('\\')
}

/// Puts the badges in and gives images without a text alternative an empty one, so a
/// raw `<img>` in evidence cannot make the page fail WCAG 1.1.1 silently.
fn finish(clean: &str, badges: &[Badge]) -> String {
    let mut html = String::with_capacity(clean.len() + badges.len() * 80);
    let mut rest = clean;
    while let Some(start) = rest.find(MARK) {
        html.push_str(&rest[..start]);
        let after = &rest[start + MARK.len_utf8()..];
        match after.find(MARK) {
            Some(end) => {
                if let Some(badge) = after[..end]
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| badges.get(i))
                {
                    html.push_str(&badge.html.replace("{text}", ""));
                }
                rest = &after[end + MARK.len_utf8()..];
            }
            None => {
                rest = after;
            }
        }
    }
    html.push_str(rest);
    if html.contains("<img") {
        html = add_missing_alt(&html);
    }
    html
}

fn add_missing_alt(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 16);
    let mut rest = html;
    while let Some(start) = rest.find("<img") {
        out.push_str(&rest[..start]);
        let tag_end = rest[start..].find('>').map_or(rest.len(), |e| start + e);
        let tag = &rest[start..tag_end];
        if tag.contains(" alt=") {
            out.push_str(tag);
        } else {
            let _ = write!(out, "<img alt=\"\"{}", &tag[4..]);
        }
        rest = &rest[tag_end..];
    }
    out.push_str(rest);
    out
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn attr(text: &str) -> String {
    escape(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_stay_inside() {
        assert_eq!(
            join_inside("evidence/a.md", "img/x.png").as_deref(),
            Some("evidence/img/x.png")
        );
        assert_eq!(
            join_inside("evidence/a.md", "../notes/b.md").as_deref(),
            Some("notes/b.md")
        );
        assert_eq!(join_inside("evidence/a.md", "../../etc/passwd"), None);
        assert_eq!(join_inside("evidence/a.md", "/etc/passwd"), None);
    }

    #[test]
    fn relative_urls_must_be_senco_s_own() {
        assert!(stays_in_site("../outcomes/A1.html#x", 1));
        assert!(stays_in_site("#tag-1", 1));
        assert!(!stays_in_site("../../etc/passwd", 1));
        assert!(!stays_in_site("../files/../../x", 1));
        assert!(!stays_in_site("../files/%2e%2e/%2e%2e/etc/passwd", 1));
        assert!(!stays_in_site("../files/%2E%2E/x", 1));
        assert!(!stays_in_site("/etc/passwd", 1));
        assert!(!stays_in_site("x.png", 0));
    }

    #[test]
    fn style_keeps_table_alignment_only() {
        let clean = |raw: &str| sanitise(raw, 1);
        assert_eq!(
            clean("<table><tr><td style=\"text-align: right\">x</td></tr></table>"),
            "<table><tbody><tr><td style=\"text-align:right\">x</td></tr></tbody></table>"
        );
        for hostile in [
            "text-align: url(https://tracker.example/x)",
            "text-align:righ\u{FFFD}(t)",
            "background: url(javascript:alert(1))",
        ] {
            let html = clean(&format!(
                "<table><tr><th style=\"{hostile}\">x</th></tr></table>"
            ));
            assert!(!html.contains("style"), "{hostile}: {html}");
        }
    }

    #[test]
    fn missing_alt_is_added() {
        assert_eq!(
            add_missing_alt("<p><img src=\"x\"></p>"),
            "<p><img alt=\"\" src=\"x\"></p>"
        );
        assert_eq!(
            add_missing_alt("<img alt=\"a\" src=\"x\">"),
            "<img alt=\"a\" src=\"x\">"
        );
    }
}
