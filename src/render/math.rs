//! Math in evidence (`$x^2$`, `$$\frac{a}{b}$$`) as MathML, which browsers lay out
//! themselves: no script, no web font, nothing fetched.
//!
//! The TeX is someone else's, and the converter's output goes into the page after the
//! sanitiser has run, so it is trusted only once checked: TeX the converter cannot read
//! (its error messages quote the input unescaped) and output holding anything but MathML
//! elements and plain attributes are shown as the source, in a code span.

use pulldown_latex::config::DisplayMode;
use pulldown_latex::{Parser, RenderConfig, Storage};

/// The MathML elements the converter writes, and the only ones let through.
const ELEMENTS: &[&str] = &[
    "math",
    "menclose",
    "merror",
    "mfrac",
    "mi",
    "mlabeledtr",
    "mmultiscripts",
    "mn",
    "mo",
    "mover",
    "mpadded",
    "mphantom",
    "mprescripts",
    "mroot",
    "mrow",
    "ms",
    "mspace",
    "msqrt",
    "mstyle",
    "msub",
    "msubsup",
    "msup",
    "mtable",
    "mtd",
    "mtext",
    "mtr",
    "munder",
    "munderover",
    "none",
];

/// Presentation attributes kept. `style` is dropped: the pages' policy refuses inline
/// styles (colours from `\color`, spacing), and the math reads the same without them.
const ATTRIBUTES: &[&str] = &[
    "accent",
    "accentunder",
    "class",
    "columnalign",
    "columnlines",
    "columnspacing",
    "depth",
    "display",
    "displaystyle",
    "fence",
    "form",
    "height",
    "largeop",
    "linethickness",
    "lspace",
    "mathvariant",
    "maxsize",
    "minsize",
    "movablelimits",
    "notation",
    "rowalign",
    "rowlines",
    "rowspacing",
    "rspace",
    "scriptlevel",
    "separator",
    "stretchy",
    "symmetric",
    "voffset",
    "width",
];

/// The HTML for one piece of math: MathML when the TeX converts cleanly, else the TeX
/// as written in a code span (`class="math-source"`).
pub(crate) fn to_html(tex: &str, display: bool) -> String {
    mathml(tex, display).unwrap_or_else(|| {
        let class = if display {
            "math-source math-display"
        } else {
            "math-source"
        };
        format!(
            "<code class=\"{class}\">{}</code>",
            crate::render::html::escape(tex)
        )
    })
}

fn mathml(tex: &str, display: bool) -> Option<String> {
    let storage = Storage::new();
    let events: Vec<_> = Parser::new(tex, &storage).collect();
    if events.iter().any(Result::is_err) {
        return None;
    }
    let config = RenderConfig {
        display_mode: if display {
            DisplayMode::Block
        } else {
            DisplayMode::Inline
        },
        ..RenderConfig::default()
    };
    let mut out = String::new();
    pulldown_latex::push_mathml(&mut out, events.into_iter(), config).ok()?;
    checked(&out)
}

/// `mathml` with its `style` attributes removed, if it holds only [`ELEMENTS`] with
/// [`ATTRIBUTES`] whose values are plain; `None` otherwise. Braces are written as
/// character references, so no text can read as one of the page's own placeholders.
fn checked(mathml: &str) -> Option<String> {
    let mut out = String::with_capacity(mathml.len());
    let mut rest = mathml;
    while let Some(open) = rest.find('<') {
        push_text(&mut out, &rest[..open])?;
        let after = &rest[open + 1..];
        let close = after.find('>')?;
        let inside = &after[..close];
        rest = &after[close + 1..];
        if let Some(name) = inside.strip_prefix('/') {
            ELEMENTS.contains(&name).then_some(())?;
            out.push_str("</");
            out.push_str(name);
            out.push('>');
            continue;
        }
        let (inside, self_closing) = match inside.strip_suffix('/') {
            Some(inner) => (inner, true),
            None => (inside, false),
        };
        let name_end = inside
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(inside.len());
        let name = &inside[..name_end];
        ELEMENTS.contains(&name).then_some(())?;
        out.push('<');
        out.push_str(name);
        let mut attributes = inside[name_end..].trim_start();
        while !attributes.is_empty() {
            let (key, value_and_rest) = attributes.split_once("=\"")?;
            let (value, after_value) = value_and_rest.split_once('"')?;
            let key = key.trim();
            if value.contains(['<', '>']) {
                return None;
            }
            if key != "style" {
                ATTRIBUTES.contains(&key).then_some(())?;
                out.push_str(&format!(" {key}=\"{}\"", braces(value)));
            }
            attributes = after_value.trim_start();
        }
        out.push_str(if self_closing { "/>" } else { ">" });
    }
    push_text(&mut out, rest)?;
    Some(out)
}

/// Text between tags: it holds no markup but character references.
fn push_text(out: &mut String, text: &str) -> Option<()> {
    if text.contains('>') {
        return None;
    }
    out.push_str(&braces(text));
    Some(())
}

fn braces(text: &str) -> String {
    text.replace('{', "&#123;").replace('}', "&#125;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tex_becomes_mathml_and_display_math_a_block() {
        let inline = to_html(r"\frac{a}{b} + x^2", false);
        assert!(inline.starts_with("<math"), "{inline}");
        assert!(
            inline.contains("<mfrac>") && inline.contains("<msup>"),
            "{inline}"
        );
        let block = to_html(r"\sqrt{2}", true);
        assert!(block.contains("display=\"block\""), "{block}");
    }

    #[test]
    fn what_cannot_be_converted_is_shown_as_written() {
        let html = to_html(r"\unknowncommand{<script>}", false);
        assert_eq!(
            html,
            "<code class=\"math-source\">\\unknowncommand{&lt;script&gt;}</code>"
        );
    }

    #[test]
    fn styles_are_dropped_and_braces_never_read_as_placeholders() {
        let html = to_html(r"\color{red} x + \text{{text}}", false);
        assert!(!html.contains("style="), "{html}");
        assert!(!html.contains("{text}"), "{html}");
    }

    #[test]
    fn anything_but_plain_mathml_is_refused() {
        assert_eq!(checked("<mi>x</mi>").as_deref(), Some("<mi>x</mi>"));
        for bad in [
            "<script>alert(1)</script>",
            "<mi onclick=\"x\">x</mi>",
            "<mi class=\"a\" href=\"javascript:x\">x</mi>",
            "<mi>x</mi>>",
            "<mi class=\"a>b\">x</mi>",
            "<mi",
        ] {
            assert_eq!(checked(bad), None, "{bad}");
        }
        assert_eq!(
            checked("<mi style=\"color: red\" mathvariant=\"normal\">x</mi>").as_deref(),
            Some("<mi mathvariant=\"normal\">x</mi>")
        );
    }
}
