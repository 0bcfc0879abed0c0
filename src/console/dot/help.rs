//! `.help`: the console commands for a GUI's completion (qhelp_cmd in
//! ua_cmds.c): `.help all` one name per line, `.help item=NAME` that
//! command's arguments, `.help` each as `name help -- arguments`. Only
//! commands this Director has are listed, in bacula-dir's order.

use super::super::{Ctx, Reply, ABBREVIATION_ORDER, COMMANDS};

/// The arguments of each command, as bacula-dir 9.6.7 gives them
/// (ua_cmds.c `commands[].usage`).
const USAGE: &[(&str, &str)] = &[
    ("add", "pool=<pool-name> storage=<storage> jobid=<JobId>"),
    ("autodisplay", "on | off"),
    ("automount", "on | off"),
    ("cancel", "jobid=<number-list> | job=<job-name> | ujobid=<unique-jobid> | inactive client=<client-name> storage=<storage-name> | all"),
    ("create", "pool=<pool-name>"),
    ("delete", "volume=<vol-name> | pool=<pool-name> | jobid=<id> | client=<client-name> | snapshot"),
    ("disable", "job=<name> | client=<name> | schedule=<name> | storage=<name> | batch"),
    ("enable", "job=<name> | client=<name> | schedule=<name> | storage=<name> | batch"),
    ("estimate", "fileset=<fs> client=<cli> level=<level> accurate=<yes/no> job=<job> listing"),
    ("exit", ""),
    ("gui", "on | off"),
    ("help", "add autodisplay automount cancel create delete disable\n\tenable estimate exit gui label list llist\n\tmessages memory mount prune purge quit query\n\trestore relabel release reload run status statistics\n\tsetbandwidth setdebug setip show sqlquery time trace unmount\n\tumount update use var version wait\n\tsnapshot"),
    ("label", "storage=<storage> volume=<vol> pool=<pool> slot=<slot> drive=<nb> barcodes"),
    ("list", "jobs [client=<cli>] [jobid=<nn>] [ujobid=<name>] [job=<name>] [joberrors] [jobstatus=<s>] [level=<l>] [jobtype=<t>] [limit=<n>]|\n\tjobtotals | pools | volume | media <pool=pool-name> | files [type=<deleted|all>] jobid=<nn> | copies jobid=<nn> |\n\tjoblog jobid=<nn> | pluginrestoreconf jobid=<nn> restoreobjectid=<nn> | snapshot | \n\tfileindex=<mm> | clients\n"),
    ("llist", "jobs [client=<cli>] [jobid=<nn>] [ujobid=<name>] [job=<name>] [joberrors] [jobstatus=<s>] [level=<l>] [jobtype=<t>] [order=<asc/desc>] [limit=<n>]|\n\tjobtotals | pools | volume | media <pool=pool-name> | files jobid=<nn> | copies jobid=<nn> |\n\tjoblog jobid=<nn> | pluginrestoreconf jobid=<nn> restoreobjectid=<nn> | snapshot |\n\tjobid=<nn> fileindex=<mm> | clients\n"),
    ("messages", ""),
    ("memory", ""),
    ("mount", "storage=<storage-name> slot=<num> drive=<num> [ device=<device-name> ] [ jobid=<id> | job=<job-name> ]"),
    ("prune", "files | jobs | snapshot  [client=<client-name>] | client=<client-name> | \n\t[expired] [all | allpools | allfrompool] [pool=<pool>] [mediatype=<type>] volume=<volume-name> [yes]"),
    ("purge", "files jobs volume=<vol> [mediatype=<type> pool=<pool> allpools storage=<st> drive=<num>]"),
    ("quit", ""),
    ("query", "[<query-item-number>]"),
    ("restore", "where=</path> client=<client> storage=<storage> bootstrap=<file> restorejob=<job> restoreclient=<cli> noautoparent\n\tcomment=<text> jobid=<jobid> jobuser=<user> jobgroup=<grp> copies done select all"),
    ("relabel", "storage=<storage-name> oldvolume=<old-volume-name>\n\tvolume=<newvolume-name> pool=<pool>"),
    ("release", "storage=<storage-name> [ device=<device-name> ] "),
    ("reload", ""),
    ("run", "job=<job-name> client=<client-name>\n\tfileset=<FileSet-name> level=<level-keyword>\n\tstorage=<storage-name> where=<directory-prefix>\n\twhen=<universal-time-specification> pool=<pool-name>\n\t nextpool=<next-pool-name> comment=<text> accurate=<bool> spooldata=<bool> yes"),
    ("restart", "incomplete job=<job-name> client=<client-name>\n\tfileset=<FileSet-name> level=<level-keyword>\n\tstorage=<storage-name>when=<universal-time-specification>\n\tcomment=<text> spooldata=<bool> jobid=<jobid>"),
    ("resume", "incomplete job=<job-name> client=<client-name>\n\tfileset=<FileSet-name> level=<level-keyword>\n\tstorage=<storage-name>when=<universal-time-specification>\n\tcomment=<text> spooldata=<bool> jobid=<jobid>"),
    ("status", "all | network [bytes=<nn-b>] | dir=<dir-name> | director | client=<client-name> |\n\tstorage=<storage-name> slots |\n\tschedule [job=<job-name>] [client=<cli-name>] [schedule=<sched-name>] [days=<nn>] [limit=<nn>]\n\t\t[time=<universal-time-specification>]"),
    ("stop", "jobid=<number-list> job=<job-name> ujobid=<unique-jobid> all"),
    ("setdebug", "level=<nn> tags=<tags> trace=0/1 options=<0tTc> tags=<tags> | client=<client-name> | dir | storage=<storage-name> | all"),
    ("setbandwidth", "limit=<speed> client=<client-name> jobid=<number> job=<job-name> ujobid=<unique-jobid>"),
    ("setip", ""),
    ("show", "job=<xxx> |  pool=<yyy> | fileset=<aaa> | schedule=<sss> | client=<zzz> | storage=<sss> | disabled | all"),
    ("sqlquery", ""),
    ("statistics", "[ simple | full | json ] all | <metric>\n\t[ client=<client-name> | storage=<storage-name> ]"),
    ("time", ""),
    ("trace", "on | off"),
    ("truncate", "volume=<vol> [mediatype=<type> pool=<pool> allpools storage=<st> drive=<num>]"),
    ("unmount", "storage=<storage-name> [ drive=<num> ] | jobid=<id> | job=<job-name>"),
    ("umount", "storage=<storage-name> [ drive=<num> ] [ device=<dev-name> ]| jobid=<id> | job=<job-name>"),
    ("update", "stats\n\tsnapshot\n\tpool=<poolname>\n\tslots storage=<storage> scan\n\tvolume=<volname> volstatus=<status> volretention=<time-def> cacheretention=<time-def>\n\t pool=<pool> recycle=<yes/no> slot=<number>\n\t inchanger=<yes/no>\n\t maxvolbytes=<size> maxvolfiles=<nb> maxvoljobs=<nb>\n\t enabled=<yes/no> recyclepool=<pool> actiononpurge=<action>\n\t allfrompool=<pool> fromallpools frompool"),
    ("use", "catalog=<catalog>"),
    ("var", ""),
    ("version", ""),
    ("wait", "jobname=<name> | jobid=<nnn> | ujobid=<complete_name>"),
];

/// The console commands (not the dot commands) this Director has, with
/// their help text: bacula-dir's first, in its order, then rdird's own.
fn commands() -> Vec<(&'static str, &'static str)> {
    let ours = |name: &str| {
        COMMANDS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(n, text, _)| (*n, *text))
    };
    let mut list: Vec<_> = ABBREVIATION_ORDER
        .iter()
        .filter(|n| !n.starts_with('.'))
        .filter_map(|n| ours(n))
        .collect();
    list.extend(
        COMMANDS
            .iter()
            .filter(|(n, _, _)| !n.starts_with('.') && !ABBREVIATION_ORDER.contains(n))
            .map(|(n, text, _)| (*n, *text)),
    );
    list
}

fn usage(name: &str) -> &'static str {
    USAGE
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, u)| *u)
        .unwrap_or("")
}

pub fn help(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    if ctx.args.has("all") {
        for (name, _) in commands() {
            out.line(name);
        }
        return;
    }
    if let Some(item) = ctx.args.get("item") {
        if let Some((name, _)) = commands().into_iter().find(|(n, _)| *n == item) {
            out.line(usage(name));
        }
        return;
    }
    for (name, text) in commands() {
        out.line(format!("{name} {text} -- {}", usage(name)));
    }
}
