//! Opening a built page in the browser (`--open`).

use std::path::Path;

/// Opens `target` (a file path or an `http://` URL): with the program named in the
/// `BROWSER` environment variable when set (as `man`, `git` and `cargo doc --open` read
/// it), else with the system's opener (`xdg-open`, `open`, `start`) through `opener`.
/// Returns once the browser is started, without waiting for it.
pub fn open(target: &Path) -> std::io::Result<()> {
    if let Some(browser) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        std::process::Command::new(browser)
            .arg(target)
            .stdin(std::process::Stdio::null())
            .spawn()
            .map(drop)
    } else {
        opener::open_browser(target).map_err(std::io::Error::other)
    }
}
