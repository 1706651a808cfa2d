//! Running the `migplan` binary as a user would.

use std::path::Path;
use std::process::Command;

/// Runs `migplan args...`: (exit code, stdout, stderr).
#[allow(dead_code)]
pub fn migplan(args: &[&str]) -> (i32, String, String) {
    migplan_in(Path::new("."), args)
}

/// Runs `migplan args...` in the working directory `dir`.
#[allow(dead_code)]
pub fn migplan_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_migplan"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
