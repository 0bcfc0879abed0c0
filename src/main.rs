//! The `rdird` command line: bacula-dir's flags, plus subcommands of our own
//! (`config dump`, `script check`, `script simulate`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Arg, ArgAction, ArgMatches, Command};
use rdird::config::{self, Config, Kind};
use rdird::{logging, python};

/// Counts what the Director holds, for `status dir`'s Heap line.
#[global_allocator]
static ALLOCATOR: rdird::memory::Counting = rdird::memory::Counting;

fn cli() -> Command {
    let config_arg = Arg::new("config")
        .short('c')
        .value_name("FILE")
        .help("configuration file [default: /etc/bacula/bacula-dir.conf]");
    Command::new("rdird")
        .version(rdird::VERSION)
        .about("A Bacula Director with Python scripting, in one binary")
        .disable_help_flag(true)
        .arg(config_arg.clone())
        .arg(
            Arg::new("debug")
                .short('d')
                .value_name("NN[,tags]")
                .action(ArgAction::Append)
                .help("debug level (0 info, 1-99 debug, 100+ trace); -dt adds timestamps"),
        )
        .arg(
            Arg::new("foreground")
                .short('f')
                .action(ArgAction::SetTrue)
                .help("run in the foreground"),
        )
        .arg(
            Arg::new("test")
                .short('t')
                .action(ArgAction::SetTrue)
                .help("check the configuration and exit"),
        )
        .arg(
            Arg::new("verbose")
                .short('v')
                .action(ArgAction::Count)
                .help("verbose messages"),
        )
        .arg(
            Arg::new("nopid")
                .short('P')
                .action(ArgAction::SetTrue)
                .help("do not write a pid file"),
        )
        .arg(
            Arg::new("nosignals")
                .short('s')
                .action(ArgAction::SetTrue)
                .help("do not trap signals"),
        )
        .arg(
            Arg::new("user")
                .short('u')
                .value_name("USER")
                .help("run as this user"),
        )
        .arg(
            Arg::new("group")
                .short('g')
                .value_name("GROUP")
                .help("run as this group"),
        )
        .arg(
            Arg::new("help")
                .short('?')
                .long("help")
                .action(ArgAction::Help)
                .help("print this message"),
        )
        .arg(
            Arg::new("file")
                .value_name("CONFIG")
                .help("configuration file (instead of -c)"),
        )
        .subcommand(
            // One interpreter of the Director's script host, which starts
            // it with its socket as descriptor 3 (python/child.rs).
            Command::new("script-host").hide(true),
        )
        .subcommand(
            Command::new("script")
                .about("try a Director Python script without a Director")
                .subcommand_required(true)
                .subcommand(
                    Command::new("check")
                        .about("compile a script and report syntax errors and misspelt event methods")
                        .arg(Arg::new("file").value_name("FILE").required(true))
                        .arg(Arg::new("no-legacy").long("no-legacy").action(ArgAction::SetTrue).help("do not rewrite the Python 2 dialect")),
                )
                .subcommand(
                    Command::new("simulate")
                        .about("run a script's events against a simulated job and print the job report")
                        .arg(Arg::new("file").value_name("FILE").required(true))
                        .arg(Arg::new("job").long("job").value_name("KEY=VALUE,...").help("the simulated job's attributes (Job, JobId, Type, Level, Client, Pool, NumVols, …)"))
                        .arg(
                            Arg::new("events")
                                .long("events")
                                .value_name("E1,E2,...")
                                .default_value("JobStart,JobInit,JobRun,NewVolume,JobEnd")
                                .help("the events to deliver, in order"),
                        )
                        .arg(Arg::new("timeout").long("timeout").value_name("SECONDS").default_value("30").help("Python Event Timeout"))
                        .arg(Arg::new("no-legacy").long("no-legacy").action(ArgAction::SetTrue).help("do not rewrite the Python 2 dialect")),
                ),
        )
        .subcommand(
            Command::new("config")
                .about("work with a configuration file")
                .subcommand_required(true)
                .subcommand(
                    Command::new("dump")
                        .about(
                            "print the parsed configuration as JSON, in the shape bdirjson prints",
                        )
                        .arg(config_arg)
                        .arg(
                            Arg::new("resource")
                                .value_name("RESOURCE")
                                .help("only resources of this kind (Job, Pool, …)"),
                        )
                        .arg(
                            Arg::new("name")
                                .value_name("NAME")
                                .help("only the resource with this name"),
                        ),
                ),
        )
}

/// Reads `-d` values: the highest level given, and whether `-dt` was.
fn debug_options(m: &ArgMatches) -> Result<(u32, bool), String> {
    let mut level = 0;
    let mut timestamps = false;
    for v in m.get_many::<String>("debug").into_iter().flatten() {
        if v == "t" {
            timestamps = true;
            continue;
        }
        let number = v.split(',').next().unwrap_or("");
        let n: u32 = number
            .parse()
            .map_err(|_| format!("-d expects a debug level number, got \"{v}\""))?;
        level = level.max(n);
    }
    Ok((level, timestamps))
}

fn config_path(m: &ArgMatches) -> PathBuf {
    m.get_one::<String>("config")
        .or_else(|| m.try_get_one::<String>("file").ok().flatten())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_CONFIG_FILE))
}

fn load(m: &ArgMatches) -> Result<Config, String> {
    let cfg = Config::load(&config_path(m)).map_err(|e| e.to_string())?;
    for w in &cfg.warnings {
        tracing::warn!("{w}");
    }
    Ok(cfg)
}

fn dump(m: &ArgMatches) -> Result<(), String> {
    let cfg = load(m)?;
    let kind = match m.get_one::<String>("resource") {
        Some(word) => Some(
            Kind::from_keyword(word).ok_or_else(|| format!("unknown resource kind \"{word}\""))?,
        ),
        None => None,
    };
    let name = m.get_one::<String>("name").map(String::as_str);
    if let (Some(k), Some(n)) = (kind, name) {
        if cfg.find(k, n).is_none() {
            return Err(format!("no {} resource named \"{n}\"", k.name()));
        }
    }
    let json = config::json::dump(&cfg, kind, name);
    println!(
        "{}",
        serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?
    );
    Ok(())
}

fn script(m: &ArgMatches) -> Result<(), String> {
    match m.subcommand() {
        Some(("check", c)) => {
            let file = PathBuf::from(
                c.get_one::<String>("file")
                    .map(String::as_str)
                    .unwrap_or_default(),
            );
            let notes = python::simulate::check(&file, !c.get_flag("no-legacy"))?;
            for n in &notes {
                println!("{n}");
            }
            println!("{}: OK", file.display());
            Ok(())
        }
        Some(("simulate", s)) => {
            let file = PathBuf::from(
                s.get_one::<String>("file")
                    .map(String::as_str)
                    .unwrap_or_default(),
            );
            let pairs = match s.get_one::<String>("job") {
                Some(j) => python::simulate::parse_pairs(j)?,
                None => Vec::new(),
            };
            let events = python::simulate::parse_events(
                s.get_one::<String>("events")
                    .map(String::as_str)
                    .unwrap_or_default(),
            )?;
            let secs: u64 = s
                .get_one::<String>("timeout")
                .and_then(|t| t.parse().ok())
                .filter(|t| *t > 0)
                .ok_or("--timeout expects a whole number of seconds")?;
            let report = python::simulate::simulate(
                &file,
                &pairs,
                &events,
                !s.get_flag("no-legacy"),
                std::time::Duration::from_secs(secs),
            )?;
            print!("{report}");
            Ok(())
        }
        _ => Err("script needs check or simulate".into()),
    }
}

fn run(m: &ArgMatches) -> Result<(), String> {
    let (level, timestamps) = debug_options(m)?;
    logging::init(level, timestamps);
    match m.subcommand() {
        Some(("config", sub)) => {
            if let Some(("dump", d)) = sub.subcommand() {
                return dump(d);
            }
        }
        Some(("script", sub)) => return script(sub),
        Some(("script-host", _)) => python::child::main(),
        _ => {}
    }
    let account = rdird::privileges::resolve(
        m.get_one::<String>("user").map(String::as_str),
        m.get_one::<String>("group").map(String::as_str),
    )?;
    let cfg = load(m)?;
    if m.get_flag("test") {
        return Ok(());
    }
    rdird::daemon::run(
        cfg,
        rdird::daemon::Options {
            foreground: m.get_flag("foreground"),
            pid_file: !m.get_flag("nopid"),
            account,
        },
    )
}

fn main() -> ExitCode {
    let matches = cli().get_matches();
    match run(&matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rdird: {e}");
            ExitCode::FAILURE
        }
    }
}
