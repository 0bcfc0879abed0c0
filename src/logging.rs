//! Logging through `tracing`, with bacula-dir's `-d` levels: 0 is info,
//! 1 to 99 debug, 100 and above trace; `-dt` adds timestamps.

use tracing::Level;

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

/// Sends log lines to standard error from now on.
pub fn init(debug: u32, timestamps: bool) {
    let _ = OPTIONS.set((debug, timestamps));
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // A standard error nobody reads (a closed pipe) loses the line;
        // reporting that with eprintln! would panic the thread that logged.
        .log_internal_errors(false)
        .with_max_level(level_for(debug))
        .with_target(false);
    // A second initialisation (tests) keeps the first subscriber.
    let _ = if timestamps {
        builder.try_init()
    } else {
        builder.without_time().try_init()
    };
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
