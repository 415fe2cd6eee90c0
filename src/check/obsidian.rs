//! Obsidian's syntax on top of CommonMark, as one stream of Markdown events that the
//! check and the renderer both read, so a word counted, a tag found and a passage shown
//! are always the same thing.
//!
//! Everything here works on pulldown-cmark's events, never on the raw text: syntax inside
//! code spans, code blocks, raw HTML and backslash escapes is never interpreted (a text
//! event is read for Obsidian's markers only when it is exactly the source it came from,
//! which an escaped character never is).
//!
//! - `%% comments %%`, inline or across blocks, are removed (the privacy lint reads the
//!   raw bytes, so it still sees them);
//! - `> [!type] Title` quotations are callouts (`[!type]-` folded, `[!type]+` foldable);
//! - `==text==` is a highlight;
//! - `#tag` is a tag, `^block-id` at the end of a block names it;
//! - `![[target]]` is an embed: an image (with `|width` or `|widthxheight`) or a note;
//! - an unclosed `[[` is reported.

use crate::model::portfolio::LineBreaks;
use pulldown_cmark::{CowStr, Event, LinkType, Parser, Tag as MdTag, TagEnd};
use std::collections::VecDeque;
use std::ops::Range;
use std::path::Path;

/// What an Obsidian vault's own settings (`.obsidian/app.json`), or `portfolio.toml`,
/// say about how notes are shown and where their attachments are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Whether the portfolio is an Obsidian vault (it has `.obsidian/`).
    pub is_vault: bool,
    /// Whether a single line break shows as one (Obsidian's default, unless its
    /// "strict line breaks" is on); CommonMark joins the lines.
    pub hard_breaks: bool,
    /// Where new attachments go (`attachmentFolderPath`), `/`-separated, relative to the
    /// vault (`./x` is relative to each note and kept as written).
    pub attachment_folder: Option<String>,
    /// How new links are written (`newLinkFormat`: `shortest`, `relative`, `absolute`).
    /// Links of every format resolve whatever it says; it is kept to tell the trainee.
    pub link_format: Option<String>,
}

impl Settings {
    /// Reads `.obsidian/app.json` in `root` when the portfolio is a vault; `line_breaks`
    /// from `portfolio.toml` wins when given. A settings file that cannot be read or
    /// parsed leaves Obsidian's defaults.
    pub fn load(root: &Path, line_breaks: Option<LineBreaks>) -> Settings {
        let dir = root.join(".obsidian");
        let mut settings = Settings {
            is_vault: dir.is_dir(),
            ..Settings::default()
        };
        if settings.is_vault {
            settings.hard_breaks = true;
            let app = crate::util::fs::read_text_capped(
                &dir.join("app.json"),
                crate::util::fs::MAX_CONFIG_BYTES,
                "settings files",
            )
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
            if let Some(app) = app {
                if let Some(strict) = app.get("strictLineBreaks").and_then(|v| v.as_bool()) {
                    settings.hard_breaks = !strict;
                }
                settings.attachment_folder = app
                    .get("attachmentFolderPath")
                    .and_then(|v| v.as_str())
                    .map(|s| s.trim_matches('/').to_string())
                    .filter(|s| !s.is_empty() && s != ".");
                settings.link_format = app
                    .get("newLinkFormat")
                    .and_then(|v| v.as_str())
                    .map(str::to_string);
            }
        }
        match line_breaks {
            Some(LineBreaks::Obsidian) => settings.hard_breaks = true,
            Some(LineBreaks::Commonmark) => settings.hard_breaks = false,
            None => {}
        }
        settings
    }
}

/// The text Obsidian shows for a link written without its own text: `[[Note#Heading]]`
/// reads "Note > Heading", `[[#Heading]]` "Heading", `[[Note#A#B]]` "Note > A > B".
pub fn link_label(target: &str) -> String {
    target
        .split('#')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" > ")
}

/// How a callout folds: not at all, folded until opened (`-`) or open (`+`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// Not foldable: always open.
    None,
    /// Folded until the reader opens it (`-`).
    Closed,
    /// Foldable, open at first (`+`).
    Open,
}

/// A callout's head: `> [!tip]- Title`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callout {
    /// The type as written, lower-cased (`note`, `tip`, `warning` …).
    pub kind: String,
    /// The title written after the type; empty when there is none.
    pub title: String,
    /// Whether, and how, it folds.
    pub fold: Fold,
}

impl Callout {
    /// What the callout is called on the page: its title, else its type capitalised.
    pub fn label(&self) -> String {
        if self.title.is_empty() {
            let mut chars = self.kind.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        } else {
            self.title.clone()
        }
    }
}

/// `![[target|label]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    /// What is embedded, as written: a file name or path, maybe with `#heading` or
    /// `#^block`.
    pub target: String,
    /// The text after `|`, unless it was a size.
    pub label: Option<String>,
    /// `|100` or `|100x200`.
    pub width: Option<u32>,
    /// `|100x200`: the height.
    pub height: Option<u32>,
}

impl Embed {
    /// Whether the target is an image (by its extension) rather than a note.
    pub fn is_image(&self) -> bool {
        let path = self.target.split('#').next().unwrap_or("");
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        matches!(
            ext.as_deref(),
            Some("png" | "jpg" | "jpeg" | "gif" | "bmp" | "svg" | "webp" | "avif")
        )
    }

    /// Whether the target is a note (no extension, or a Markdown one).
    pub fn is_note(&self) -> bool {
        crate::check::links::looks_like_note(&self.target)
    }
}

/// One piece of a note as Obsidian reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Item<'a> {
    /// A CommonMark event, as pulldown-cmark gave it.
    Markdown(Event<'a>),
    /// Starts a callout; it ends with the [`Item::CalloutEnd`] of its quotation.
    CalloutStart(Callout),
    /// Ends a callout, with how it folded.
    CalloutEnd(Fold),
    /// Starts `==highlighted==` text.
    HighlightStart,
    /// Ends highlighted text.
    HighlightEnd,
    /// `#tag`, without the `#`.
    Tag(String),
    /// `^block-id`, without the `^`: names the block it ends.
    BlockId(String),
    /// `![[…]]`: an image or a note shown in place.
    Embed(Embed),
    /// An `[[` that no `]]` closes; the text itself follows as Markdown.
    UnclosedLink,
}

/// The events of `text`, with Obsidian's syntax read, and where each came from.
pub fn events(text: &str) -> Events<'_> {
    Events {
        source: text,
        inner: Parser::new_ext(text, crate::check::markdown::options()).into_offset_iter(),
        ready: VecDeque::new(),
        quotes: Vec::new(),
        callout_head: None,
        comment: None,
        code: 0,
        link: 0,
        mark: None,
        block_end_pending: None,
    }
}

/// Inside a `%% comment %%`: how many of the elements started inside it are still open
/// (their ends are dropped with them).
#[derive(Debug)]
struct Comment {
    open_inside: usize,
    /// Code blocks started inside it: their text cannot close it.
    code_inside: usize,
}

/// The first line of a callout, `[!type] Title`, which is not shown as text.
#[derive(Debug)]
struct CalloutHead<'a> {
    /// Where the first line ends in the source.
    line_end: usize,
    /// The paragraph that holds the first line, held back until it shows more than it.
    paragraph: Option<(Event<'a>, Range<usize>)>,
}

/// The Obsidian-flavoured reading of a note: pulldown-cmark's events, with callouts,
/// highlights, tags, block ids, embeds and comments found, never inside code.
pub struct Events<'a> {
    source: &'a str,
    inner: pulldown_cmark::OffsetIter<'a>,
    ready: VecDeque<(Item<'a>, Range<usize>)>,
    /// For each open quotation: the fold of its callout, `None` for a plain quotation.
    quotes: Vec<Option<Fold>>,
    callout_head: Option<CalloutHead<'a>>,
    comment: Option<Comment>,
    /// Open code blocks (their text is code, never Obsidian syntax).
    code: usize,
    /// Open links and images (their text is a label: no tags in it).
    link: usize,
    /// While a highlight's `==` waits for its closing one: what came since, held back.
    /// Shown as written if the block ends first.
    mark: Option<Vec<(Item<'a>, Range<usize>)>>,
    /// Text ending in ` ^id`, held until it is known whether the block ends there.
    block_end_pending: Option<(Event<'a>, Range<usize>)>,
}

impl<'a> Iterator for Events<'a> {
    type Item = (Item<'a>, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            match self.inner.next() {
                // Most events go straight out, not through the queue: moving every event
                // of a note in and out of it was a twentieth of a cold check.
                Some((event, range)) if self.passes_through(&event) => {
                    return Some((Item::Markdown(event), range));
                }
                Some((event, range)) => self.read(event, range),
                None => {
                    self.flush_pending(None);
                    self.fail_mark();
                    if self.ready.is_empty() {
                        return None;
                    }
                }
            }
        }
    }
}

/// Where the next inline marker may start in `bytes`, from `from`: at `%%`, `==`, `#tag`
/// or `[[`. Every marker starts with an ASCII byte, which never occurs inside a
/// multi-byte character, so jumping from one candidate byte to the next skips only plain
/// text; memchr looks at a block of bytes at once where a loop over a table of the four
/// looked at one (a twentieth of a cold check of pasted text).
fn next_marker_start(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let other = memchr::memchr3(b'%', b'=', b'#', rest);
    let bracket = match other {
        Some(at) => memchr::memchr(b'[', &rest[..at]),
        None => memchr::memchr(b'[', rest),
    };
    bracket.or(other).map(|at| from + at)
}

impl<'a> Events<'a> {
    /// Whether [`Events::read`] would emit `event` as it came, with nothing held back
    /// to go out before it: no comment, callout title, highlight or block id open, and
    /// an event that is no quotation, code block, link, image or text to read.
    fn passes_through(&self, event: &Event<'a>) -> bool {
        let idle = self.comment.is_none()
            && self.callout_head.is_none()
            && self.mark.is_none()
            && self.block_end_pending.is_none();
        idle && match event {
            Event::Start(
                MdTag::BlockQuote(_)
                | MdTag::CodeBlock(_)
                | MdTag::Link { .. }
                | MdTag::Image { .. },
            )
            | Event::End(
                TagEnd::BlockQuote(_) | TagEnd::CodeBlock | TagEnd::Link | TagEnd::Image,
            ) => false,
            Event::Text(_) => self.code > 0 || self.link > 0,
            _ => true,
        }
    }

    fn emit(&mut self, item: Item<'a>, range: Range<usize>) {
        match self.mark.as_mut() {
            Some(held) => held.push((item, range)),
            None => self.ready.push_back((item, range)),
        }
    }

    /// A highlight opened but never closed in its block: its `==` is text after all.
    fn fail_mark(&mut self) {
        if let Some(held) = self.mark.take() {
            for (item, range) in held {
                let item = match item {
                    Item::HighlightStart => Item::Markdown(Event::Text("==".into())),
                    other => other,
                };
                self.ready.push_back((item, range));
            }
        }
    }

    fn flush_pending(&mut self, next: Option<&Event<'a>>) {
        let Some((event, range)) = self.block_end_pending.take() else {
            return;
        };
        let ends_block = matches!(
            next,
            Some(Event::End(TagEnd::Paragraph | TagEnd::Item) | Event::Start(MdTag::List(_)))
        );
        if let (true, Event::Text(text)) = (ends_block, &event)
            && let Some((before, id)) = split_block_id(text)
        {
            let before = before.to_string();
            if !before.is_empty() {
                self.emit(Item::Markdown(Event::Text(before.into())), range.clone());
            }
            self.emit(Item::BlockId(id.to_string()), range);
            return;
        }
        self.text(event, range);
    }

    fn read(&mut self, event: Event<'a>, range: Range<usize>) {
        self.flush_pending(Some(&event));
        if self.comment.is_some() {
            self.in_comment(event, range);
            return;
        }
        if let Some(head) = self.callout_head.as_mut() {
            match &event {
                Event::Start(MdTag::Paragraph) if head.paragraph.is_none() => {
                    head.paragraph = Some((event, range));
                    return;
                }
                Event::End(TagEnd::Paragraph) if head.paragraph.is_some() => {
                    // The paragraph held nothing but the head.
                    self.callout_head = None;
                    return;
                }
                Event::SoftBreak | Event::HardBreak if range.start >= head.line_end => {
                    self.end_callout_head();
                    return;
                }
                _ if range.start < head.line_end => return,
                _ => self.end_callout_head(),
            }
        }
        match event {
            Event::Start(MdTag::BlockQuote(kind)) => {
                let callout = self.callout_at(range.clone());
                let fold = callout.as_ref().map(|c| c.fold);
                self.quotes.push(fold);
                match callout {
                    Some(callout) => {
                        let line_end = self.source[range.start..range.end]
                            .find('\n')
                            .map_or(range.end, |n| range.start + n);
                        self.callout_head = Some(CalloutHead {
                            line_end,
                            paragraph: None,
                        });
                        self.emit(Item::CalloutStart(callout), range);
                    }
                    None => self.emit(Item::Markdown(Event::Start(MdTag::BlockQuote(kind))), range),
                }
            }
            Event::End(TagEnd::BlockQuote(kind)) => {
                self.fail_mark();
                match self.quotes.pop().flatten() {
                    Some(fold) => self.emit(Item::CalloutEnd(fold), range),
                    None => self.emit(Item::Markdown(Event::End(TagEnd::BlockQuote(kind))), range),
                }
            }
            Event::Start(MdTag::CodeBlock(_)) => {
                self.fail_mark();
                self.code += 1;
                self.emit(Item::Markdown(event), range);
            }
            Event::End(TagEnd::CodeBlock) => {
                self.code = self.code.saturating_sub(1);
                self.emit(Item::Markdown(event), range);
            }
            Event::Start(MdTag::Image {
                link_type: LinkType::WikiLink { has_pothole },
                dest_url,
                ..
            }) => {
                let label = self.image_label();
                let mut embed = Embed {
                    target: dest_url.trim().to_string(),
                    label: None,
                    width: None,
                    height: None,
                };
                if has_pothole {
                    match parse_size(label.trim()) {
                        Some((w, h)) => {
                            embed.width = Some(w);
                            embed.height = h;
                        }
                        None => embed.label = Some(label),
                    }
                }
                self.emit(Item::Embed(embed), range);
            }
            Event::Start(MdTag::Link {
                link_type: link_type @ LinkType::WikiLink { .. },
                dest_url,
                title,
                id,
            }) => {
                self.link += 1;
                // In a table cell `[[Note\|text]]` escapes its `|` from the table; the
                // backslash is no part of the name.
                let dest_url = match dest_url.strip_suffix('\\') {
                    Some(name) => name.to_string().into(),
                    None => dest_url,
                };
                let link = MdTag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                };
                self.emit(Item::Markdown(Event::Start(link)), range);
            }
            Event::Start(MdTag::Link { .. } | MdTag::Image { .. }) => {
                self.link += 1;
                self.emit(Item::Markdown(event), range);
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                self.link = self.link.saturating_sub(1);
                self.emit(Item::Markdown(event), range);
            }
            Event::Text(ref text) if self.code == 0 && self.link == 0 => {
                if split_block_id(text).is_some() && self.is_source(text, &range) {
                    self.block_end_pending = Some((event, range));
                } else {
                    self.text(event, range);
                }
            }
            Event::Start(ref tag) if !is_inline(tag) => {
                self.fail_mark();
                self.emit(Item::Markdown(event), range);
            }
            Event::End(ref end) if !is_inline_end(end) => {
                self.fail_mark();
                self.emit(Item::Markdown(event), range);
            }
            other => self.emit(Item::Markdown(other), range),
        }
    }

    fn end_callout_head(&mut self) {
        if let Some(head) = self.callout_head.take()
            && let Some((event, range)) = head.paragraph
        {
            self.emit(Item::Markdown(event), range);
        }
    }

    /// The alt text of a `![[…]]` image, read up to its end.
    fn image_label(&mut self) -> String {
        let mut label = String::new();
        let mut depth = 1usize;
        for (event, _) in self.inner.by_ref() {
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Event::Text(t) | Event::Code(t) => label.push_str(&t),
                _ => {}
            }
        }
        label
    }

    /// Whether a text event is exactly its source: not an escaped character or an entity.
    fn is_source(&self, text: &str, range: &Range<usize>) -> bool {
        // Borrowed text is the source's own slice: the same address says so at once.
        self.source
            .get(range.clone())
            .is_some_and(|s| std::ptr::eq(s, text) || s == text)
    }

    /// Reads Obsidian's inline markers in one text event.
    fn text(&mut self, event: Event<'a>, range: Range<usize>) {
        let Event::Text(text) = event else {
            self.emit(Item::Markdown(event), range);
            return;
        };
        if self.code > 0 || self.link > 0 || !self.is_source(&text, &range) {
            self.emit(Item::Markdown(Event::Text(text)), range);
            return;
        }
        let at = range.start;
        // The text is the source's own bytes: slices of the source live as long as the
        // events, so plain runs are borrowed, never copied.
        let source: &'a str = self.source;
        let text: &'a str = &source[range.clone()];
        let bytes = text.as_bytes();
        let mut plain_from = 0;
        let mut i = 0;
        while let Some(next) = next_marker_start(bytes, i) {
            i = next;
            let rest = &text[i..];
            if rest.starts_with("%%") {
                self.plain(&text[plain_from..i], at + plain_from);
                match text[i + 2..].find("%%") {
                    Some(close) => {
                        i += 2 + close + 2;
                    }
                    None => {
                        self.comment = Some(Comment {
                            open_inside: 0,
                            code_inside: 0,
                        });
                        return;
                    }
                }
                plain_from = i;
                continue;
            }
            if rest.starts_with("==") {
                let opening = self.mark.is_none()
                    && rest
                        .strip_prefix("==")
                        .and_then(|r| r.chars().next())
                        .is_some_and(|c| !c.is_whitespace());
                let closing = self.mark.is_some()
                    && source[..at + i]
                        .chars()
                        .next_back()
                        .is_some_and(|c| !c.is_whitespace());
                if opening || closing {
                    self.plain(&text[plain_from..i], at + plain_from);
                    if opening {
                        self.ready_mark(at + i..at + i + 2);
                    } else {
                        self.close_mark(at + i..at + i + 2);
                    }
                    i += 2;
                    plain_from = i;
                    continue;
                }
            }
            if rest.starts_with('#') && self.tag_may_start(text, i, at) {
                let len = rest[1..]
                    .char_indices()
                    .find(|(_, c)| !is_tag_char(*c))
                    .map_or(rest.len() - 1, |(n, _)| n);
                let name = &rest[1..1 + len];
                if !name.is_empty() && !name.chars().all(|c| c.is_ascii_digit()) {
                    self.plain(&text[plain_from..i], at + plain_from);
                    self.emit(Item::Tag(name.to_string()), at + i..at + i + 1 + len);
                    i += 1 + len;
                    plain_from = i;
                    continue;
                }
            }
            // Brackets arrive one text event each: look at the source after this one.
            if rest.starts_with('[') && source[at + i..].starts_with("[[") {
                self.emit(Item::UnclosedLink, at + i..at + i + 2);
            }
            i += 1;
        }
        self.plain(&text[plain_from..], at + plain_from);
    }

    fn plain(&mut self, text: &'a str, at: usize) {
        if !text.is_empty() {
            self.emit(
                Item::Markdown(Event::Text(CowStr::Borrowed(text))),
                at..at + text.len(),
            );
        }
    }

    fn ready_mark(&mut self, range: Range<usize>) {
        self.mark = Some(vec![(Item::HighlightStart, range)]);
    }

    fn close_mark(&mut self, range: Range<usize>) {
        if let Some(held) = self.mark.take() {
            self.ready.extend(held);
            self.emit(Item::HighlightEnd, range);
        }
    }

    /// A tag starts at `#` after a space or the start of a line, never inside a word or
    /// a URL (`page#part`).
    fn tag_may_start(&self, text: &str, i: usize, at: usize) -> bool {
        let before = if i > 0 {
            text[..i].chars().next_back()
        } else {
            self.source[..at].chars().next_back()
        };
        before.is_none_or(char::is_whitespace)
    }

    /// Drops what a comment hides, keeping the ends of elements that began before it so
    /// the stream stays well formed.
    fn in_comment(&mut self, event: Event<'a>, range: Range<usize>) {
        let Some(comment) = self.comment.as_mut() else {
            return;
        };
        match event {
            Event::Start(tag) => {
                comment.open_inside += 1;
                comment.code_inside += usize::from(matches!(tag, MdTag::CodeBlock(_)));
            }
            Event::End(end) if comment.open_inside > 0 => {
                comment.open_inside -= 1;
                comment.code_inside -= usize::from(end == TagEnd::CodeBlock);
            }
            Event::End(TagEnd::BlockQuote(kind)) => match self.quotes.pop().flatten() {
                Some(fold) => self.emit(Item::CalloutEnd(fold), range),
                None => self.emit(Item::Markdown(Event::End(TagEnd::BlockQuote(kind))), range),
            },
            Event::End(_) => {
                self.fail_mark();
                self.emit(Item::Markdown(event), range);
            }
            Event::Text(text) if comment.code_inside == 0 => {
                let exact = self.source.get(range.clone()) == Some(text.as_ref());
                if let (true, Some(close)) = (exact, text.find("%%")) {
                    self.comment = None;
                    let after = close + 2;
                    if after < text.len() {
                        let rest = Event::Text(text[after..].to_string().into());
                        self.text(rest, range.start + after..range.end);
                    }
                }
            }
            _ => {}
        }
    }

    /// The callout a quotation starts with, if its first line is `[!type]`.
    fn callout_at(&self, range: Range<usize>) -> Option<Callout> {
        let quoted = self.source.get(range)?;
        let line = quoted.lines().next()?.trim_start();
        let line = line.strip_prefix('>')?.trim_start();
        let rest = line.strip_prefix("[!")?;
        let close = rest.find(']')?;
        let kind = &rest[..close];
        if kind.is_empty()
            || !kind
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        {
            return None;
        }
        let after = &rest[close + 1..];
        let (fold, title) = match after.chars().next() {
            Some('-') => (Fold::Closed, &after[1..]),
            Some('+') => (Fold::Open, &after[1..]),
            _ => (Fold::None, after),
        };
        Some(Callout {
            kind: kind.to_lowercase(),
            title: title.trim().to_string(),
            fold,
        })
    }
}

fn is_tag_char(c: char) -> bool {
    crate::util::text::is_alphanumeric(c) || matches!(c, '_' | '-' | '/')
}

fn is_inline(tag: &MdTag<'_>) -> bool {
    matches!(
        tag,
        MdTag::Emphasis
            | MdTag::Strong
            | MdTag::Strikethrough
            | MdTag::Superscript
            | MdTag::Subscript
            | MdTag::Link { .. }
            | MdTag::Image { .. }
    )
}

fn is_inline_end(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// `text ^block-id` at the end of a block: the text before and the id.
fn split_block_id(text: &str) -> Option<(&str, &str)> {
    let trimmed = text.trim_end();
    // Only the end is looked at: the id runs back from it to its caret.
    let caret = trimmed
        .bytes()
        .rposition(|b| !(b.is_ascii_alphanumeric() || b == b'-'))
        .filter(|&i| trimmed.as_bytes()[i] == b'^')?;
    let id = &trimmed[caret + 1..];
    let before = &trimmed[..caret];
    let valid = !id.is_empty();
    let separated = before.is_empty() || before.ends_with(char::is_whitespace);
    (valid && separated).then(|| (before.trim_end(), id))
}

/// `100` or `100x200`: an image size in pixels.
fn parse_size(text: &str) -> Option<(u32, Option<u32>)> {
    let (w, h) = match text.split_once('x') {
        Some((w, h)) => (w, Some(h)),
        None => (text, None),
    };
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let width = number(w)?;
    match h {
        Some(h) => Some((width, Some(number(h)?))),
        None => Some((width, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The items of `text`, Markdown events written compactly.
    fn items(text: &str) -> Vec<String> {
        events(text)
            .map(|(item, _)| match item {
                Item::Markdown(Event::Text(t)) => format!("text {t}"),
                Item::Markdown(Event::Code(t)) => format!("code {t}"),
                Item::Markdown(Event::Start(t)) => format!("start {t:?}"),
                Item::Markdown(Event::End(t)) => format!("end {t:?}"),
                Item::Markdown(e) => format!("{e:?}"),
                other => format!("{other:?}"),
            })
            .collect()
    }

    fn texts(text: &str) -> String {
        events(text)
            .filter_map(|(item, _)| match item {
                Item::Markdown(Event::Text(t) | Event::Code(t)) => Some(t.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn comments_are_removed_inline_and_across_blocks() {
        assert_eq!(texts("Seen %%hidden%% seen."), "Seen  seen.");
        assert_eq!(
            texts("Before\n\n%%\nPrivate line\n\nPrivate paragraph\n%%\n\nAfter"),
            "BeforeAfter"
        );
        assert_eq!(texts("a %% to the end\n\n- item"), "a ");
    }

    #[test]
    fn code_and_escapes_are_never_interpreted() {
        assert_eq!(texts("`%% kept %%` and ``==x==``"), "%% kept %% and ==x==");
        assert_eq!(texts("```\n%% kept\n```\n\nafter"), "%% kept\nafter");
        assert!(
            !items("\\%% kept %%")
                .iter()
                .any(|i| i.contains("Highlight"))
        );
        assert_eq!(texts("\\%\\% kept \\%\\%"), "%% kept %%");
        assert!(!items("\\#notatag").iter().any(|i| i.starts_with("Tag")));
        let escaped = items("\\[\\[A1.3\\]\\]");
        assert!(
            !escaped.iter().any(|i| i.contains("UnclosedLink")),
            "{escaped:?}"
        );
    }

    #[test]
    fn highlights_pair_within_a_block() {
        let got = items("a ==marked **bold**== b");
        assert!(got.contains(&"HighlightStart".to_string()), "{got:?}");
        assert!(got.contains(&"HighlightEnd".to_string()), "{got:?}");
        // Unclosed, or a comparison: the text as written.
        assert_eq!(texts("x ==y\n\nz=="), "x ==yz==");
        assert!(!items("if a == b").iter().any(|i| i.contains("Highlight")));
    }

    #[test]
    fn callouts_have_a_type_title_and_fold() {
        let got = items("> [!tip]- Next time\n> Ask earlier.\n");
        assert_eq!(
            got[0],
            format!(
                "{:?}",
                Item::CalloutStart(Callout {
                    kind: "tip".into(),
                    title: "Next time".into(),
                    fold: Fold::Closed
                })
            )
        );
        assert_eq!(
            texts("> [!tip]- Next time\n> Ask earlier.\n"),
            "Ask earlier."
        );
        assert!(
            got.last().unwrap().contains("CalloutEnd(Closed)"),
            "{got:?}"
        );
        assert_eq!(texts("> [!NOTE]\n>\n> Body\n"), "Body");
        // A plain quotation stays one.
        assert!(items("> quoted\n")[0].contains("BlockQuote"));
    }

    #[test]
    fn tags_block_ids_and_embeds() {
        let got = items("Read #reading and #year-7/term1, not #1 or page#x.");
        assert!(got.contains(&"Tag(\"reading\")".to_string()), "{got:?}");
        assert!(
            got.contains(&"Tag(\"year-7/term1\")".to_string()),
            "{got:?}"
        );
        assert_eq!(got.iter().filter(|i| i.starts_with("Tag")).count(), 2);
        let got = items("- Review seating. ^agreed\n");
        assert!(got.contains(&"BlockId(\"agreed\")".to_string()), "{got:?}");
        assert_eq!(texts("- Review seating. ^agreed\n"), "Review seating.");
        let got = items("![[plan.png|120]] ![[plan.png|20x10]] ![[Note#Part]]");
        assert!(got[1].contains("width: Some(120), height: None"), "{got:?}");
        assert!(
            got.iter()
                .any(|i| i.contains("width: Some(20), height: Some(10)"))
        );
        assert!(got.iter().any(|i| i.contains("target: \"Note#Part\"")));
    }

    #[test]
    fn an_escaped_bar_in_a_table_cell_is_no_part_of_the_name() {
        let table = "| a |\n|---|\n| [[KS2\\|Key stage 2]] |\n";
        let got = items(table);
        let link = got.iter().find(|i| i.contains("WikiLink")).unwrap();
        assert!(link.contains("(\"KS2\")"), "{link}");
    }

    #[test]
    fn unclosed_wiki_links_are_marked() {
        assert!(items("see [[C1.1 later").contains(&"UnclosedLink".to_string()));
        assert!(!items("see [[C1.1]]").contains(&"UnclosedLink".to_string()));
    }
}
