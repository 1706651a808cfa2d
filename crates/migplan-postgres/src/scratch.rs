//! A scratch database the simulation owns: created on a throwaway
//! cluster or on the user's server, worked in by a role without superuser
//! rights (it cannot read or write server files or run programs), and
//! dropped afterwards. Nothing runs in any other database.

use crate::quote;
use postgres::{Client, NoTls};

use crate::cluster::Cluster;

/// The role user statements run as on a cluster migplan controls.
const RUNNER: &str = "migplan_runner";

/// A database of migplan's own and the connection that works in it.
pub struct Scratch {
    admin: Client,
    /// How to connect again (admin side), without the database name.
    admin_config: postgres::Config,
    dbname: String,
    /// The role made for this run (dropped with the database).
    role: Option<String>,
    /// `None` only while the scratch database is being dropped.
    client: Option<Client>,
    /// Seconds one statement may run.
    statement_seconds: u32,
}

/// Unique in this process and, with the pid, on the server.
fn unique_suffix() -> String {
    static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}_{n}_{nanos}", std::process::id())
}

fn unique_name() -> String {
    format!("migplan_scratch_{}", unique_suffix())
}

impl Scratch {
    /// A scratch database on migplan's own cluster, used by a role
    /// without superuser rights.
    pub fn on_cluster(cluster: &Cluster, statement_seconds: u32) -> Result<Scratch, String> {
        let admin_config: postgres::Config = cluster
            .connection_string("postgres")
            .parse()
            .map_err(|e| format!("migplan: {e}"))?;
        let mut admin = admin_config
            .connect(NoTls)
            .map_err(|e| format!("migplan: cannot connect to the cluster: {e}"))?;
        let role = format!("{RUNNER}_{}", unique_suffix());
        admin
            .batch_execute(&format!(
                "CREATE ROLE {r} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB; ALTER ROLE {r} SET temp_file_limit = '1GB'",
                r = quote(&role)
            ))
            .map_err(|e| format!("migplan: cannot create the simulation's role: {}", crate::engine::message(&e)))?;
        Scratch::create(admin, admin_config, Some(role), statement_seconds)
    }

    /// A scratch database on the user's server (`url`, libpq style or a
    /// postgres:// URL). Nothing else on that server is touched; when the
    /// user is a superuser, statements run as a role made for the run.
    pub fn on_server(url: &str, statement_seconds: u32) -> Result<Scratch, String> {
        let admin_config: postgres::Config = url
            .parse()
            .map_err(|e| format!("migplan: --postgres: not a connection string or URL: {e}"))?;
        let mut admin = admin_config
            .connect(NoTls)
            .map_err(|e| format!("migplan: --postgres: cannot connect: {e}"))?;
        let superuser = admin
            .query_one(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
                &[],
            )
            .map(|r| r.get::<_, bool>(0))
            .unwrap_or(false);
        let role = if superuser {
            let role = format!("{RUNNER}_{}", unique_suffix());
            admin
                .batch_execute(&format!(
                    "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB",
                    quote(&role)
                ))
                .map_err(|e| {
                    format!(
                        "migplan: cannot create the simulation's role: {}",
                        crate::engine::message(&e)
                    )
                })?;
            Some(role)
        } else {
            None
        };
        Scratch::create(admin, admin_config, role, statement_seconds)
    }

    fn create(
        mut admin: Client,
        admin_config: postgres::Config,
        role: Option<String>,
        statement_seconds: u32,
    ) -> Result<Scratch, String> {
        let dbname = unique_name();
        let owner = role
            .as_deref()
            .map(|r| format!(" OWNER {}", quote(r)))
            .unwrap_or_default();
        if let Err(e) = admin.batch_execute(&format!(
            "CREATE DATABASE {}{owner} TEMPLATE template0 ENCODING 'UTF8'",
            quote(&dbname)
        )) {
            if let Some(r) = &role {
                let _ = admin.batch_execute(&format!("DROP ROLE IF EXISTS {}", quote(r)));
            }
            return Err(format!(
                "migplan: cannot create a scratch database (the user needs CREATEDB): {e}"
            ));
        }
        let mut config = admin_config.clone();
        config.dbname(&dbname);
        if let Some(r) = &role {
            config.user(r);
        }
        let client = match config.connect(NoTls) {
            Ok(c) => c,
            Err(e) => {
                drop_database(&mut admin, &dbname, role.as_deref());
                return Err(format!(
                    "migplan: cannot connect to the scratch database: {e}"
                ));
            }
        };
        let mut scratch = Scratch {
            admin,
            admin_config,
            dbname,
            role,
            client: Some(client),
            statement_seconds,
        };
        scratch.limit()?;
        Ok(scratch)
    }

    fn limit(&mut self) -> Result<(), String> {
        let seconds = self.statement_seconds;
        self.client()?
            .batch_execute(&format!("SET statement_timeout = '{seconds}s'"))
            .map_err(|e| format!("migplan: {e}"))
    }

    /// The connection statements run on.
    pub fn client(&mut self) -> Result<&mut Client, String> {
        self.client
            .as_mut()
            .ok_or_else(|| "migplan: the scratch database is closed".to_string())
    }

    /// The connection as a simulation engine.
    pub fn engine(&mut self) -> Result<crate::engine::Server<'_>, String> {
        let seconds = self.statement_seconds;
        Ok(crate::engine::Server::new(self.client()?, seconds))
    }

    /// The scratch database's name.
    pub fn dbname(&self) -> &str {
        &self.dbname
    }

    /// Whether an admin connection to the server can still be made (for
    /// tests: the scratch database is gone after drop).
    pub fn admin_config(&self) -> &postgres::Config {
        &self.admin_config
    }

    /// Seconds one statement may run.
    pub fn statement_seconds(&self) -> u32 {
        self.statement_seconds
    }
}

fn drop_database(admin: &mut Client, dbname: &str, role: Option<&str>) {
    // WITH (FORCE) exists from PostgreSQL 13; the connection is closed
    // before this runs anyway.
    if admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote(dbname)
        ))
        .is_err()
    {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {}", quote(dbname)));
    }
    if let Some(r) = role {
        let _ = admin.batch_execute(&format!("DROP ROLE IF EXISTS {}", quote(r)));
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Close the working connection first, then drop its database.
        drop(self.client.take());
        drop_database(&mut self.admin, &self.dbname, self.role.as_deref());
    }
}
