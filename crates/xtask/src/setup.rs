//! Idempotent set-up: installs what is missing, says what it does.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

pub const TRUNK_VERSION: &str = "0.21.14";

pub fn step(msg: &str) {
    println!("==> {msg}");
}

/// Paths and the environment every child command runs with.
pub struct Env {
    pub root: PathBuf,
    path: String,
}

impl Env {
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.current_dir(&self.root).env("PATH", &self.path);
        c
    }

    pub fn trunk_build(&self) -> Result<()> {
        step("building the release site with trunk (dist/)");
        // Trunk runs cargo offline: make sure every crate is already here.
        run(self.command("cargo").args(["fetch", "--quiet"]))?;
        run(self.command("trunk").args(["build", "--release"]))
    }
}

pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn cache_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(x).join("migplan");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".cache").join("migplan")
}

/// The wasm-bindgen version Cargo.lock holds (the CLI must match it exactly).
pub fn locked_version(root: &Path, krate: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("reading Cargo.lock")?;
    let needle = format!("name = \"{krate}\"\nversion = \"");
    let at = lock
        .find(&needle)
        .with_context(|| format!("{krate} is not in Cargo.lock"))?
        + needle.len();
    Ok(lock[at..].split('"').next().unwrap_or_default().to_string())
}

fn output(cmd: &mut Command) -> String {
    cmd.output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// Installs `krate` at `version` under the per-user cache unless present.
fn ensure_tool(krate: &str, version: &str, bin: &str, locked: bool) -> Result<PathBuf> {
    let dir = cache_dir().join(format!("{krate}-{version}"));
    let exe = dir.join("bin").join(bin);
    if exe.exists() && output(Command::new(&exe).arg("--version")).contains(version) {
        step(&format!("{krate} {version}: present ({})", dir.display()));
        return Ok(dir.join("bin"));
    }
    step(&format!(
        "installing {krate} {version} into {} (once per version; takes minutes)",
        dir.display()
    ));
    let mut cmd = Command::new("cargo");
    cmd.args(["install", krate, "--version", version, "--root"])
        .arg(&dir);
    if locked {
        cmd.arg("--locked");
    }
    run(&mut cmd)?;
    Ok(dir.join("bin"))
}

fn ensure_target() -> Result<()> {
    if output(Command::new("rustup").args(["target", "list", "--installed"]))
        .contains("wasm32-unknown-unknown")
    {
        step("rust target wasm32-unknown-unknown: present");
        return Ok(());
    }
    step("adding rust target wasm32-unknown-unknown");
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn ensure_npm(root: &Path) -> Result<()> {
    let web = root.join("web");
    let lock =
        std::fs::read(web.join("package-lock.json")).context("reading web/package-lock.json")?;
    let stamp = web.join("node_modules").join(".migplan-lock");
    if std::fs::read(&stamp).is_ok_and(|s| s == lock) {
        step("npm packages in web/: up to date");
        return Ok(());
    }
    step("npm ci in web/ (sql.js, PGlite, binaryen, playwright-core, axe-core)");
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&web))?;
    std::fs::write(&stamp, lock).context("writing the npm stamp")?;
    Ok(())
}

fn ensure_chromium() -> Result<()> {
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        step("Debian chromium and chromium-driver: present");
        return Ok(());
    }
    step("installing Debian's chromium and chromium-driver with apt (about a minute)");
    apt_install(&["chromium", "chromium-driver"])
}

/// squawk, the peer `cargo xtask bench` compares `migplan check` with.
pub fn ensure_squawk() -> Result<PathBuf> {
    Ok(ensure_tool("squawk", SQUAWK_VERSION, "squawk", true)?.join("squawk"))
}

pub const SQUAWK_VERSION: &str = "2.63.0";

/// PostgreSQL's server programs (the CLI's throwaway cluster in tests).
fn ensure_postgres() -> Result<()> {
    let found = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .any(|e| e.path().join("bin/initdb").is_file());
    if found {
        step("Debian postgresql: present");
        return Ok(());
    }
    step("installing Debian's postgresql with apt (about a minute)");
    apt_install(&["postgresql"])
}

/// `apt-get install` (through sudo unless root), after an update.
fn apt_install(packages: &[&str]) -> Result<()> {
    let root = output(Command::new("id").arg("-u")).trim() == "0";
    let apt = |args: &[&str]| {
        let mut c = if root {
            Command::new("apt-get")
        } else {
            Command::new("sudo")
        };
        if !root {
            c.arg("apt-get");
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut c)
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq"];
    install.extend_from_slice(packages);
    apt(&install)
}

/// Everything the commands need; `browser` adds Chromium for tests.
pub fn prepare(browser: bool) -> Result<Env> {
    let root = root();
    ensure_target()?;
    if !root.join("Cargo.lock").exists() {
        run(Command::new("cargo")
            .args(["generate-lockfile"])
            .current_dir(&root))?;
    }
    let wb = locked_version(&root, "wasm-bindgen")?;
    let trunk = ensure_tool("trunk", TRUNK_VERSION, "trunk", true)?;
    // wasm-bindgen-cli's own lockfile names a crate version the registry may
    // lack, so it is installed without --locked (the CLI version is exact).
    let bindgen = ensure_tool("wasm-bindgen-cli", &wb, "wasm-bindgen", false)?;
    ensure_npm(&root)?;
    if browser {
        ensure_chromium()?;
        ensure_postgres()?;
    }
    let mut paths = vec![root.join("web/node_modules/.bin"), trunk, bindgen];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path = std::env::join_paths(paths)
        .context("building PATH")?
        .to_string_lossy()
        .into_owned();
    Ok(Env { root, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_toml_names_the_locked_wasm_bindgen() {
        let root = root();
        let locked = locked_version(&root, "wasm-bindgen").expect("locked");
        let trunk = std::fs::read_to_string(root.join("Trunk.toml")).expect("Trunk.toml");
        assert!(
            trunk.contains(&format!("wasm_bindgen = \"{locked}\"")),
            "Trunk.toml must name wasm-bindgen {locked}"
        );
    }
}
