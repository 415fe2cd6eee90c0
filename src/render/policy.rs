//! The Content-Security-Policy every page senco writes carries, as a `<meta>` tag put in
//! by senco after the theme's template has rendered (so a theme cannot leave it out).
//!
//! No script runs, nothing is fetched from anywhere but the page's own folder (images
//! also from `data:`), no form is sent, and `<base>` cannot redirect relative links. The
//! one script senco ever adds is `senco serve`'s reload script, allowed by its hash in
//! the pages serve sends ([`SERVE`]), never in files on disk.

/// The policy of every file senco writes (site pages, the single file, the dashboard,
/// a pack's cover sheets).
pub const FILES: &str = "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'";

/// The `<meta>` tag holding [`FILES`], as senco writes it.
pub fn meta(policy: &str) -> String {
    format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">")
}

/// Puts the policy's `<meta>` tag into `html`: right after `<head>` when only the
/// doctype and `<html>` come before it, otherwise right after the doctype (or first of
/// all), so that nothing a template puts early can come before it.
pub fn apply(html: &str, policy: &str) -> String {
    let tag = meta(policy);
    let lower = html.to_ascii_lowercase();
    let head_end = lower.find("<head").and_then(|start| {
        let after = lower[start + 5..].chars().next()?;
        (after == '>' || after.is_ascii_whitespace())
            .then(|| lower[start..].find('>').map(|e| start + e + 1))
            .flatten()
    });
    if let Some(end) = head_end {
        let before = &lower[..end];
        let only_frame = before.match_indices('<').all(|(at, _)| {
            let rest = &before[at..];
            rest.starts_with("<!doctype") || rest.starts_with("<html") || rest.starts_with("<head")
        });
        if only_frame {
            return format!("{}{tag}{}", &html[..end], &html[end..]);
        }
    }
    let doctype_end = lower
        .trim_start()
        .starts_with("<!doctype")
        .then(|| lower.find('>').map(|e| e + 1))
        .flatten()
        .unwrap_or(0);
    format!("{}{tag}{}", &html[..doctype_end], &html[doctype_end..])
}

/// Whether CSS could end the `<style>` element it is inlined into.
pub(crate) fn css_closes_style(css: &str) -> bool {
    css.to_ascii_lowercase().contains("</style")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_goes_first_in_the_head() {
        let out = apply(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<title>x</title>",
            FILES,
        );
        assert!(
            out.starts_with(&format!(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head>{}",
                meta(FILES)
            )),
            "{out}"
        );
    }

    #[test]
    fn a_script_before_the_head_cannot_come_first() {
        let out = apply(
            "<!doctype html><script>alert(1)</script><head></head>",
            FILES,
        );
        assert!(
            out.starts_with(&format!("<!doctype html>{}<script>", meta(FILES))),
            "{out}"
        );
        let out = apply("<script>alert(1)</script>", FILES);
        assert!(out.starts_with(&meta(FILES)), "{out}");
        // `<header>` is not `<head>`.
        let out = apply("<!DOCTYPE html><header></header>", FILES);
        assert!(
            out.starts_with(&format!("<!DOCTYPE html>{}", meta(FILES))),
            "{out}"
        );
    }

    #[test]
    fn css_that_closes_its_element_is_caught() {
        assert!(css_closes_style("a{}</STYLE><script>alert(1)</script>"));
        assert!(css_closes_style("</style >"));
        assert!(!css_closes_style("a::after{content:\"<\"}"));
    }
}
