//! Where the simulation's PostgreSQL comes from: a throwaway cluster
//! started from the local binaries in a temporary directory on a free
//! loopback port (removed on drop, on errors and on Ctrl-C), or a scratch
//! database created on a server the user names (and dropped after).
//! Nothing runs outside the cluster or the scratch database.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The PostgreSQL programs: `initdb` and `postgres` in one folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binaries {
    pub dir: PathBuf,
}

const NEEDED: &[&str] = &["initdb", "postgres"];

impl Binaries {
    fn at(dir: &Path) -> Option<Binaries> {
        NEEDED
            .iter()
            .all(|b| dir.join(b).is_file())
            .then(|| Binaries {
                dir: dir.to_path_buf(),
            })
    }

    /// `explicit` (`--pg-bin`), else the folder on PATH holding `initdb`,
    /// else `pg_config --bindir`, else Debian's newest
    /// `/usr/lib/postgresql/<version>/bin`.
    pub fn find(explicit: Option<&Path>) -> Result<Binaries, String> {
        if let Some(dir) = explicit {
            return Binaries::at(dir).ok_or_else(|| {
                format!(
                    "migplan: --pg-bin {}: no initdb and postgres there",
                    dir.display()
                )
            });
        }
        let on_path = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default();
        if let Some(found) = on_path.iter().find_map(|d| Binaries::at(d)) {
            return Ok(found);
        }
        if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
            && out.status.success()
            && let Some(found) =
                Binaries::at(Path::new(String::from_utf8_lossy(&out.stdout).trim()))
        {
            return Ok(found);
        }
        let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|e| {
                let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
                Some((version, e.path().join("bin")))
            })
            .collect();
        debian.sort();
        debian
            .iter()
            .rev()
            .find_map(|(_, d)| Binaries::at(d))
            .ok_or_else(|| NO_SERVER.to_string())
    }

    /// The server's major version (`postgres --version`).
    pub fn major_version(&self) -> Option<u32> {
        let out = Command::new(self.dir.join("postgres"))
            .arg("--version")
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let version = text
            .split_whitespace()
            .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
        version.split('.').next()?.parse().ok()
    }
}

/// What to do when there is no PostgreSQL.
pub const NO_SERVER: &str = "migplan: no PostgreSQL found (initdb and postgres on PATH, via pg_config, or in /usr/lib/postgresql/<version>/bin). Install it (Debian/Ubuntu: apt-get install postgresql), name the folder with --pg-bin DIR, give a server with --postgres URL (migplan works in a scratch database it creates and drops), or simulate on SQLite with --engine sqlite.";

/// The user the cluster runs as when migplan runs as root (PostgreSQL
/// refuses to run as root).
struct RunAs {
    name: String,
    uid: u32,
    gid: u32,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The `postgres` account from /etc/passwd.
fn postgres_account() -> Option<RunAs> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        match fields[..] {
            ["postgres", _, uid, gid, ..] => Some(RunAs {
                name: "postgres".into(),
                uid: uid.parse().ok()?,
                gid: gid.parse().ok()?,
            }),
            _ => None,
        }
    })
}

/// Clusters alive in this process, stopped by the Ctrl-C handler.
static ALIVE: Mutex<Vec<(u32, PathBuf)>> = Mutex::new(Vec::new());

/// Set by Ctrl-C while a cluster runs.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the user pressed Ctrl-C while a cluster ran (the command then
/// exits with 130, whatever the interrupted work reported).
pub fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
}

/// After Ctrl-C: waits for the handler, which removes every cluster and
/// ends the process with 130 (at most the server's shutdown time).
pub fn finish_interrupt() -> ! {
    loop {
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn on_ctrl_c() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
            let alive = ALIVE.lock().map(|a| a.clone()).unwrap_or_default();
            for (pid, dir) in alive {
                // pid 0: the cluster's directory exists, its server not yet.
                if pid != 0 {
                    stop_pid(pid);
                }
                // Wait for initdb or the server to be gone before removing
                // its files (a few tries: it may still be writing).
                let deadline = Instant::now() + Duration::from_secs(10);
                while pid != 0 && running(pid) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
                for _ in 0..50 {
                    if std::fs::remove_dir_all(&dir).is_ok() || !dir.exists() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            std::process::exit(130);
        });
    });
}

/// Whether a process is running (a zombie, gone but not yet reaped, is not).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next())
            .is_some_and(|state| state != 'Z')
    })
}

/// Asks initdb or a postmaster to stop (SIGINT: initdb removes what it
/// made, the server shuts down fast).
fn stop_pid(pid: u32) {
    let _ = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status();
}

/// A cluster's directory listed for the Ctrl-C handler from the moment
/// it exists (with its server's pid once there is one), unlisted on drop.
struct Registered(PathBuf);

impl Registered {
    fn new(dir: &Path) -> Registered {
        if let Ok(mut alive) = ALIVE.lock() {
            alive.push((0, dir.to_path_buf()));
        }
        Registered(dir.to_path_buf())
    }

    fn server(&self, pid: u32) {
        if let Ok(mut alive) = ALIVE.lock() {
            for entry in alive.iter_mut().filter(|(_, d)| *d == self.0) {
                entry.0 = pid;
            }
        }
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        // After Ctrl-C the handler owns every listed directory.
        if interrupted() {
            return;
        }
        if let Ok(mut alive) = ALIVE.lock() {
            alive.retain(|(_, d)| *d != self.0);
        }
    }
}

/// A PostgreSQL cluster of migplan's own, in a temporary directory.
pub struct Cluster {
    _registered: Registered,
    dir: tempfile::TempDir,
    child: Child,
    port: u16,
}

/// The superuser of a throwaway cluster.
pub const SUPERUSER: &str = "migplan";

impl Cluster {
    /// initdb in a temporary directory and a postmaster on a free
    /// loopback port, ready to accept connections.
    pub fn start(bins: &Binaries) -> Result<Cluster, String> {
        on_ctrl_c();
        let dir = tempfile::Builder::new()
            .prefix("migplan-pg-")
            .tempdir()
            .map_err(|e| format!("migplan: cannot make a temporary directory: {e}"))?;
        let registered = Registered::new(dir.path());
        let run_as = if is_root() {
            let account = postgres_account().ok_or(
                "migplan: PostgreSQL does not run as root and there is no `postgres` account to run it as: run migplan as another user, or give a server with --postgres URL",
            )?;
            std::os::unix::fs::chown(dir.path(), Some(account.uid), Some(account.gid)).map_err(
                |e| format!("migplan: cannot hand the cluster's directory to postgres: {e}"),
            )?;
            Some(account)
        } else {
            None
        };
        let data = dir.path().join("data");
        let mut initdb = command(bins, "initdb", run_as.as_ref());
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                SUPERUSER,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let child = initdb
            .spawn()
            .map_err(|e| format!("migplan: cannot run initdb: {e}"))?;
        // Ctrl-C now stops initdb, then removes the directory.
        registered.server(child.id());
        let out = child
            .wait_with_output()
            .map_err(|e| format!("migplan: initdb: {e}"))?;
        registered.server(0);
        if !out.status.success() {
            return Err(format!(
                "migplan: initdb failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let port = free_port()?;
        let log = std::fs::File::create(dir.path().join("server.log"))
            .map_err(|e| format!("migplan: {e}"))?;
        let mut postgres = command(bins, "postgres", run_as.as_ref());
        postgres
            .arg("-D")
            .arg(&data)
            .arg("-p")
            .arg(port.to_string())
            .arg("-k")
            .arg(dir.path())
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=20",
                "-c",
                "shared_buffers=32MB",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        let child = postgres
            .spawn()
            .map_err(|e| format!("migplan: cannot start postgres: {e}"))?;
        registered.server(child.id());
        let mut cluster = Cluster {
            _registered: registered,
            dir,
            child,
            port,
        };
        cluster.wait_ready()?;
        Ok(cluster)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if postgres::Client::connect(&self.connection_string("postgres"), postgres::NoTls)
                .is_ok()
            {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let log =
                    std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
                return Err(format!(
                    "migplan: postgres stopped ({status}): {}",
                    log.lines().rev().take(3).collect::<Vec<_>>().join(" / ")
                ));
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err("migplan: postgres did not accept connections within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// libpq-style connection parameters for `dbname` as the superuser.
    pub fn connection_string(&self, dbname: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user={SUPERUSER} dbname={dbname} connect_timeout=10",
            self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The temporary directory (gone after drop).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // After Ctrl-C the handler stops the server and removes the
        // directory: one owner, no two removals racing.
        if interrupted() {
            self.dir.disable_cleanup(true);
            return;
        }
        let pid = self.child.id();
        stop_pid(pid);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Then `_registered` unlists the directory and the TempDir removes it.
    }
}

/// A PostgreSQL program, run as `run_as` when migplan is root (setpriv
/// execs it in place, so its pid is the program's).
fn command(bins: &Binaries, program: &str, run_as: Option<&RunAs>) -> Command {
    let path = bins.dir.join(program);
    match run_as {
        Some(account) => {
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={}", account.uid))
                .arg(format!("--regid={}", account.gid))
                .arg("--init-groups")
                .env("HOME", "/tmp")
                .env("USER", &account.name)
                .arg(path);
            c
        }
        None => Command::new(path),
    }
}

/// A loopback port nothing listens on now.
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("migplan: no free loopback port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("migplan: {e}"))
}
