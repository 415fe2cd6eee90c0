//! The HTML theme: Tera templates and one stylesheet, embedded from
//! `portfolio-template/theme/`. A portfolio may put its own `theme/` beside
//! `portfolio.toml` to override any template or the CSS, file by file; that theme is the
//! trainee's code, so only `senco build` and `senco serve` of that portfolio use it.
//! `senco cohort` and `senco pack` use the built-in theme or one the tutor or provider
//! names with `--theme DIR`.
//!
//! Theme files are read like everything else from a stranger's folder: inside the theme
//! folder (symlinks followed), regular files, at most [`MAX_THEME_FILE_BYTES`]; and CSS
//! that could close the `<style>` element it is inlined into is refused.

use crate::error::FatalError;
use std::path::Path;

pub(crate) const STYLESHEET: &str = "senco.css";
pub(crate) const TEMPLATES: &[&str] = &[
    "base.html",
    "index.html",
    "evidence.html",
    "outcome.html",
    "matrix.html",
    "gaps.html",
    "progress.html",
    "diagnostics.html",
    "single.html",
    "cohort.html",
    "judgements.html",
];

/// The templates and stylesheet every page is written with.
pub struct Theme {
    pub(crate) tera: tera::Tera,
    /// The stylesheet, written to `assets/senco.css`.
    pub css: Vec<u8>,
}

/// The built-in theme: render's own files, kept beside the starter portfolio (which
/// `senco init` does not copy it from).
static BUILT_IN: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/portfolio-template/theme");

fn embedded(name: &str) -> Option<&'static [u8]> {
    BUILT_IN.get_file(name).map(|f| f.contents())
}

/// The largest template or stylesheet read from a theme folder.
pub(crate) const MAX_THEME_FILE_BYTES: u64 = crate::util::fs::MAX_CONFIG_BYTES;

/// The theme of the portfolio at `root`: its own `theme/` folder over the built-in one.
/// For `senco build` and `senco serve` of that portfolio only.
pub fn of_portfolio(root: &Path) -> Result<Theme, FatalError> {
    let dir = root.join("theme");
    load(dir.is_dir().then_some(dir.as_path()))
}

/// Loads the theme, preferring files in `override_dir` when it exists.
pub fn load(override_dir: Option<&Path>) -> Result<Theme, FatalError> {
    let canonical_dir = match override_dir {
        Some(dir) => Some(std::fs::canonicalize(dir).map_err(|e| {
            FatalError::invalid(format!("cannot open theme folder {}: {e}", dir.display()))
        })?),
        None => None,
    };
    let read = |name: &str| -> Result<Vec<u8>, FatalError> {
        if let (Some(dir), Some(canonical)) = (override_dir, &canonical_dir) {
            let path = dir.join(name);
            if path.symlink_metadata().is_ok() {
                return crate::util::fs::read_inside(
                    canonical,
                    name,
                    MAX_THEME_FILE_BYTES,
                    "theme files",
                )
                .map_err(|e| {
                    FatalError::invalid(format!("cannot read theme file {}: {e}", path.display()))
                        .with_help("a theme file is a template or stylesheet inside the theme folder; remove it to use the built-in one")
                });
            }
        }
        embedded(name)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| FatalError::not_found(format!("the built-in theme has no `{name}`")))
    };
    let mut sources = Vec::new();
    for name in TEMPLATES {
        let bytes = read(name)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| FatalError::invalid(format!("theme template `{name}` is not UTF-8")))?;
        sources.push((*name, text));
    }
    let mut tera = tera::Tera::new();
    tera.autoescape_on(vec![".html"]);
    tera.add_raw_templates(sources.iter().map(|(n, t)| (*n, t.as_str())))
        .map_err(|e| {
            FatalError::invalid(format!("theme templates do not compile: {e}"))
                .with_help("fix the template named above in your theme/ folder, or remove it to use the built-in one")
        })?;
    let css = read(STYLESHEET)?;
    if super::policy::css_closes_style(&String::from_utf8_lossy(&css)) {
        return Err(FatalError::invalid(format!(
            "theme stylesheet {STYLESHEET} contains `</style`, which would end the style element it is put in"
        ))
        .with_help("remove it from the stylesheet; CSS never needs it"));
    }
    Ok(Theme { tera, css })
}
