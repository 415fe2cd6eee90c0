//! Evidence Markdown to safe HTML.
//!
//! Evidence is untrusted input to an assessor's browser. It is rendered with
//! pulldown-cmark, with outcome tags turned into badges and each link's URL made from the
//! target the check resolved it to ([`crate::check::links`]), and the result is
//! sanitised by ammonia: no script, no event handlers, no `javascript:` or `data:` URLs,
//! no iframes, no relative URL that climbs out of the built site. Raw HTML `href` and
//! `src` values are mapped the same way, attribute by attribute, by the sanitiser's
//! attribute filter: the HTML is never rewritten as text. Tag badges are inserted after
//! sanitising, through placeholders that evidence text cannot forge.
//!
//! The same code renders for the site (a page per file) and for the single-file
//! portfolio ([`Mode::Single`]: ids prefixed per section, links in-page, images inline).

use crate::check::evidence::Evidence;
use crate::check::links::is_remote;
use crate::check::links::{self as resolved, LinkKind, Target};
use crate::check::markdown::{HeadingIds, Nesting, Step, footnote_id, is_senco_anchor};
use crate::check::obsidian::{self, Callout, Embed, Fold, Item};
use crate::model::framework::Framework;
use crate::render::site::{SiteMap, encode_path};
use crate::util::path::RelPath;
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Tag, TagEnd};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Marks a badge placeholder in the HTML handed to the sanitiser. A private-use
/// character, removed from evidence text before rendering.
const MARK: char = '\u{E000}';

/// Marks, in a URL handed to the sanitiser, one that senco made from a resolved target
/// (so the attribute filter keeps it) rather than raw HTML from evidence: [`MARK`] as
/// pulldown-cmark writes it in an `href`. Raw HTML can spell it too; what follows it
/// still has to pass the sanitiser's URL rules.
const MINE: &str = "%EE%80%80";

/// What rendering one piece of Markdown produced.
#[derive(Debug, Default)]
pub struct Rendered {
    /// The sanitised HTML.
    pub html: String,
    /// What it links to.
    pub links: Links,
}

/// What rendered Markdown links to, found while rendering it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// Files inside the portfolio the HTML links to, relative to the portfolio, to copy.
    pub attachments: BTreeSet<String>,
    /// The `[[name]]` links looked up by name, as [`resolved::wiki_key`]s: the HTML
    /// changes when one of these names comes to mean another file (a title was edited).
    pub names: BTreeSet<String>,
    /// The evidence files shown in place by embeds (`![[Note]]`), relative to the
    /// portfolio: the HTML changes when one of them does.
    pub embedded: BTreeSet<String>,
}

impl Links {
    /// Adds what `other` links to.
    pub fn extend(&mut self, other: Links) {
        self.attachments.extend(other.attachments);
        self.names.extend(other.names);
        self.embedded.extend(other.embedded);
    }
}

/// Where the HTML goes.
#[derive(Clone, Copy)]
pub enum Mode<'a> {
    /// A page of the site.
    Site,
    /// A section of the single-file portfolio.
    Single {
        /// Prefix of every id in the section (each section has its own `tag-0`).
        prefix: &'a str,
        /// Where the built site's `files/` folder is, relative to the single file.
        attachments: &'a str,
        /// An image attachment as a `data:` URL, if it may be inlined.
        inline: &'a (dyn Fn(&RelPath) -> Option<String> + Sync),
    },
}

/// Where the Markdown comes from and where its HTML goes.
pub struct Context<'a> {
    /// The framework whose ids are tags.
    pub framework: &'a Framework,
    /// Where every evidence file's page is.
    pub site: &'a SiteMap,
    /// The evidence file's path relative to the portfolio (links resolve from its folder).
    pub source: &'a str,
    /// The page's path relative to the site root (links are written relative to it).
    pub page: &'a str,
    /// What each link of the source file points at, as the check resolved it.
    pub links: &'a resolved::Links,
    /// The site or the single file.
    pub mode: Mode<'a>,
    /// Whether tag badges carry `id="tag-N"` anchors (only on the evidence page itself).
    pub anchors: bool,
    /// Drop the first level-one heading when it repeats this title.
    pub title: Option<&'a str>,
    /// 1-based line of the Markdown's first line in the file, for diagnostics.
    pub first_line: usize,
    /// Every evidence file of the portfolio, by the site's index: an embedded note is
    /// rendered with its own resolved links.
    pub notes: &'a [Evidence],
    /// Whether a single line break shows as one, as Obsidian shows it
    /// ([`crate::check::obsidian::Settings`]).
    pub hard_breaks: bool,
    /// The notes whose embeds led here, outermost first: an embed of one of them, or one
    /// more than [`MAX_EMBED_DEPTH`] deep, is a link instead.
    pub embedding: &'a [usize],
}

/// How deep notes are embedded in notes before an embed becomes a link.
pub const MAX_EMBED_DEPTH: usize = 3;

struct Badge {
    html: String,
}

/// Renders evidence Markdown as sanitised HTML for a page of the site or a section of
/// the single file: tags become badges, links the URLs of the targets the check resolved.
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
    // The text Obsidian shows for `[[Note#Heading]]` ("Note > Heading"), until the link's
    // own text has been replaced by it.
    let mut relabel: Option<Option<String>> = None;
    let mut heading: Option<(usize, HeadingLevel)> = None;
    let mut dropped_title = cx.title.is_none();
    let mut heading_ids = HeadingIds::default();
    // For each open link: whether it was written (true) or refused and written as a span.
    let mut open_links: Vec<bool> = Vec::new();
    // For each open image: whether it was remote and is written as a link.
    let mut remote_images: Vec<bool> = Vec::new();

    let mut blocks_named: BTreeSet<String> = BTreeSet::new();
    let mut in_paragraph = false;
    let mut in_diagram = false;
    for (item, _) in obsidian::events(&markdown) {
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
                        format!(
                            "<span id=\"{}\"></span>",
                            attr(&resolved::block_anchor(&id))
                        )
                        .into(),
                    ));
                }
                continue;
            }
            Item::Embed(embed) => {
                let html = embed_html(&embed, cx, &up, &mut out.links);
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
        if let Some(label) = &mut relabel {
            match &event {
                Event::Text(_) | Event::Code(_) => {
                    if let Some(label) = label.take() {
                        events.push(Event::Text(label.into()));
                    }
                    continue;
                }
                Event::End(TagEnd::Link) => relabel = None,
                _ => {}
            }
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
                    let anchor = match (cx.anchors, cx.mode) {
                        (false, _) => String::new(),
                        (true, Mode::Site) => format!(" id=\"tag-{inline_index}\""),
                        (true, Mode::Single { prefix, .. }) => {
                            format!(" id=\"{}-tag-{inline_index}\"", attr(prefix))
                        }
                    };
                    inline_index += 1;
                    let page = format!("outcomes/{}.html", node.id);
                    let href = match cx.mode {
                        Mode::Site => format!("{up}{}", encode_path(&page)),
                        Mode::Single { .. } => format!("#{}", single_anchor(&page)),
                    };
                    let mut html = format!(
                        "<a class=\"tag\"{anchor} href=\"{}\" title=\"{}\"><span class=\"tag-id\">{}</span>{{text}}</a>",
                        attr(&href),
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
                let href = url_for(cx, &up, LinkKind::Wiki, &target, &mut out.links);
                out.links.names.insert(resolved::wiki_key(&target));
                if href.is_none() && crate::model::framework::looks_like_id(&target) {
                    badges.push(Badge {
                        html: format!(
                            "<span class=\"tag tag-unknown\">[[{}]]</span>{{text}}",
                            escape(&target)
                        ),
                    });
                    skip_link_text = 1;
                    continue;
                }
                if !has_pothole && target.contains('#') {
                    relabel = Some(Some(crate::check::obsidian::link_label(&target)));
                }
                match href {
                    Some(href) => {
                        events.push(Event::Start(Tag::Link {
                            link_type: LinkType::Inline,
                            dest_url: href.into(),
                            title,
                            id,
                        }));
                        open_links.push(true);
                    }
                    // Refused: the link text stays, as plain text.
                    None => open_links.push(false),
                }
            }
            Event::InlineMath(ref tex) | Event::DisplayMath(ref tex) => {
                let display = matches!(event, Event::DisplayMath(_));
                badges.push(Badge {
                    html: crate::render::math::to_html(tex, display),
                });
                events.push(Event::InlineHtml(CowStr::from(format!(
                    "{MARK}{}{MARK}",
                    badges.len() - 1
                ))));
            }
            // An address (`<x@y.org>`): the HTML writer makes it a `mailto:` link.
            Event::Start(
                link @ Tag::Link {
                    link_type: LinkType::Email,
                    ..
                },
            ) => {
                events.push(Event::Start(link));
                open_links.push(true);
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let href = url_for(cx, &up, LinkKind::Link, &dest_url, &mut out.links);
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
                // portfolio, and when: it becomes a link the assessor may follow (the
                // check warns of it).
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
                let src = url_for(cx, &up, LinkKind::Image, &dest_url, &mut out.links)
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
            Event::SoftBreak if cx.hard_breaks => events.push(Event::HardBreak),
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
    let filter = FilterContext {
        prefix: match cx.mode {
            Mode::Site => None,
            Mode::Single { prefix, .. } => Some(prefix.to_string()),
        },
        raw: raw_html_urls(cx, &up, &mut out.links),
    };
    let clean = sanitise(&raw, cx.site.depth(cx.page), cx.mode, filter);
    out.html = finish(&clean, &badges);
    out
}

/// The URL a link written as `dest` in the source file is given, from the target the
/// check resolved it to; `None` when it is not followed. Marked as [`MINE`] for the
/// sanitiser's attribute filter.
fn url_for(
    cx: &Context<'_>,
    up: &str,
    kind: LinkKind,
    dest: &str,
    links: &mut Links,
) -> Option<String> {
    let target = cx.links.get(&(kind, dest.to_string()))?;
    target_url(cx, up, target, kind == LinkKind::Image, links).map(|url| format!("{MINE}{url}"))
}

/// The URL of a resolved target on this page (`image`: for an `src`, which the single
/// file inlines). Attachments it links to are added to `links`.
fn target_url(
    cx: &Context<'_>,
    up: &str,
    target: &Target,
    image: bool,
    links: &mut Links,
) -> Option<String> {
    Some(match (target, cx.mode) {
        (Target::Anchor(a), Mode::Site) => format!("#{a}"),
        (Target::Anchor(a), Mode::Single { prefix, .. }) => format!("#{prefix}-{a}"),
        (Target::Evidence { path, anchor }, mode) => {
            let page = cx.site.page_for_source(path.as_str())?;
            match (mode, anchor) {
                (Mode::Site, None) => format!("{up}{}", encode_path(page)),
                (Mode::Site, Some(f)) => format!("{up}{}#{f}", encode_path(page)),
                (Mode::Single { .. }, None) => format!("#{}", single_anchor(page)),
                (Mode::Single { .. }, Some(f)) => format!("#{}-{f}", single_anchor(page)),
            }
        }
        (Target::Attachment(path), mode) => {
            links.attachments.insert(path.to_string());
            let file = format!("files/{}", encode_path(path.as_str()));
            match mode {
                Mode::Site => format!("{up}{file}"),
                Mode::Single {
                    attachments,
                    inline,
                    ..
                } => image
                    .then(|| inline(path))
                    .flatten()
                    .unwrap_or_else(|| format!("{attachments}{file}")),
            }
        }
        (Target::External(url), _) => url.clone(),
        (Target::Broken(_), _) => return None,
    })
}

/// The URLs raw HTML `href` and `src` values of the source file are given, as the
/// filter maps them: by value as written, for an `href` and for an `src`.
fn raw_html_urls(cx: &Context<'_>, up: &str, links: &mut Links) -> RawUrls {
    cx.links
        .iter()
        .filter(|((kind, _), _)| *kind == LinkKind::Html)
        .map(|((_, dest), target)| {
            let href = target_url(cx, up, target, false, links);
            let src = target_url(cx, up, target, true, links);
            (dest.clone(), (href, src))
        })
        .collect()
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
/// text as written when it leads nowhere (the check reported why).
fn embed_html(embed: &Embed, cx: &Context<'_>, up: &str, links: &mut Links) -> String {
    let written = format!("![[{}]]", embed.target);
    let as_written = || format!("<span class=\"embed-missing\">{}</span>", escape(&written));
    let Some(target) = cx.links.get(&(LinkKind::Embed, embed.target.clone())) else {
        return as_written();
    };
    let (path, anchor) = match target {
        Target::Attachment(path) => {
            let Some(src) = target_url(cx, up, target, embed.is_image(), links) else {
                return as_written();
            };
            let name = path.file_name();
            if !embed.is_image() {
                return format!("<a href=\"{MINE}{}\">{}</a>", attr(&src), escape(name));
            }
            let alt = embed.label.clone().unwrap_or_else(|| {
                name.rsplit_once('.')
                    .map_or(name, |(stem, _)| stem)
                    .to_string()
            });
            let mut img = format!("<img src=\"{MINE}{}\" alt=\"{}\"", attr(&src), attr(&alt));
            if let Some(w) = embed.width {
                let _ = write!(img, " width=\"{w}\"");
            }
            if let Some(h) = embed.height {
                let _ = write!(img, " height=\"{h}\"");
            }
            img.push('>');
            return img;
        }
        Target::Evidence { path, anchor } => (path, anchor),
        _ => return as_written(),
    };
    let Some(href) = target_url(cx, up, target, false, links) else {
        return as_written();
    };
    let name = embed.label.clone().unwrap_or_else(|| embed.target.clone());
    let link = format!(
        "<a class=\"embed-link\" href=\"{MINE}{}\">{}</a>",
        attr(&href),
        escape(&name)
    );
    let Some(index) = cx.site.index_of(path.as_str()) else {
        return link;
    };
    let self_index = cx.site.index_of(cx.source);
    let cycle = cx.embedding.contains(&index) || self_index == Some(index);
    let Some(note) = cx.notes.get(index) else {
        return link;
    };
    if cycle || cx.embedding.len() >= MAX_EMBED_DEPTH {
        return link;
    }
    let Some((body, first_line)) = crate::render::pages::note_body(cx.site.root(), note) else {
        return link;
    };
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
            source: &note.path,
            page: cx.page,
            links: &note.links,
            mode: cx.mode,
            anchors: false,
            title: None,
            first_line,
            notes: cx.notes,
            hard_breaks: cx.hard_breaks,
            embedding: &chain,
        },
    );
    links.extend(inner.links);
    links.embedded.insert(note.path.clone());
    format!(
        "<div class=\"embed\" role=\"group\" aria-label=\"Embedded from {}\">\n{}<p class=\"embed-source\">{link}</p></div>\n",
        attr(&name),
        inner.html
    )
}

/// The part of a note an embed's anchor names: from the heading with that id to the
/// next heading as high, or the block whose id it is; the whole note if there is none.
fn section<'t>(body: &'t str, anchor: &str) -> &'t str {
    let mut ids = HeadingIds::default();
    let mut start: Option<(usize, HeadingLevel)> = None;
    let mut blocks: Vec<std::ops::Range<usize>> = Vec::new();
    let mut heading: Option<(usize, HeadingLevel, String, Option<String>)> = None;
    for (item, range) in obsidian::events(body) {
        match item {
            Item::BlockId(id) if resolved::block_anchor(&id) == anchor => {
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

/// The anchor of a page of the site inside the single file.
pub(crate) fn single_anchor(page: &str) -> String {
    format!("page-{}", slugify(page.trim_end_matches(".html")))
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

/// A heading id or anchor: lower-case words joined by `-`.
pub use crate::util::text::slug as slugify;

/// Raw HTML `href` and `src` values, as written, and the URL each is given in an
/// `href` and in an `src` (`None`: dropped).
type RawUrls = std::collections::HashMap<String, (Option<String>, Option<String>)>;

/// What the sanitiser's attribute filter needs to know of the Markdown being cleaned.
#[derive(Default)]
struct FilterContext {
    /// The single file's section prefix for ids and fragments.
    prefix: Option<String>,
    raw: RawUrls,
}

thread_local! {
    /// Sanitisers by page depth, made once per thread: setting one up allocates every
    /// allow-list, which cost more than cleaning a short quoted passage.
    static SANITISERS: std::cell::RefCell<Vec<Option<ammonia::Builder<'static>>>> =
        const { std::cell::RefCell::new(Vec::new()) };
    /// The single file's sanitiser, with the attachments prefix it was made for.
    static SINGLE: std::cell::RefCell<Option<(String, ammonia::Builder<'static>)>> =
        const { std::cell::RefCell::new(None) };
    /// The context of the clean running on this thread, for the attribute filter.
    static CURRENT: std::cell::RefCell<FilterContext> =
        std::cell::RefCell::new(FilterContext::default());
}

fn sanitise(raw: &str, depth: usize, mode: Mode<'_>, filter: FilterContext) -> String {
    CURRENT.set(filter);
    let clean = match mode {
        Mode::Site => SANITISERS.with_borrow_mut(|by_depth| {
            if by_depth.len() <= depth {
                by_depth.resize_with(depth + 1, || None);
            }
            by_depth[depth]
                .get_or_insert_with(|| sanitiser(Relative::Site { depth }))
                .clean(raw)
                .to_string()
        }),
        Mode::Single { attachments, .. } => SINGLE.with_borrow_mut(|single| {
            if single
                .as_ref()
                .is_none_or(|(made_for, _)| made_for != attachments)
            {
                let relative = Relative::Single {
                    attachments: attachments.to_string(),
                };
                *single = Some((attachments.to_string(), sanitiser(relative)));
            }
            match single {
                Some((_, builder)) => builder.clean(raw).to_string(),
                None => String::new(),
            }
        }),
    };
    CURRENT.take();
    scrolling_tables(clean)
}

/// Puts each table of sanitised evidence in its own labelled scroll region, so that a
/// wide table scrolls by itself and never the page (WCAG 1.4.10). Done on ammonia's
/// output, where `<table>` can only be a table: text arrives escaped, and tables carry no
/// attributes.
fn scrolling_tables(clean: String) -> String {
    if !clean.contains("<table>") {
        return clean;
    }
    let mut out = String::with_capacity(clean.len() + 128);
    let mut number = 0;
    let mut rest = clean.as_str();
    while let Some(at) = rest.find("<table>") {
        number += 1;
        out.push_str(&rest[..at]);
        out.push_str(&format!(
            "<div class=\"table-scroll\" role=\"region\" aria-label=\"Table {number}\" tabindex=\"0\"><table>"
        ));
        rest = &rest[at + "<table>".len()..];
    }
    out.push_str(rest);
    out.replace("</table>", "</table></div>")
}

/// The ammonia configuration for evidence. `relative` says which relative URLs may stay:
/// none that climb out of the built site.
fn sanitiser(relative: Relative) -> ammonia::Builder<'static> {
    let mut schemes: std::collections::HashSet<&str> =
        ["http", "https", "mailto"].into_iter().collect();
    if matches!(relative, Relative::Single { .. }) {
        // Only the attribute filter's own `data:image/…` URLs get this far.
        schemes.insert("data");
    }
    let mut b = ammonia::Builder::default();
    b.add_tags(["input", "section"])
        .add_generic_attributes(["id", "class"])
        .add_tag_attributes("input", ["type", "checked", "disabled", "aria-label"])
        .add_tag_attributes("a", ["title"])
        .add_tag_attributes("aside", ["aria-label"])
        .add_tag_attributes("details", ["open"])
        .add_tag_attributes("div", ["role", "aria-label"])
        .add_tag_attributes("figure", ["role", "aria-label"])
        .add_tag_attributes("img", ["width", "height"])
        .add_tag_attributes("td", ["align", "style"])
        .add_tag_attributes("th", ["align", "style", "scope"])
        // Table alignment arrives as `style="text-align: …"`; any other property could
        // fetch a URL (`background: url(…)`) when the assessor opens the page.
        .filter_style_properties(["text-align"].into_iter().collect())
        .url_schemes(schemes)
        .url_relative(ammonia::UrlRelative::Custom(Box::new(relative)))
        .attribute_filter(filter_attribute);
    b.rm_clean_content_tags(["style"])
        .add_clean_content_tags(["style", "svg", "math"]);
    b.rm_tags(["style"]);
    b
}

/// Every attribute the sanitiser keeps passes here first (before its URL rules):
/// reserved ids are dropped, ids and fragments get the single file's section prefix,
/// and `href` and `src` values become the URLs of their resolved targets.
fn filter_attribute<'v>(element: &str, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
    match attribute {
        "id" if is_senco_anchor(value) => None,
        "id" => CURRENT.with_borrow(|c| match &c.prefix {
            Some(prefix) => Some(Cow::Owned(format!("{prefix}-{value}"))),
            None => Some(Cow::Borrowed(value)),
        }),
        "style" => alignment(value).map(|a| Cow::Owned(format!("text-align:{a}"))),
        // Nothing on a page is fetched from the internet: raw images keep their alt.
        "src" if element == "img" && is_remote(value) => None,
        "srcset" if element == "img" && value.contains("//") => None,
        "href" | "src" => map_url(element, attribute, value),
        _ => Some(Cow::Borrowed(value)),
    }
}

/// An `href` or `src`: senco's own URLs (marked [`MINE`]) as they are; fragments
/// prefixed in the single file; raw HTML's relative URLs as the check resolved them
/// from the evidence file; anything else to the sanitiser's scheme rules.
fn map_url<'v>(element: &str, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
    if let Some(mine) = value.strip_prefix(MINE) {
        let inlined = element == "img" && attribute == "src" && mine.starts_with("data:image/");
        return (!is_data(mine) || inlined).then_some(Cow::Borrowed(mine));
    }
    if is_data(value) {
        return None;
    }
    if let Some(fragment) = value.strip_prefix('#') {
        return CURRENT.with_borrow(|c| match &c.prefix {
            Some(prefix) => Some(Cow::Owned(format!("#{prefix}-{fragment}"))),
            None => Some(Cow::Borrowed(value)),
        });
    }
    if has_scheme(value) {
        return Some(Cow::Borrowed(value));
    }
    CURRENT.with_borrow(|c| {
        let (href, src) = c.raw.get(value)?;
        let url = if attribute == "src" { src } else { href };
        url.clone().map(Cow::Owned)
    })
}

/// Whether a URL is a `data:` URL as a browser reads it (case, and the tabs, line
/// breaks and leading spaces it ignores, do not hide it).
fn is_data(url: &str) -> bool {
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .take(5)
        .collect();
    cleaned.eq_ignore_ascii_case("data:")
}

/// Whether a URL starts with a scheme (`x:`), so is not a path.
fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
    })
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

/// Which relative URLs may stay, where the HTML goes: those that stay inside the built
/// site, or in the single file its fragments and the attachments beside it.
enum Relative {
    Site { depth: usize },
    Single { attachments: String },
}

impl ammonia::UrlRelativeEvaluate<'static> for Relative {
    fn evaluate<'url>(&self, url: &'url str) -> Option<Cow<'url, str>> {
        let keep = match self {
            Relative::Site { depth } => stays_in_site(url, *depth),
            Relative::Single { attachments } => {
                url.starts_with('#')
                    || url
                        .strip_prefix(attachments.as_str())
                        .and_then(|rest| rest.strip_prefix("files/"))
                        .is_some_and(|rest| {
                            !rest.contains('\\') && !rest.split('/').any(|s| s == ".." || s == ".")
                        })
            }
        };
        keep.then_some(Cow::Borrowed(url))
    }
}

/// Is a relative URL on a page `depth` folders deep one that senco wrote: a fragment, or a
/// path from the site root into its own folders? Every link senco writes is one (raw
/// HTML's included, mapped by the attribute filter first), so any other one could only
/// dangle or climb out of the site: it is dropped.
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

/// `text` with `&`, `<`, `>`, `"` and `'` escaped for HTML text and attributes.
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
        let clean = |raw: &str| sanitise(raw, 1, Mode::Site, FilterContext::default());
        assert_eq!(
            clean("<table><tr><td style=\"text-align: right\">x</td></tr></table>"),
            "<div class=\"table-scroll\" role=\"region\" aria-label=\"Table 1\" tabindex=\"0\"><table><tbody><tr><td style=\"text-align:right\">x</td></tr></tbody></table></div>"
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
