//! `help`: bacula-dir 9.6.7's list of commands (ua_cmds.c, its order,
//! its descriptions) and `help COMMAND` with the command's arguments,
//! for the commands this Director answers; a restricted console sees
//! those of its CommandACL only (bacula-dir lists all to any console).

use super::{Ctx, Reply, COMMANDS};

/// bacula-dir's commands: name, description, arguments.
const HELP: &[(&str, &str, &str)] = &[
    (
        "add",
        "Add media to a pool",
        "pool=<pool-name> storage=<storage> jobid=<JobId>",
    ),
    (
        "autodisplay",
        "Autodisplay console messages",
        "on | off",
    ),
    (
        "automount",
        "Automount after label",
        "on | off",
    ),
    (
        "cancel",
        "Cancel a job",
        "jobid=<number-list> | job=<job-name> | ujobid=<unique-jobid> | inactive client=<client-name> storage=<storage-name> | all",
    ),
    (
        "cloud",
        "Specific Cloud commands",
        "[storage=<storage-name>] [volume=<vol>] [pool=<pool>] [allpools] [allfrompool] [mediatype=<type>] [drive=<number>] [slots=<number] \n\tstatus  | prune | list | upload | truncate",
    ),
    (
        "create",
        "Create DB Pool from resource",
        "pool=<pool-name>",
    ),
    (
        "delete",
        "Delete volume, pool, client or job",
        "volume=<vol-name> | pool=<pool-name> | jobid=<id> | client=<client-name> | snapshot",
    ),
    (
        "disable",
        "Disable a job, attributes batch process",
        "job=<name> | client=<name> | schedule=<name> | storage=<name> | batch",
    ),
    (
        "enable",
        "Enable a job, attributes batch process",
        "job=<name> | client=<name> | schedule=<name> | storage=<name> | batch",
    ),
    (
        "estimate",
        "Performs FileSet estimate, listing gives full listing",
        "fileset=<fs> client=<cli> level=<level> accurate=<yes/no> job=<job> listing",
    ),
    (
        "exit",
        "Terminate Bconsole session",
        "",
    ),
    (
        "gui",
        "Non-interactive gui mode",
        "on | off",
    ),
    (
        "help",
        "Print help on specific command",
        "add autodisplay automount cancel create delete disable\n\tenable estimate exit gui label list llist\n\tmessages memory mount prune purge quit query\n\trestore relabel release reload run status statistics\n\tsetbandwidth setdebug setip show sqlquery time trace unmount\n\tumount update use var version wait\n\tsnapshot",
    ),
    (
        "label",
        "Label a tape",
        "storage=<storage> volume=<vol> pool=<pool> slot=<slot> drive=<nb> barcodes",
    ),
    (
        "list",
        "List objects from catalog",
        "jobs [client=<cli>] [jobid=<nn>] [ujobid=<name>] [job=<name>] [joberrors] [jobstatus=<s>] [level=<l>] [jobtype=<t>] [limit=<n>]|\n\tjobtotals | pools | volume | media <pool=pool-name> | files [type=<deleted|all>] jobid=<nn> | copies jobid=<nn> |\n\tjoblog jobid=<nn> | pluginrestoreconf jobid=<nn> restoreobjectid=<nn> | snapshot | \n\tfileindex=<mm> | clients\n",
    ),
    (
        "llist",
        "Full or long list like list command",
        "jobs [client=<cli>] [jobid=<nn>] [ujobid=<name>] [job=<name>] [joberrors] [jobstatus=<s>] [level=<l>] [jobtype=<t>] [order=<asc/desc>] [limit=<n>]|\n\tjobtotals | pools | volume | media <pool=pool-name> | files jobid=<nn> | copies jobid=<nn> |\n\tjoblog jobid=<nn> | pluginrestoreconf jobid=<nn> restoreobjectid=<nn> | snapshot |\n\tjobid=<nn> fileindex=<mm> | clients\n",
    ),
    (
        "messages",
        "Display pending messages",
        "",
    ),
    (
        "memory",
        "Print current memory usage",
        "",
    ),
    (
        "mount",
        "Mount storage",
        "storage=<storage-name> slot=<num> drive=<num> [ device=<device-name> ] [ jobid=<id> | job=<job-name> ]",
    ),
    (
        "prune",
        "Prune expired records from catalog",
        "files | jobs | snapshot  [client=<client-name>] | client=<client-name> | \n\t[expired] [all | allpools | allfrompool] [pool=<pool>] [mediatype=<type>] volume=<volume-name> [yes]",
    ),
    (
        "purge",
        "Purge records from catalog",
        "files jobs volume=<vol> [mediatype=<type> pool=<pool> allpools storage=<st> drive=<num>]",
    ),
    (
        "quit",
        "Terminate Bconsole session",
        "",
    ),
    (
        "query",
        "Query catalog",
        "[<query-item-number>]",
    ),
    (
        "restore",
        "Restore files",
        "where=</path> client=<client> storage=<storage> bootstrap=<file> restorejob=<job> restoreclient=<cli> noautoparent\n\tcomment=<text> jobid=<jobid> jobuser=<user> jobgroup=<grp> copies done select all",
    ),
    (
        "relabel",
        "Relabel a tape",
        "storage=<storage-name> oldvolume=<old-volume-name>\n\tvolume=<newvolume-name> pool=<pool>",
    ),
    (
        "release",
        "Release storage",
        "storage=<storage-name> [ device=<device-name> ] ",
    ),
    (
        "reload",
        "Reload conf file",
        "",
    ),
    (
        "run",
        "Run a job",
        "job=<job-name> client=<client-name>\n\tfileset=<FileSet-name> level=<level-keyword>\n\tstorage=<storage-name> where=<directory-prefix>\n\twhen=<universal-time-specification> pool=<pool-name>\n\t nextpool=<next-pool-name> comment=<text> accurate=<bool> spooldata=<bool> yes",
    ),
    (
        "restart",
        "Restart a job",
        "incomplete job=<job-name> client=<client-name>\n\tfileset=<FileSet-name> level=<level-keyword>\n\tstorage=<storage-name>when=<universal-time-specification>\n\tcomment=<text> spooldata=<bool> jobid=<jobid>",
    ),
    (
        "resume",
        "Resume a job",
        "incomplete job=<job-name> client=<client-name>\n\tfileset=<FileSet-name> level=<level-keyword>\n\tstorage=<storage-name>when=<universal-time-specification>\n\tcomment=<text> spooldata=<bool> jobid=<jobid>",
    ),
    (
        "status",
        "Report status",
        "all | network [bytes=<nn-b>] | dir=<dir-name> | director | client=<client-name> |\n\tstorage=<storage-name> slots |\n\tschedule [job=<job-name>] [client=<cli-name>] [schedule=<sched-name>] [days=<nn>] [limit=<nn>]\n\t\t[time=<universal-time-specification>]",
    ),
    (
        "stop",
        "Stop a job",
        "jobid=<number-list> job=<job-name> ujobid=<unique-jobid> all",
    ),
    (
        "setdebug",
        "Sets debug level",
        "level=<nn> tags=<tags> trace=0/1 options=<0tTc> tags=<tags> | client=<client-name> | dir | storage=<storage-name> | all",
    ),
    (
        "setbandwidth",
        "Sets bandwidth",
        "limit=<speed> client=<client-name> jobid=<number> job=<job-name> ujobid=<unique-jobid>",
    ),
    (
        "snapshot",
        "Handle snapshots",
        "[client=<client-name> | job=<job-name> | jobid=<jobid>] [delete | list | listclient | prune | sync | update]",
    ),
    (
        "setip",
        "Sets new client address -- if authorized",
        "",
    ),
    (
        "show",
        "Show resource records",
        "job=<xxx> |  pool=<yyy> | fileset=<aaa> | schedule=<sss> | client=<zzz> | storage=<sss> | disabled | all",
    ),
    (
        "sqlquery",
        "Use SQL to query catalog",
        "",
    ),
    (
        "statistics",
        "Display daemon statistics data",
        "[ simple | full | json ] all | <metric>\n\t[ client=<client-name> | storage=<storage-name> ]",
    ),
    (
        "time",
        "Print current time",
        "",
    ),
    (
        "trace",
        "Turn on/off trace to file",
        "on | off",
    ),
    (
        "truncate",
        "Truncate one or more Volumes",
        "volume=<vol> [mediatype=<type> pool=<pool> allpools storage=<st> drive=<num>]",
    ),
    (
        "unmount",
        "Unmount storage",
        "storage=<storage-name> [ drive=<num> ] | jobid=<id> | job=<job-name>",
    ),
    (
        "umount",
        "Umount - for old-time Unix guys, see unmount",
        "storage=<storage-name> [ drive=<num> ] [ device=<dev-name> ]| jobid=<id> | job=<job-name>",
    ),
    (
        "update",
        "Update volume, pool or stats",
        "stats\n\tsnapshot\n\tpool=<poolname>\n\tslots storage=<storage> scan\n\tvolume=<volname> volstatus=<status> volretention=<time-def> cacheretention=<time-def>\n\t pool=<pool> recycle=<yes/no> slot=<number>\n\t inchanger=<yes/no>\n\t maxvolbytes=<size> maxvolfiles=<nb> maxvoljobs=<nb>\n\t enabled=<yes/no> recyclepool=<pool> actiononpurge=<action>\n\t allfrompool=<pool> fromallpools frompool",
    ),
    (
        "use",
        "Use catalog xxx",
        "catalog=<catalog>",
    ),
    (
        "var",
        "Does variable expansion",
        "",
    ),
    (
        "version",
        "Print Director version",
        "",
    ),
    (
        "wait",
        "Wait until no jobs are running",
        "jobname=<name> | jobid=<nnn> | ujobid=<complete_name>",
    ),
    // rdird's own, after bacula-dir's.
    ("python", "Python control commands", "restart"),
];

/// The commands `help` lists, in its order: bacula-dir's that this
/// Director answers, then its own (`python`); each with its description
/// and arguments.
pub(super) fn listed() -> Vec<(&'static str, &'static str, &'static str)> {
    let answered = |name: &str| COMMANDS.iter().any(|(n, _)| *n == name);
    HELP.iter()
        .copied()
        .filter(|(n, _, _)| answered(n))
        .collect()
}

pub fn help(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    out.line("  Command       Description");
    out.line("  =======       ===========");
    let mine: Vec<_> = listed()
        .into_iter()
        .filter(|(n, _, _)| ctx.login.may_run(n))
        .collect();
    match ctx.args.word(0) {
        Some(asked) => match mine.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(asked)) {
            Some((name, text, usage)) => {
                out.line(format!("  {name:<13} {text}"));
                out.line("");
                out.line("Arguments:");
                out.line(format!("\t{usage}"));
            }
            None => {
                out.line("");
                out.line(format!("Can't find {asked} command."));
                out.line("");
            }
        },
        None => {
            for (name, text, _) in &mine {
                out.line(format!("  {name:<13} {text}"));
            }
        }
    }
    out.line("");
    out.line("When at a prompt, entering a period cancels the command.");
    out.line("");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_but_the_dot_commands_is_listed_once() {
        let names: Vec<&str> = listed().iter().map(|(n, _, _)| *n).collect();
        for (n, _) in COMMANDS.iter().filter(|(n, _)| !n.starts_with('.')) {
            assert_eq!(names.iter().filter(|x| *x == n).count(), 1, "{n}");
        }
    }
}
