//! Evidence Markdown to safe HTML.
//!
//! Evidence is untrusted input to an assessor's browser. It is rendered with
//! pulldown-cmark, with outcome tags turned into badges and links checked against the
//! portfolio folder, and the result is sanitised by ammonia: no script, no event
//! handlers, no `javascript:` or `data:` URLs, no iframes, no relative URL that climbs
//! out of the built site. Tag badges are inserted after sanitising, through placeholders
//! that evidence text cannot forge.

use crate::check::markdown::{HeadingIds, Nesting, Step, footnote_id, is_senco_anchor};
use crate::check::obsidian::{self, Callout, Embed, Fold, Item};
use crate::check::vault::{Index, Problem, Resolved, Target};
use crate::error::diagnostic::{Diagnostic, PerFile, SourceText};
use crate::model::framework::Framework;
use crate::render::site::{self, SiteMap};
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Tag, TagEnd};
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
    /// Whether to report what only rendering finds (once, on the evidence page; not for
    /// quotes). Link problems are the check's ([`crate::check::vault::link_diagnostics`]).
    pub report: bool,
    /// Drop the first level-one heading when it repeats this title.
    pub title: Option<&'a str>,
    /// 1-based line of the Markdown's first line in the file, for diagnostics.
    pub first_line: usize,
    /// The portfolio's notes and files by name: where links and embeds lead.
    pub vault: &'a Index,
    /// The notes whose embeds led here, outermost first: an embed of one of them, or one
    /// more than [`MAX_EMBED_DEPTH`] deep, is a link instead.
    pub embedding: &'a [usize],
}

/// How deep notes are embedded in notes before an embed becomes a link.
pub const MAX_EMBED_DEPTH: usize = 3;

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
    let source = SourceText::new(&markdown);
    let line_of = |offset: usize| cx.first_line + source.line_of(offset) - 1;

    let mut blocks_named: BTreeSet<String> = BTreeSet::new();
    let mut in_paragraph = false;
    let mut in_diagram = false;
    for (item, range) in obsidian::events(&markdown) {
        let event = match item {
            Item::Markdown(event) => event,
            Item::CalloutStart(callout) => {
                events.push(Event::Html(callout_open(&callout).into()));
                continue;
            }
            Item::CalloutEnd(fold) => {
                let close = if fold == Fold::None {
                    "</aside>\n"
                } else {
                    "</details>\n"
                };
                events.push(Event::Html(close.into()));
                continue;
            }
            Item::HighlightStart => {
                events.push(Event::InlineHtml("<mark>".into()));
                continue;
            }
            Item::HighlightEnd => {
                events.push(Event::InlineHtml("</mark>".into()));
                continue;
            }
            Item::Tag(name) => {
                events.push(Event::InlineHtml(
                    format!("<span class=\"note-tag\">#{}</span>", escape(&name)).into(),
                ));
                continue;
            }
            Item::BlockId(id) => {
                if cx.embedding.is_empty() && blocks_named.insert(id.clone()) {
                    events.push(Event::InlineHtml(
                        format!("<span id=\"^{}\"></span>", attr(&id)).into(),
                    ));
                }
                continue;
            }
            Item::Embed(embed) => {
                let html = embed_html(&embed, cx, &up, &mut out);
                if embed.is_image() || !in_paragraph {
                    events.push(Event::InlineHtml(html.into()));
                } else {
                    // A note shown in place is blocks: the paragraph around it is split,
                    // and an empty part left out below.
                    events.push(Event::End(TagEnd::Paragraph));
                    events.push(Event::Html(html.into()));
                    events.push(Event::Start(Tag::Paragraph));
                }
                continue;
            }
            Item::UnclosedLink => continue,
        };
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
                let name = target.split('#').next().unwrap_or(&target);
                if crate::model::framework::looks_like_id(&target) && !cx.vault.names_note(name) {
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
                match wiki_href(&target, cx, &up, &mut out) {
                    Some(href) => {
                        events.push(Event::Start(Tag::Link {
                            link_type: LinkType::Inline,
                            dest_url: href.into(),
                            title,
                            id,
                        }));
                        open_links.push(true);
                    }
                    // Refused: the link text stays, as plain text (the check reported it).
                    None => open_links.push(false),
                }
            }
            Event::Start(Tag::Link {
                link_type: LinkType::Email,
                dest_url,
                title,
                id,
            }) => {
                // An address, not a file: the HTML writer adds `mailto:`.
                events.push(Event::Start(Tag::Link {
                    link_type: LinkType::Email,
                    dest_url,
                    title,
                    id,
                }));
                open_links.push(true);
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
            }) => {
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
                    let written_id = match &events[start] {
                        Event::Start(Tag::Heading { id, .. }) => id.as_deref().map(str::to_string),
                        _ => None,
                    };
                    // Every heading takes its id, the dropped title too, so the ids match
                    // the ones the check gave (links to `Note#Heading` use them).
                    let unique = heading_ids.assign(written_id.as_deref().unwrap_or(&text));
                    if !dropped_title && level == HeadingLevel::H2 {
                        dropped_title = true;
                        if cx.title.is_some_and(|t| t.trim() == text.trim()) {
                            events.truncate(start);
                            continue;
                        }
                    }
                    if let Event::Start(Tag::Heading { id, .. }) = &mut events[start] {
                        // An embedded note's headings are the host page's text, with no
                        // ids of their own: the host's own headings have those.
                        *id = cx.embedding.is_empty().then(|| unique.into());
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
            Event::SoftBreak if cx.vault.settings.hard_breaks => events.push(Event::HardBreak),
            Event::Start(Tag::Paragraph) => {
                in_paragraph = true;
                events.push(Event::Start(Tag::Paragraph));
            }
            Event::End(TagEnd::Paragraph) => {
                in_paragraph = false;
                // A paragraph that held only a comment or an embed shows nothing.
                if matches!(events.last(), Some(Event::Start(Tag::Paragraph))) {
                    events.pop();
                } else {
                    events.push(Event::End(TagEnd::Paragraph));
                }
            }
            Event::Start(Tag::CodeBlock(pulldown_cmark::CodeBlockKind::Fenced(lang)))
                if lang.trim().eq_ignore_ascii_case("mermaid") =>
            {
                // Diagrams are not drawn (that would take a script): their source is
                // shown, labelled as what it is.
                in_diagram = true;
                events.push(Event::Html(
                    "<figure class=\"diagram\" role=\"group\" aria-label=\"Mermaid diagram source\"><figcaption>Mermaid diagram (source)</figcaption>\n".into(),
                ));
                events.push(Event::Start(Tag::CodeBlock(
                    pulldown_cmark::CodeBlockKind::Fenced(lang),
                )));
            }
            Event::End(TagEnd::CodeBlock) if in_diagram => {
                in_diagram = false;
                events.push(Event::End(TagEnd::CodeBlock));
                events.push(Event::Html("</figure>\n".into()));
            }
            Event::Html(html) => events.push(Event::Html(demote_raw_headings(html))),
            Event::InlineHtml(html) => events.push(Event::InlineHtml(demote_raw_headings(html))),
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

pub use crate::check::markdown::slugify;

/// Decides what a Markdown link or image points at. Returns the href to write, or
/// `None` when the link is refused (the check reported why).
fn resolve_link(
    dest: &str,
    cx: &Context<'_>,
    up: &str,
    _line: usize,
    out: &mut Rendered,
) -> Option<String> {
    let dest = dest.trim();
    if dest.is_empty() {
        return None;
    }
    if dest.starts_with('#') {
        return Some(dest.to_string());
    }
    if crate::check::evidence::is_external(dest) {
        // External links are kept for the assessor to follow; ammonia drops every scheme
        // but http, https and mailto.
        let scheme = dest.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        return matches!(scheme.as_deref(), Some("http" | "https" | "mailto"))
            .then(|| dest.to_string());
    }
    let (path_part, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    };
    let path_part =
        crate::render::site::percent_decode(path_part.split('?').next().unwrap_or(path_part));
    let target = join_inside(cx.source, &path_part)?;
    if let Some(page) = cx.site.page_for_source(&target) {
        let mut href = format!("{up}{}", crate::render::site::encode_path(page));
        if let Some(f) = fragment {
            href.push('#');
            href.push_str(f);
        }
        return Some(href);
    }
    match cx.site.attachment_state(&target) {
        crate::render::site::Attachment::Inside => file_href(&target, up, out),
        crate::render::site::Attachment::Escapes => None,
        // Obsidian finds a note or file by its name in any folder.
        crate::render::site::Attachment::Missing => {
            let fragment = fragment.map(crate::render::site::percent_decode);
            let found = cx
                .vault
                .resolve_path(cx.source, &path_part, fragment.as_deref());
            resolved_href(found, cx, up, out)
        }
    }
}

/// The href of a file that is not evidence, copied into the site; `None` if it is not
/// inside the portfolio after all.
fn file_href(rel: &str, up: &str, out: &mut Rendered) -> Option<String> {
    out.links.attachments.insert(rel.to_string());
    Some(format!(
        "{up}files/{}",
        crate::render::site::encode_path(rel)
    ))
}

/// Where a `[[target]]` link leads on the site.
fn wiki_href(target: &str, cx: &Context<'_>, up: &str, out: &mut Rendered) -> Option<String> {
    resolved_href(cx.vault.resolve_wiki(cx.source, target), cx, up, out)
}

fn resolved_href(
    found: Result<Resolved, Problem>,
    cx: &Context<'_>,
    up: &str,
    out: &mut Rendered,
) -> Option<String> {
    let (index, anchor) = match found {
        Ok(Resolved {
            target: Target::File(f),
            ..
        }) => {
            return match cx.site.attachment_state(&f) {
                crate::render::site::Attachment::Inside => file_href(&f, up, out),
                _ => None,
            };
        }
        Ok(Resolved {
            target: Target::Note { index, anchor },
            ..
        }) => (index, anchor),
        Err(Problem::MissingAnchor { index, .. }) => (index, None),
        Err(Problem::Missing) => return None,
    };
    let page = cx.site.page_for_source(cx.vault.note_path(index))?;
    let fragment = anchor
        .map(|a| format!("#{}", crate::render::site::encode_path(&a)))
        .unwrap_or_default();
    if cx.embedding.is_empty() && cx.vault.note_path(index) == cx.source && !fragment.is_empty() {
        return Some(fragment);
    }
    Some(format!(
        "{up}{}{fragment}",
        crate::render::site::encode_path(page)
    ))
}

/// `> [!type] Title` as an aside (a note set apart, named by its type and title), or as
/// `<details>` when it folds; the type is always written out, not only shown by colour.
fn callout_open(callout: &Callout) -> String {
    let kind: String = callout
        .kind
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let kind_label = Callout {
        title: String::new(),
        ..callout.clone()
    }
    .label();
    let (heading, label) = if callout.title.is_empty() {
        (
            format!(
                "<span class=\"callout-type\">{}</span>",
                escape(&kind_label)
            ),
            kind_label.clone(),
        )
    } else {
        (
            format!(
                "<span class=\"callout-type\">{}:</span> {}",
                escape(&kind_label),
                escape(&callout.title)
            ),
            format!("{kind_label}: {}", callout.title),
        )
    };
    match callout.fold {
        Fold::None => format!(
            "<aside class=\"callout callout-{kind}\" aria-label=\"{}\">\n<p class=\"callout-title\">{heading}</p>\n",
            attr(&label)
        ),
        Fold::Closed | Fold::Open => format!(
            "<details class=\"callout callout-{kind}\"{}>\n<summary class=\"callout-title\">{heading}</summary>\n",
            if callout.fold == Fold::Open {
                " open"
            } else {
                ""
            }
        ),
    }
}

/// `![[target]]`: an image at its size, a note or one of its sections shown in place
/// (as a link past [`MAX_EMBED_DEPTH`] or in a cycle), another file as a link, or the
/// text as written when nothing has that name.
fn embed_html(embed: &Embed, cx: &Context<'_>, up: &str, out: &mut Rendered) -> String {
    let written = format!("![[{}]]", embed.target);
    let as_written = || format!("<span class=\"embed-missing\">{}</span>", escape(&written));
    let found = cx.vault.resolve_wiki(cx.source, &embed.target);
    let (index, anchor) = match found {
        Ok(Resolved {
            target: Target::File(f),
            ..
        }) => {
            let Some(src) = (match cx.site.attachment_state(&f) {
                crate::render::site::Attachment::Inside => file_href(&f, up, out),
                _ => None,
            }) else {
                return as_written();
            };
            let name = f.rsplit('/').next().unwrap_or(&f);
            if !embed.is_image() {
                return format!("<a href=\"{}\">{}</a>", attr(&src), escape(name));
            }
            let alt = embed.label.clone().unwrap_or_else(|| {
                name.rsplit_once('.')
                    .map_or(name, |(stem, _)| stem)
                    .to_string()
            });
            let mut img = format!("<img src=\"{}\" alt=\"{}\"", attr(&src), attr(&alt));
            if let Some(w) = embed.width {
                let _ = write!(img, " width=\"{w}\"");
            }
            if let Some(h) = embed.height {
                let _ = write!(img, " height=\"{h}\"");
            }
            img.push('>');
            return img;
        }
        Ok(Resolved {
            target: Target::Note { index, anchor },
            ..
        }) => (index, anchor),
        Err(Problem::MissingAnchor { index, .. }) => (index, None),
        Err(Problem::Missing) => return as_written(),
    };
    let path = cx.vault.note_path(index);
    let Some(page) = cx.site.page_for_source(path) else {
        return as_written();
    };
    let href = format!(
        "{up}{}{}",
        crate::render::site::encode_path(page),
        anchor
            .as_deref()
            .map(|a| format!("#{}", crate::render::site::encode_path(a)))
            .unwrap_or_default()
    );
    let name = embed.target.clone();
    let link = format!(
        "<a class=\"embed-link\" href=\"{}\">{}</a>",
        attr(&href),
        escape(&name)
    );
    let self_index = cx
        .site
        .page_for_source(cx.source)
        .and(cx.vault.index_of(cx.source));
    let cycle = cx.embedding.contains(&index) || self_index == Some(index);
    if cycle || cx.embedding.len() >= MAX_EMBED_DEPTH {
        return link;
    }
    let Some(text) = crate::render::pages::note_body(cx.site.root(), path) else {
        return link;
    };
    let (body, first_line) = text;
    let part = match anchor.as_deref() {
        Some(a) => section(&body, a),
        None => &body[..],
    };
    let mut chain: Vec<usize> = cx.embedding.to_vec();
    if let Some(me) = self_index
        && chain.is_empty()
    {
        chain.push(me);
    }
    chain.push(index);
    let inner = render(
        part,
        &Context {
            framework: cx.framework,
            site: cx.site,
            source: path,
            page: cx.page,
            anchors: false,
            report: false,
            title: None,
            first_line,
            vault: cx.vault,
            embedding: &chain,
        },
    );
    out.links.attachments.extend(inner.links.attachments);
    out.links.names.extend(inner.links.names);
    format!(
        "<div class=\"embed\" role=\"group\" aria-label=\"Embedded from {}\">\n{}<p class=\"embed-source\">{link}</p></div>\n",
        attr(&name),
        inner.html
    )
}

/// The part of a note an embed `#anchor` names: from the heading with that id to the next
/// heading as high, or the block whose id it is; the whole note if there is none.
fn section<'t>(body: &'t str, anchor: &str) -> &'t str {
    let mut ids = HeadingIds::default();
    let mut start: Option<(usize, HeadingLevel)> = None;
    let mut blocks: Vec<std::ops::Range<usize>> = Vec::new();
    let mut heading: Option<(usize, HeadingLevel, String, Option<String>)> = None;
    for (item, range) in obsidian::events(body) {
        match item {
            Item::BlockId(id) if anchor.strip_prefix('^') == Some(id.as_str()) => {
                if let Some(block) = blocks.last() {
                    return &body[block.clone()];
                }
            }
            Item::Markdown(Event::Start(Tag::Paragraph | Tag::Item)) => blocks.push(range),
            Item::Markdown(Event::End(TagEnd::Paragraph | TagEnd::Item)) => {
                blocks.pop();
            }
            Item::Markdown(Event::Start(Tag::Heading { level, id, .. })) => {
                if let Some((from, open)) = start
                    && level <= open
                {
                    return &body[from..range.start];
                }
                heading = Some((range.start, level, String::new(), id.map(|i| i.to_string())));
            }
            Item::Markdown(Event::Text(t) | Event::Code(t)) => {
                if let Some((_, _, text, _)) = heading.as_mut() {
                    text.push_str(&t);
                }
            }
            Item::Markdown(Event::End(TagEnd::Heading(_))) => {
                if let Some((at, level, text, written)) = heading.take() {
                    let id = ids.assign(written.as_deref().unwrap_or(&text));
                    if start.is_none() && id == anchor {
                        start = Some((at, level));
                    }
                }
            }
            _ => {}
        }
    }
    match start {
        Some((from, _)) => &body[from..],
        None => body,
    }
}

/// Raw HTML headings one level down, as Markdown ones are: the page's own title is its
/// only `<h1>`. Reads tag names only (`<h1`, `</h1`), in raw HTML events.
fn demote_raw_headings(html: CowStr<'_>) -> CowStr<'_> {
    let bytes = html.as_bytes();
    let is_heading_at = |i: usize| {
        let rest = &bytes[i + 1..];
        let rest = rest.strip_prefix(b"/").unwrap_or(rest);
        rest.len() >= 2
            && rest[0].eq_ignore_ascii_case(&b'h')
            && (b'1'..=b'5').contains(&rest[1])
            && rest.get(2).is_none_or(|b| !b.is_ascii_alphanumeric())
    };
    if !memchr::memchr_iter(b'<', bytes).any(is_heading_at) {
        return html;
    }
    let mut out = bytes.to_vec();
    for i in memchr::memchr_iter(b'<', bytes).filter(|&i| is_heading_at(i)) {
        let digit = if bytes[i + 1] == b'/' { i + 3 } else { i + 2 };
        out[digit] += 1;
    }
    String::from_utf8(out).map_or(html, CowStr::from)
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
        .add_tag_attributes("aside", ["aria-label"])
        .add_tag_attributes("details", ["open"])
        .add_tag_attributes("div", ["role", "aria-label"])
        .add_tag_attributes("figure", ["role", "aria-label"])
        .add_tag_attributes("td", ["align", "style"])
        .add_tag_attributes("th", ["align", "style", "scope"])
        // Table alignment arrives as `style="text-align: …"`; any other property could
        // fetch a URL (`background: url(…)`) when the assessor opens the page.
        .filter_style_properties(["text-align"].into_iter().collect())
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Custom(Box::new(SiteRelative {
            depth,
        })))
        .attribute_filter(|_, attribute, value| match attribute {
            "id" if is_senco_anchor(value) => None,
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
    let path = url.split(['#', '?']).next().unwrap_or("");
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
