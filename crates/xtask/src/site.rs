//! The last step of every site build (Trunk's `post_build` hook runs
//! `cargo xtask finish-site` on its staging directory):
//!
//! - a Content-Security-Policy meta tag: only this origin, wasm allowed,
//!   and Trunk's inline start-up script allowed by its hash (it changes
//!   with every build, hence computed here);
//! - `sw.js`, the service worker, with the list of every file of the site
//!   to cache on the first visit and a version that changes with any file,
//!   so the next visit picks an update up.

use std::path::Path;

use anyhow::{Context, Result};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The policy, with `{scripts}` for the inline scripts' hashes.
const POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {scripts}; \
style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; \
connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'";

const WORKER: &str = include_str!("../../../web/sw.js");

/// The inline `<script>` bodies of `html`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find("<script") {
        let after = &rest[open..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_start = tag_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            out.push(&after[body_start..body_start + close]);
        }
        rest = &after[body_start + close..];
    }
    out
}

fn sha256_b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// `html` with the policy meta tag after `<meta charset>`.
pub fn with_policy(html: &str) -> String {
    let scripts: Vec<String> = inline_scripts(html)
        .into_iter()
        .map(|s| format!("'sha256-{}'", sha256_b64(s.as_bytes())))
        .collect();
    let policy = POLICY.replace("{scripts}", &scripts.join(" "));
    let meta = format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">");
    let html = remove_policy(html);
    match html.find("<meta charset=\"utf-8\">") {
        Some(i) => {
            let at = i + "<meta charset=\"utf-8\">".len();
            format!("{}\n  {meta}{}", &html[..at], &html[at..])
        }
        None => html.replacen("<head>", &format!("<head>\n  {meta}"), 1),
    }
}

/// A rebuild (trunk serve) must not stack two policies.
fn remove_policy(html: &str) -> String {
    let key = "<meta http-equiv=\"Content-Security-Policy\"";
    match html.find(key) {
        Some(i) => {
            let end = html[i..].find('>').map_or(html.len(), |e| i + e + 1);
            format!(
                "{}{}",
                html[..i].trim_end_matches([' ', '\n']),
                &html[end..]
            )
        }
        None => html.to_string(),
    }
}

/// The service worker for a site whose files are `files` (paths relative
/// to the site's root, `/`-separated) with `version`.
pub fn worker(files: &[String], version: &str, pglite_version: &str) -> String {
    let list = files
        .iter()
        .map(|f| format!("  \"./{f}\","))
        .collect::<Vec<_>>()
        .join("\n");
    WORKER
        .replace("\"__VERSION__\"", &format!("\"{version}\""))
        .replace("__PGLITE_VERSION__", pglite_version)
        .replace("  \"__FILES__\",", &list)
}

/// PGlite's runtime, copied from npm's package into the site's `pglite/`
/// folder: the module and its chunks, PostgreSQL's wasm, initdb's wasm and
/// the file-system bundle (not the extensions, source maps or CommonJS
/// builds). Loaded only when a PostgreSQL simulation starts.
pub const PGLITE_DIR: &str = "pglite";

/// Whether a file of PGlite's `dist/` is part of the runtime the page uses.
fn pglite_runtime(name: &str) -> bool {
    name == "index.js"
        || (name.starts_with("chunk-") && name.ends_with(".js"))
        || matches!(name, "pglite.wasm" | "initdb.wasm" | "pglite.data")
}

fn pglite_package() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/node_modules/@electric-sql/pglite")
}

/// The version npm installed (its package.json's `"version"`).
fn pglite_version() -> Result<String> {
    let path = pglite_package().join("package.json");
    let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    let manifest: serde_json::Value = serde_json::from_str(&text)?;
    manifest["version"]
        .as_str()
        .map(str::to_string)
        .context("PGlite's package.json has no version")
}

fn copy_pglite(dir: &Path) -> Result<()> {
    let source = pglite_package().join("dist");
    let target = dir.join(PGLITE_DIR);
    std::fs::create_dir_all(&target)?;
    for entry in std::fs::read_dir(&source).with_context(|| source.display().to_string())? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if entry.path().is_file() && pglite_runtime(&name) {
            std::fs::copy(entry.path(), target.join(&name))?;
        }
    }
    Ok(())
}

/// Finishes the site in `dir`.
pub fn finish(dir: &Path) -> Result<()> {
    let index = dir.join("index.html");
    let html = std::fs::read_to_string(&index).with_context(|| index.display().to_string())?;
    std::fs::write(&index, with_policy(&html))?;
    copy_pglite(dir)?;
    let mut files = Vec::new();
    let mut hasher = Sha256::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n != "sw.js") {
                let rel = path.strip_prefix(dir)?.to_string_lossy().replace('\\', "/");
                files.push(rel);
            }
        }
    }
    files.sort();
    for f in &files {
        hasher.update(f.as_bytes());
        hasher.update(std::fs::read(dir.join(f))?);
    }
    let version: String = sha256_b64(&hasher.finalize())
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    // The page itself is cached as "./" (how it is opened), not index.html;
    // PGlite is cached when it is first used, not on the first visit.
    let cached: Vec<String> = std::iter::once(String::new())
        .chain(
            files
                .into_iter()
                .filter(|f| f != "index.html" && !f.starts_with(&format!("{PGLITE_DIR}/"))),
        )
        .collect();
    std::fs::write(
        dir.join("sw.js"),
        worker(&cached, &version, &pglite_version()?),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK: &str = "<!doctype html>\n<html><head>\n  <meta charset=\"utf-8\">\n  <title>x</title>\n<script type=\"module\">import init from './a.js';\nawait init();</script>\n<script src=\"./sql-wasm.js\"></script>\n</head></html>";

    #[test]
    fn the_policy_allows_exactly_the_inline_script() {
        let html = with_policy(TRUNK);
        let body = "import init from './a.js';\nawait init();";
        let hash = format!("'sha256-{}'", sha256_b64(body.as_bytes()));
        assert!(html.contains(&hash), "{html}");
        assert_eq!(
            html.matches("'sha256-").count(),
            1,
            "no hash for src scripts"
        );
        assert!(html.contains("connect-src 'self'"));
        assert!(html.find("Content-Security-Policy") > html.find("charset"));
        // A second pass (a rebuild) replaces, never stacks.
        let again = with_policy(&html);
        assert_eq!(again.matches("Content-Security-Policy").count(), 1);
        assert_eq!(again, html);
    }

    #[test]
    fn the_worker_lists_the_files_and_the_version() {
        let w = worker(&["".into(), "app-1.wasm".into()], "abc", "0.5.17");
        assert!(w.contains("\"./app-1.wasm\","));
        assert!(w.contains("\"./\","));
        assert!(w.contains("\"abc\""));
        assert!(w.contains("\"migplan-pglite-0.5.17\""));
        assert!(!w.contains("__FILES__") && !w.contains("__VERSION__") && !w.contains("__PGLITE"));
    }

    #[test]
    fn only_pglites_runtime_is_copied() {
        for name in [
            "index.js",
            "chunk-CTPU3OXM.js",
            "pglite.wasm",
            "initdb.wasm",
            "pglite.data",
        ] {
            assert!(pglite_runtime(name), "{name}");
        }
        for name in [
            "index.cjs",
            "chunk-CTPU3OXM.js.map",
            "pgcrypto.tar.gz",
            "index.d.ts",
            "pglite.js",
        ] {
            assert!(!pglite_runtime(name), "{name}");
        }
    }
}
