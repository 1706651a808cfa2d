//! `cargo xtask serve | dist | test | bench | docs`: migplan's developer commands.
//!
//! Set-up is part of every command and idempotent: the wasm32 target, trunk
//! and wasm-bindgen-cli (installed once per version under
//! `~/.cache/migplan/<tool>-<version>`), `npm ci` in `web/`, and for tests
//! Debian's Chromium.

mod docs;
mod setup;
mod site;
mod test;

use std::process::ExitCode;

use anyhow::{Context, Result, bail};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  serve [--port N]   set up, build and serve the app on http://127.0.0.1:8080
  dist               set up and build the release site into dist/
  test               every check and test layer; ends with `N passed, N failed`
  bench              run the benchmarks and rewrite BENCHMARKS.md
  bench-orm          rewrite only BENCHMARKS.md's framework-migrations section
  docs               regenerate docs/rules/ from the rules' own docs
  finish-site [DIR]  (Trunk's post-build hook) CSP and service worker";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode> {
    let Some(cmd) = args.first() else {
        println!("{USAGE}");
        return Ok(ExitCode::from(2));
    };
    match cmd.as_str() {
        "serve" => {
            let port = match args.get(1).map(String::as_str) {
                Some("--port") => args
                    .get(2)
                    .context("--port needs a number")?
                    .parse::<u16>()
                    .context("--port needs a number")?,
                Some(other) => bail!("unknown option {other}\n{USAGE}"),
                None => 8080,
            };
            let env = setup::prepare(false)?;
            setup::step(&format!(
                "serving on http://127.0.0.1:{port}/ (Ctrl-C stops)"
            ));
            let status = env
                .command("trunk")
                .args([
                    "serve",
                    "--release",
                    "--address",
                    "127.0.0.1",
                    "--port",
                    &port.to_string(),
                    // Its injected reload script would break the CSP.
                    "--no-autoreload",
                ])
                .status()
                .context("running trunk serve")?;
            Ok(if status.success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        "dist" => {
            let env = setup::prepare(false)?;
            env.trunk_build()?;
            setup::step(&format!(
                "release site written to {}",
                env.root.join("dist").display()
            ));
            Ok(ExitCode::SUCCESS)
        }
        "finish-site" => {
            // Trunk's post_build hook: the staging directory of the build.
            let dir = std::env::var_os("TRUNK_STAGING_DIR")
                .map(std::path::PathBuf::from)
                .or_else(|| args.get(1).map(std::path::PathBuf::from))
                .context("finish-site needs TRUNK_STAGING_DIR or a directory")?;
            site::finish(&dir)?;
            Ok(ExitCode::SUCCESS)
        }
        "test" => test::run(),
        "bench" => test::bench(),
        "bench-orm" => test::bench_orm(),
        "docs" => {
            let root = setup::root();
            let n = docs::write(&root)?;
            setup::step(&format!("docs/rules/: {n} pages written"));
            Ok(ExitCode::SUCCESS)
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command `{other}`\n{USAGE}"),
    }
}
