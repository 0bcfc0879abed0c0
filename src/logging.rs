//! Logging through `tracing`, with bacula-dir's `-d` levels: 0 is info,
//! 1 to 99 debug, 100 and above trace; `-dt` adds timestamps. The
//! console's `setdebug dir level=N` changes the level while the Director
//! runs, and `trace on` sends the lines to a trace file instead of
//! standard error, as bacula-dir's set_trace does.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use tracing::Level;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The tracing level for a Bacula debug level.
pub fn level_for(debug: u32) -> Level {
    match debug {
        0 => Level::INFO,
        1..=99 => Level::DEBUG,
        _ => Level::TRACE,
    }
}

/// The `-d` options logging was set up with, for the processes the
/// Director starts from its own binary (python/worker.rs): their lines go
/// to the same standard error, and must look the same.
static OPTIONS: std::sync::OnceLock<(u32, bool)> = std::sync::OnceLock::new();

/// The `-d` arguments that set up logging as in this process.
pub fn args() -> Vec<String> {
    let (debug, timestamps) = OPTIONS.get().copied().unwrap_or((0, false));
    let mut args = vec!["-d".to_string(), debug.to_string()];
    if timestamps {
        args.extend(["-d".to_string(), "t".to_string()]);
    }
    args
}

/// Changes the level of the subscriber `init` set up.
type SetLevel = Box<dyn Fn(LevelFilter) + Send + Sync>;
static SET_LEVEL: OnceLock<SetLevel> = OnceLock::new();

/// The open trace file, while `trace on` holds.
static TRACE: Mutex<Option<(PathBuf, std::fs::File)>> = Mutex::new(None);

/// Where log lines go: the trace file when one is open, else standard
/// error.
struct Output;

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut trace = TRACE.lock().unwrap_or_else(|e| e.into_inner());
        match trace.as_mut() {
            Some((_, file)) => file.write(buf),
            None => std::io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends log lines to standard error from now on.
pub fn init(debug: u32, timestamps: bool) {
    let _ = OPTIONS.set((debug, timestamps));
    let builder = tracing_subscriber::fmt()
        .with_writer(|| Output)
        // A standard error nobody reads (a closed pipe) loses the line;
        // reporting that with eprintln! would panic the thread that logged.
        .log_internal_errors(false)
        .with_max_level(Level::TRACE)
        .with_target(false);
    let level = LevelFilter::from_level(level_for(debug));
    if timestamps {
        install(builder.finish(), level);
    } else {
        install(builder.without_time().finish(), level);
    }
}

/// Installs `subscriber` behind a level filter `setdebug` can change. A
/// second initialisation (tests) keeps the first subscriber.
fn install<S>(subscriber: S, level: LevelFilter)
where
    S: tracing::Subscriber + Send + Sync + 'static,
{
    let (filter, handle) = tracing_subscriber::reload::Layer::new(level);
    if subscriber.with(filter).try_init().is_ok() {
        let _ = SET_LEVEL.set(Box::new(move |level| {
            let _ = handle.reload(level);
        }));
    }
}

/// `setdebug dir level=N`: from now on the Director logs at the tracing
/// level `level_for(N)` gives, as if started with `-d N`.
pub fn set_debug_level(debug: u32) {
    if let Some(set) = SET_LEVEL.get() {
        set(LevelFilter::from_level(level_for(debug)));
    }
}

/// `trace on`: log lines go to `path` (appended), until `trace off`.
pub fn trace_to(path: Option<PathBuf>) -> std::io::Result<()> {
    let file = match &path {
        Some(p) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)?,
        ),
        None => None,
    };
    *TRACE.lock().unwrap_or_else(|e| e.into_inner()) = path.zip(file);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_levels_map_onto_tracing_levels() {
        assert_eq!(level_for(0), Level::INFO);
        assert_eq!(level_for(1), Level::DEBUG);
        assert_eq!(level_for(99), Level::DEBUG);
        assert_eq!(level_for(100), Level::TRACE);
        assert_eq!(level_for(200), Level::TRACE);
    }
}
