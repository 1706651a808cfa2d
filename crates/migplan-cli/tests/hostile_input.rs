//! Hostile and careless input to the CLI: refused with a message and exit
//! 2, never written verbatim into SQL or onto the terminal, and no file
//! overwritten by accident.

mod common;

use std::path::Path;

use common::migplan;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.display().to_string()
}

#[test]
fn a_lock_timeout_that_is_not_a_duration_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let up = write(
        dir.path(),
        "up.sql",
        b"CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN a int NOT NULL DEFAULT 0;\n",
    );
    for bad in ["abc'; DROP TABLE users; --", "", "-5s", "0"] {
        let flag = format!("--lock-timeout={bad}");
        let (code, out, err) = migplan(&["plan", &flag, &up]);
        assert_eq!(code, 2, "{bad:?}: {out}{err}");
        assert!(!out.contains("DROP TABLE users"), "{out}");
        assert!(err.contains("lock"), "{err}");
    }
    let (code, out, err) = migplan(&["plan", "--lock-timeout", "750ms", &up]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("SET lock_timeout = '750ms'"), "{out}");
}

#[test]
fn binary_input_is_refused_with_a_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let png = write(
        dir.path(),
        "image.sql",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    );
    let latin1 = write(
        dir.path(),
        "latin1.sql",
        b"CREATE TABLE caf\xe9 (id int);\n",
    );
    for file in [&png, &latin1] {
        let (code, out, err) = migplan(&["check", file]);
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains("not a text file"), "{err}");
    }
    let bom = write(
        dir.path(),
        "bom.sql",
        b"\xEF\xBB\xBFCREATE TABLE t (id int);\n",
    );
    let (code, _, err) = migplan(&["check", &bom]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let up = write(
        dir.path(),
        "up.sql",
        b"CREATE TABLE \"\x1b]0;owned\x07\x1b[2J\" (id int);\nDROP TABLE \"\x1b]0;owned\x07\x1b[2J\";\n",
    );
    for args in [
        vec!["check", up.as_str()],
        vec!["check", "--format", "json", up.as_str()],
        vec!["plan", up.as_str()],
        vec!["rollback", up.as_str()],
    ] {
        let (_, out, err) = migplan(&args);
        assert!(
            !out.contains('\x1b') && !err.contains('\x1b'),
            "{args:?}: {out}"
        );
        assert!(!out.contains('\x07'), "{args:?}: {out}");
    }
    let (_, out, _) = migplan(&["check", "--format", "json", &up]);
    serde_json::from_str::<serde_json::Value>(&out).expect("still JSON");
}

#[test]
fn export_never_overwrites_a_file_unless_forced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let up = write(
        dir.path(),
        "up.sql",
        b"CREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);\n",
    );
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).expect("out");
    std::fs::write(out_dir.join("RUNBOOK.md"), "my own notes").expect("notes");
    let out = out_dir.display().to_string();
    let args = ["export", "--framework", "dbmate", "--out", &out, &up];
    let (code, _, err) = migplan(&args);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--force") && err.contains("RUNBOOK.md"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("RUNBOOK.md")).expect("notes"),
        "my own notes"
    );
    assert_eq!(
        std::fs::read_dir(&out_dir).expect("dir").count(),
        1,
        "nothing written"
    );
    let (code, _, err) = migplan(&[&args[..5], &["--force", &up]].concat());
    assert_eq!(code, 0, "{err}");
    assert_ne!(
        std::fs::read_to_string(out_dir.join("RUNBOOK.md")).expect("runbook"),
        "my own notes"
    );
}

#[test]
fn input_over_the_size_limit_is_refused_and_the_limit_can_be_raised() {
    let dir = tempfile::tempdir().expect("tempdir");
    let table = "CREATE TABLE t (id int);\n";
    let big = write(dir.path(), "big.sql", table.repeat(50_000).as_bytes());
    let (code, _, err) = migplan(&["check", "--max-input-mb", "1", &big]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("over the 1 MiB limit") && err.contains("--max-input-mb"),
        "{err}"
    );
    let (code, _, err) = migplan(&["check", "--max-input-mb", "2", &big]);
    assert_eq!(code, 0, "{err}");
}
