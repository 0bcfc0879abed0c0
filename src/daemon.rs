//! `rdird -f -c FILE`: the Director as a service. Listens for consoles,
//! writes a pid file, becomes the Director user (`-u`/`-g`), opens the
//! catalog, starts the script host, and on SIGTERM or SIGINT delivers Exit
//! and stops cleanly. The order is bacula-dir's (dird.c main): everything
//! that needs root happens before the switch, nothing the network or a
//! script can reach happens before it.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::Config;
use crate::director::Director;
use crate::files;
use crate::privileges::{self, Account};

/// How the daemon was asked to run.
pub struct Options {
    pub foreground: bool,
    pub pid_file: bool,
    /// Who to become after binding the console port (`-u`/`-g`).
    pub account: Option<Account>,
}

/// The pid file bacula-dir would write: `<PidDirectory>/rdird.<port>.pid`.
fn pid_path(config: &Config, port: u16) -> Option<PathBuf> {
    config
        .director()
        .str("PidDirectory")
        .map(|d| PathBuf::from(d).join(format!("rdird.{port}.pid")))
}

/// Detaches from the terminal the way a Unix daemon does: a child in a new
/// session carries on in `/` (so that it holds no mount busy) with its
/// standard input, output and error on /dev/null (lib/daemon.c
/// daemon_start), the parent returns and exits.
fn detach() -> Result<bool, String> {
    // SAFETY: fork in a process that has started no threads yet.
    match unsafe { libc::fork() } {
        -1 => Err(format!("cannot fork: {}", std::io::Error::last_os_error())),
        0 => {
            // SAFETY: setsid has no preconditions in the child.
            unsafe { libc::setsid() };
            std::env::set_current_dir("/").map_err(|e| format!("cannot change to /: {e}"))?;
            let null = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/null")
                .map_err(|e| format!("cannot open /dev/null: {e}"))?;
            for fd in 0..3 {
                // SAFETY: dup2 onto a standard descriptor, from one this
                // function owns.
                if unsafe { libc::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), fd) } < 0 {
                    return Err(format!(
                        "cannot move descriptor {fd} to /dev/null: {}",
                        std::io::Error::last_os_error()
                    ));
                }
            }
            Ok(false)
        }
        _ => Ok(true),
    }
}

/// Keeps every file the Director creates (catalog, its -wal and -shm,
/// pid file, bootstraps) out of reach of other users: a umask of at least
/// 026, detached (lib/daemon.c daemon_start) or not. bacula-dir 9.6.7
/// keeps the caller's umask under `-f`, so its catalog may be readable by
/// everyone; the catalog holds every client's file names.
fn restrict_umask() {
    // SAFETY: umask has no preconditions.
    unsafe {
        let old = libc::umask(0o026);
        libc::umask(old | 0o026);
    }
}

/// Runs the Director until a signal stops it.
pub fn run(config: Config, opts: Options) -> Result<(), String> {
    let dir = config.director();
    let addr = config
        .director_addresses(dir)
        .into_iter()
        .next()
        .ok_or("the Director has no address to listen on")?;
    let socket: SocketAddr = format!("{}:{}", addr.host, addr.port)
        .parse()
        .map_err(|e| format!("bad listening address {}:{}: {e}", addr.host, addr.port))?;
    let working = dir.str("WorkingDirectory").unwrap_or_default().to_string();
    if !std::path::Path::new(&working).is_dir() {
        return Err(format!(
            "Working Directory \"{working}\" not found; create it or fix the configuration"
        ));
    }
    restrict_umask();
    if !opts.foreground && detach()? {
        return Ok(());
    }
    let listener =
        TcpListener::bind(socket).map_err(|e| format!("cannot listen on {socket}: {e}"))?;
    let pid_file = if opts.pid_file {
        pid_path(&config, addr.port)
    } else {
        None
    };
    if let Some(p) = &pid_file {
        files::write(
            p,
            files::Write::Replace,
            format!("{}\n", std::process::id()).as_bytes(),
        )
        .map_err(|e| format!("pid file: {e}"))?;
    }
    let served = serve(config, listener, socket, &working, opts.account.as_ref());
    if let Some(p) = pid_file {
        if let Err(e) = std::fs::remove_file(&p) {
            tracing::warn!("cannot remove the pid file {}: {e}", p.display());
        }
    }
    served
}

/// Becomes the Director user, opens the catalog, and answers consoles and
/// runs jobs until a signal stops it.
fn serve(
    config: Config,
    listener: TcpListener,
    socket: SocketAddr,
    working: &str,
    account: Option<&Account>,
) -> Result<(), String> {
    let who = match account {
        Some(a) => {
            privileges::switch(a)?;
            tracing::info!("running as {a}");
            a.to_string()
        }
        None => privileges::current(),
    };
    privileges::check_writable(std::path::Path::new(working), &who)?;
    let name = config.director().name.clone();
    let director = Director::open(config).map_err(|e| e.to_string())?;
    director.start_scripts();
    tracing::info!("{name} listening for consoles on {socket}");

    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ])
    .map_err(|e| format!("cannot catch signals: {e}"))?;
    let d: Arc<Director> = director.clone();
    std::thread::Builder::new()
        .name("console-listener".into())
        .spawn(move || crate::console::serve(d, listener))
        .map_err(|e| e.to_string())?;
    crate::job::schedule::start(&director);
    if let Some(sig) = signals.forever().next() {
        tracing::info!("{name} shutting down on signal {sig}");
    }
    director.shutdown();
    Ok(())
}
