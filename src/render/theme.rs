//! The HTML theme: Tera templates and one stylesheet, embedded from
//! `portfolio-template/theme/`. A portfolio (or a provider) may put its own `theme/`
//! beside `portfolio.toml` to override any template or the CSS, file by file.

use crate::error::FatalError;
use std::path::Path;

pub const STYLESHEET: &str = "senco.css";
pub const TEMPLATES: &[&str] = &[
    "base.html",
    "index.html",
    "evidence.html",
    "outcome.html",
    "matrix.html",
    "gaps.html",
    "diagnostics.html",
    "single.html",
    "cohort.html",
];

pub struct Theme {
    pub tera: tera::Tera,
    pub css: Vec<u8>,
}

fn embedded(name: &str) -> Option<&'static [u8]> {
    crate::author::scaffold::TEMPLATE
        .get_file(format!("theme/{name}"))
        .map(|f| f.contents())
}

/// Loads the theme, preferring files in `override_dir` when it exists.
pub fn load(override_dir: Option<&Path>) -> Result<Theme, FatalError> {
    let read = |name: &str| -> Result<Vec<u8>, FatalError> {
        if let Some(dir) = override_dir {
            let path = dir.join(name);
            if path.exists() {
                return std::fs::read(&path).map_err(|e| {
                    FatalError::io(format!("cannot read theme file {}: {e}", path.display()), e)
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
    Ok(Theme { tera, css })
}
