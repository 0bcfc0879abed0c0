//! Director scripts in the Python 2 dialect (`Python Legacy Syntax = yes`,
//! the default) run unmodified against real daemons: Bacula 2.x's own
//! example script in a backup that spans volumes, a script with every
//! Python 2 construct and a helper module in the same dialect, and
//! `job.run` with every form of Bacula's `run` line.

mod common;

use common::site::*;
use common::{rdird, stdout};
use std::time::{Duration, Instant};

/// Bacula 2.x's example DirStartUp.py, read from the project's shared
/// corpus (beside the repository, or beside its worktrees) as shipped.
fn bacula_2x_example() -> String {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = ["..", "../.."]
        .iter()
        .map(|up| here.join(up).join("shared/corpus/bacula-2.x/DirStartUp.py"))
        .find(|p| p.exists())
        .expect("shared/corpus/bacula-2.x/DirStartUp.py beside the repository");
    std::fs::read_to_string(found).unwrap()
}

fn wait_for_script(s: &Setup) {
    let started = Instant::now();
    while !s.log().contains("Python script loaded") {
        assert!(started.elapsed() < Duration::from_secs(20), "{}", s.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The Admin job the 2.x example starts, and one that starts others.
fn admin_jobs(_: &Place<'_>) -> String {
    "Job { Name = kernsave; Type = Admin; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }\n\
     Job { Name = Starter; Type = Admin; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }\n"
        .to_string()
}

/// The catalog's jobs: JobId, Name, Type, JobStatus.
fn jobs(s: &Setup) -> Vec<(i64, String, String, String)> {
    let db = s.catalog();
    let mut q = db
        .prepare("SELECT JobId, Name, Type, JobStatus FROM Job ORDER BY JobId")
        .unwrap();
    q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn bacula_2x_example_names_volumes_starts_kernsave_and_says_goodbye_at_exit() {
    let mut s = setup_conf("fd-secret", Some(&bacula_2x_example()), admin_jobs);
    let big = s.root.path().join("big");
    std::fs::create_dir_all(&big).unwrap();
    // 900 KB that do not compress on 200K volumes: five volumes.
    std::fs::write(big.join("noise.bin"), common::site::noise(900_000)).unwrap();
    wait_for_script(&s);
    let out = s.console("run job=Span yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(
        report_line(&out, "Volume name(s):"),
        "TestA-0|TestA-1|TestA-2|TestA-3|TestA-4",
        "{out}"
    );
    for line in [
        "Python Dir JobStart: JobId=1 Client=test-fd NumVols=0",
        "Python started new Job: jobid=2",
        "name=test-dir version=",
        "Exists=0 TestA-0",
        "Exists=0 TestA-4",
        "Python Dir JobEnd output: JobId=1 Status=T Client=test-fd.",
        "Python Dir JobStart: JobId=2 Client=test-fd NumVols=",
        "Python Dir JobEnd output: JobId=2 Status=T Client=test-fd.",
    ] {
        assert!(out.contains(line), "no {line:?} in:\n{out}");
    }
    let j = jobs(&s);
    assert_eq!(
        j.iter()
            .map(|r| (r.0, r.1.as_str(), r.2.as_str(), r.3.as_str()))
            .collect::<Vec<_>>(),
        [(1, "Span", "B", "T"), (2, "kernsave", "D", "T")],
        "{out}"
    );
    s.stop_director();
    let log = s.log();
    assert!(log.contains("python: Daemon exiting."), "{log}");
}

/// Starts Admin jobs with each form of `run` a 2.x script used, and
/// reports what each returned.
const RUN_FORMS: &str = r#"import bacula, time

FORMS = [
    "run kernsave",
    "kernsave",
    "run job=kernsave level=Full yes",
    "run level=Full job=kernsave",
    "run yes priority=5 kernsave",
    "run job=kernsave client=test-fd fileset=Set pool=Full storage=File",
    "run kernsave when=\"%s\"" % time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() + 3)),
    "run nosuchjob",
    "run kernsave bogus=1",
    "run job=kernsave client=nosuch-fd",
]

class Events:
    def JobStart(self, job):
        if job.Job != "Starter":
            return
        for f in FORMS:
            job.JobReport = "form %r -> %d" % (f, job.run(f))

bacula.set_events(Events())
"#;

#[test]
fn job_run_takes_every_form_of_the_run_line_and_says_why_it_refuses_one() {
    let s = setup_conf("fd-secret", Some(RUN_FORMS), admin_jobs);
    wait_for_script(&s);
    let out = s.console("run job=Starter yes\nwait\nmessages\n");
    let ids: Vec<i64> = out
        .lines()
        .filter_map(|l| l.split_once("' -> ").map(|x| x.1.trim().parse().unwrap()))
        .collect();
    assert_eq!(ids, [2, 3, 4, 5, 6, 7, 8, -1, -1, -1], "{out}");
    for why in [
        "job.run(\"run nosuchjob\") failed: Job \"nosuchjob\" not found",
        "job.run(\"run kernsave bogus=1\") failed: Invalid keyword: bogus",
        "job.run(\"run job=kernsave client=nosuch-fd\") failed: Client \"nosuch-fd\" not found",
    ] {
        assert!(out.contains(why), "no {why:?} in:\n{out}");
    }
    let j = jobs(&s);
    assert_eq!(j.len(), 8, "{j:?}");
    assert!(
        j[1..].iter().all(|r| r.1 == "kernsave" && r.3 == "T"),
        "{j:?}"
    );
    let db = s.catalog();
    let times = |id: i64| -> (String, String) {
        db.query_row(
            "SELECT SchedTime, StartTime FROM Job WHERE JobId = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let (sched, start) = times(8);
    assert!(
        start >= sched,
        "job 8 started at {start}, before its when= {sched}"
    );
    let (sched_now, _) = times(2);
    assert!(
        sched > sched_now,
        "when= did not set job 8's SchedTime: {sched} vs {sched_now}"
    );
}

/// A Python 2 script with each construct the front end rewrites, and a
/// helper module beside it in the same dialect.
const PY2_SCRIPT: &str = r#"import sys, bacula
import subprocess
import py2helper; exec "MODULE_EXEC = 'module'"

class JobEvents(object):
  def JobRun(self, job):
     d = {"a": 1, "b": 2}
     if d.has_key("a") and not d.has_key("z"):
        print "has_key", sorted(d.iterkeys()), sum(d.itervalues()), sorted(d.iteritems())[0]
     print "multi", """line
string"""
     print ("paren"), "after"
     print `42`, 1 <> 2, 0777, list(xrange(3)), unicode("u"), isinstance("s", basestring), long(7)
     ns = {}; exec "x = 6 * 7" in ns
     print "exec", ns["x"], MODULE_EXEC
     print py2helper.describe({"k": 2})
     p = subprocess.Popen(["tr", "a-z", "A-Z"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
     out, err = p.communicate("piped text")
     print type(out).__name__, out
     print "check_output", type(subprocess.check_output(["echo", "hi"])).__name__
     try:
        raise ValueError, "boom"
     except ValueError, e:
        print "caught", e

class BaculaEvents(object):
  def JobStart(self, job):
     job.set_events(JobEvents())
     sys.stdout = job

bacula.set_events(BaculaEvents())
"#;

const PY2_HELPER: &str = r#"def describe(d):
    out = []
    for k, v in d.iteritems():
        out.append("%s=%s" % (k, v))
    try:
        int("x")
    except ValueError, e:
        out.append("helper caught " + e.__class__.__name__)
    print >>__import__("sys").stderr, "helper printed to stderr"
    return ", ".join(out)
"#;

#[test]
fn a_python_2_script_and_its_python_2_helper_run_unmodified_in_a_real_job() {
    let s = setup_conf("fd-secret", Some(PY2_SCRIPT), |p| {
        std::fs::write(p.root.join("scripts/py2helper.py"), PY2_HELPER).unwrap();
        String::new()
    });
    wait_for_script(&s);
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    for line in [
        "has_key ['a', 'b'] 3 ('a', 1)",
        "multi line",
        "string",
        "paren after",
        "42 True 511 [0, 1, 2] u True 7",
        "exec 42 module",
        "k=2, helper caught ValueError",
        "str PIPED TEXT",
        "check_output str",
        "caught boom",
    ] {
        assert!(
            out.lines().any(|l| l.ends_with(&format!(": {line}"))),
            "no {line:?} in:\n{out}"
        );
    }
    let log = s.log();
    for warning in [
        "DirStartUp.py:9: warning: rewrote Python 2 dict method",
        "DirStartUp.py:13: warning: Python 2 name xrange is range",
        "DirStartUp.py:22: warning: rewrote Python 2 raise E, msg",
        "DirStartUp.py:23: warning: rewrote Python 2 except E, e",
        "py2helper.py:7: warning: rewrote Python 2 except E, e",
        "py2helper.py:9: warning: rewrote Python 2 print statement",
    ] {
        assert!(log.contains(warning), "no {warning:?} in:\n{log}");
    }
}

#[test]
fn an_except_comma_that_compiles_as_python_3_is_rewritten_only_when_the_name_is_unbound() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("DirStartUp.py");
    // Valid Python 3.14 syntax throughout: only the except line says it is
    // Python 2, and only for `e`, which nothing else binds.
    std::fs::write(
        &script,
        "import bacula\n\
         KeyErr = KeyError\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       try:\n\
         \x20           {}['x']\n\
         \x20       except ValueError, KeyErr:\n\
         \x20           job.JobReport = 'a list of two'\n\
         \x20       try:\n\
         \x20           int('x')\n\
         \x20       except ValueError, e:\n\
         \x20           job.JobReport = 'bound %s' % type(e).__name__\n\
         bacula.set_events(E())\n",
    )
    .unwrap();
    let o = rdird(&[
        "script",
        "simulate",
        script.to_str().unwrap(),
        "--events",
        "JobStart",
    ]);
    let text = format!("{}{}", stdout(&o), common::stderr(&o));
    assert!(text.contains("  a list of two\n"), "{text}");
    assert!(text.contains("  bound ValueError\n"), "{text}");
    assert!(
        text.contains("DirStartUp.py:11: warning: rewrote Python 2 except E, e"),
        "{text}"
    );
    assert!(!text.contains("DirStartUp.py:7: warning"), "{text}");
}

#[test]
fn an_error_in_a_rewritten_line_points_at_the_line_the_administrator_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("DirStartUp.py");
    std::fs::write(
        &script,
        "import bacula\n\
         class E:\n\
         \x20 def JobStart(self, job):\n\
         \x20    print \"\"\"a string\n\
         over two lines\"\"\"\n\
         \x20    d = {}\n\
         \x20    if d.has_key(1) <> True: print `d`,\n\
         \x20    raise RuntimeError, \"from line eight\"\n\
         bacula.set_events(E())\n",
    )
    .unwrap();
    let o = rdird(&[
        "script",
        "simulate",
        script.to_str().unwrap(),
        "--events",
        "JobStart",
    ]);
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "File \"{}\", line 8, in JobStart\n",
            script.display()
        )),
        "{out}"
    );
    assert!(
        out.contains("      raise RuntimeError, \"from line eight\"\n"),
        "{out}"
    );
    assert!(out.contains("RuntimeError: from line eight"), "{out}");
}

/// Keeps the Job object of each ended job and writes to the last one at
/// the next JobStart; prints at import.
const WRITES_TO_ENDED_JOBS: &str = r#"import bacula
ended = []
class Events:
    def JobStart(self, job):
        if ended:
            ended[-1].write("written to ended job %d\n" % ended[-1].JobId)
            ended[-1].JobReport = "reported to ended job %d" % ended[-1].JobId
    def JobEnd(self, job):
        ended.append(job)
bacula.set_events(Events())
print "printed at import"
"#;

#[test]
fn output_to_an_ended_job_or_outside_events_reaches_the_directors_messages_and_log() {
    let s = setup_conf("fd-secret", Some(WRITES_TO_ENDED_JOBS), admin_jobs);
    wait_for_script(&s);
    let out = s.console("run job=Starter yes\nwait\nrun job=Starter yes\nwait\nmessages\n");
    let director_said = |text: &str| {
        out.lines()
            .any(|l| l.ends_with(&format!(" test-dir JobId 0: {text}")))
    };
    assert!(director_said("written to ended job 1"), "{out}");
    assert!(director_said("reported to ended job 1"), "{out}");
    assert!(director_said("printed at import"), "{out}");
    let log = s.log();
    assert!(log.contains("python: written to ended job 1"), "{log}");
    assert!(log.contains("python: printed at import"), "{log}");
}

#[test]
fn long_literals_ur_strings_and_softspace_are_python_2s_and_what_is_left_is_reported_at_its_own_line(
) {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("DirStartUp.py");
    let body = "import bacula\n\
                MODE = 0777\n\
                print \"at import\"\n\
                BIG = 10L + 0x1FL + 0777L\n\
                PATTERN = ur\"\\d+\"\n\
                class E:\n\
                \x20   def JobStart(self, job):\n\
                \x20       job.JobReport = \"%d %r %s\" % (BIG, PATTERN, \"10L ur''\")\n\
                \x20       for i in range(3): print i,\n\
                \x20       print\n\
                bacula.set_events(E())\n";
    std::fs::write(&script, body).unwrap();
    let o = rdird(&[
        "script",
        "simulate",
        script.to_str().unwrap(),
        "--events",
        "JobStart",
    ]);
    let text = format!("{}{}", stdout(&o), common::stderr(&o));
    assert!(o.status.success(), "{text}");
    assert!(text.contains("  552 '\\\\d+' 10L ur''\n"), "{text}");
    // Python 2's softspace: no space is left at the end of the line.
    assert!(text.contains("  0 1 2\n"), "{text}");
    for warning in [
        "DirStartUp.py:4: warning: rewrote Python 2 long literal to Python 3",
        "DirStartUp.py:5: warning: rewrote Python 2 ur\"\" string to Python 3",
    ] {
        assert!(text.contains(warning), "no {warning:?} in:\n{text}");
    }
    // A tuple parameter on line 12, after lines the front end rewrites.
    std::fs::write(&script, format!("{body}def unpack((a, b)):\n    pass\n")).unwrap();
    let o = rdird(&["script", "check", script.to_str().unwrap()]);
    let text = format!("{}{}", stdout(&o), common::stderr(&o));
    assert!(!o.status.success(), "{text}");
    assert!(
        text.contains(&format!("File \"{}\", line 12\n", script.display()))
            && text.contains("def unpack((a, b)):"),
        "{text}"
    );
}

/// Python 2's library in a legacy script: `string`'s functions,
/// `commands`, `urllib2` and `urllib` against the test's HTTP server at
/// `{url}`, `file`, `raw_input`, `reduce`, `unichr` and `cmp`.
const PY2_LIBRARY: &str = r#"import bacula, string, commands, urllib2, urllib
from string import join

class Events:
    def JobStart(self, job):
        words = string.split("  backup of  web-fd ")
        print "string", join(words, "-"), string.upper(words[0]), string.atoi("ff", 16), string.strip("  x  "), string.replace("a.b.c", ".", "/")
        status, output = commands.getstatusoutput("echo out; echo err >&2; exit 2")
        print "commands", status, output.split("\n"), commands.getoutput("echo one")
        reply = urllib2.urlopen(urllib2.Request("{url}/hook", "job=%d" % job.JobId))
        body = reply.read()
        print "urllib2", type(body).__name__, body
        try:
            urllib2.urlopen("{url}/missing")
        except urllib2.HTTPError, e:
            print "HTTPError", e.code
        try:
            urllib2.urlopen("http://127.0.0.1:1/")
        except urllib2.URLError, e:
            print "URLError", e.__class__.__name__
        f = file(__file__)
        print "file", f.readline().strip()
        f.close()
        try:
            raw_input()
        except EOFError:
            print "raw_input EOFError"
        query = urllib.urlencode({"job": "web fd"})
        print "urllib", query, urllib.quote("a b/c"), urllib.urlopen("{url}/hook", query).read()
        print "builtins", reduce(lambda a, b: a * b, [1, 2, 3, 4]), unichr(233) == u"\u00e9", cmp(1, 2), cmp("b", "a")

bacula.set_events(Events())
"#;

/// An HTTP server that answers `POST /hook` with `received <body>` and
/// anything else with 404, and hands over each request body it got.
fn hook_server() -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            reader.read_line(&mut request).unwrap();
            let mut length = 0;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
                if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let body = String::from_utf8(body).unwrap();
            let answer = if request.starts_with("POST /hook ") {
                let text = format!("received {body}");
                let _ = tx.send(body);
                format!(
                    "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{text}",
                    text.len()
                )
            } else {
                "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string()
            };
            stream.write_all(answer.as_bytes()).unwrap();
        }
    });
    (url, rx)
}

#[test]
fn a_python_2_script_uses_string_commands_urllib_file_raw_input_and_reduce_in_a_real_job() {
    let (url, bodies) = hook_server();
    let s = setup_with("fd-secret", Some(&PY2_LIBRARY.replace("{url}", &url)));
    wait_for_script(&s);
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    for line in [
        "string backup-of-web-fd BACKUP 255 x a/b/c",
        "commands 512 ['out', 'err'] one",
        "urllib2 str received job=1",
        "HTTPError 404",
        "URLError URLError",
        "file import bacula, string, commands, urllib2, urllib",
        "raw_input EOFError",
        "urllib job=web+fd a%20b/c received job=web+fd",
        "builtins 24 True -1 1",
    ] {
        assert!(
            out.lines().any(|l| l.ends_with(&format!(": {line}"))),
            "no {line:?} in:\n{out}"
        );
    }
    assert_eq!(bodies.try_recv().unwrap(), "job=1");
    assert_eq!(bodies.try_recv().unwrap(), "job=web+fd");
    let log = s.log();
    for warning in [
        "DirStartUp.py:1: warning: Python 2 commands is rdird's legacy version of it",
        "DirStartUp.py:6: warning: Python 2 string.split is rdird's legacy version of it",
        "DirStartUp.py:21: warning: Python 2 name file is open",
        "DirStartUp.py:25: warning: Python 2 name raw_input is input",
        "DirStartUp.py:28: warning: Python 2 urllib.urlencode is rdird's legacy version of it",
        "DirStartUp.py:30: warning: Python 2 name reduce is functools.reduce",
    ] {
        assert!(log.contains(warning), "no {warning:?} in:\n{log}");
    }
}

/// A legacy script that counts its imports in the working directory.
const COUNTS_IMPORTS: &str = r#"import bacula, os
open(os.path.join(bacula.WorkingDir, "imports"), "a").write("import\n")

class Events:
    def JobStart(self, job):
        print "JobStart", job.JobId

bacula.set_events(Events())
"#;

#[test]
fn each_rewrite_warning_is_logged_once_however_many_interpreters_load_the_script() {
    let mut s = setup_with("fd-secret", Some(COUNTS_IMPORTS));
    wait_for_script(&s);
    let warning = "DirStartUp.py:6: warning: rewrote Python 2 print statement to Python 3";
    let logged = |s: &Setup| s.log().matches(warning).count();
    let imports = s.root.path().join("dir/imports");
    let out = s.console("run job=Backup yes\nwait\npython restart\nrun job=Backup yes\nwait\n");
    assert!(out.contains("Python interpreter restarted."), "{out}");
    let loads = std::fs::read_to_string(&imports).unwrap().lines().count();
    assert!(loads >= 3, "the script was imported {loads} times");
    assert_eq!(logged(&s), 1, "{}", s.log());
    // A changed file has its warnings said again, once.
    let script = s.root.path().join("scripts/DirStartUp.py");
    std::fs::write(&script, format!("{COUNTS_IMPORTS}# changed\n")).unwrap();
    let out = s.console("python restart\nrun job=Backup yes\nwait\n");
    assert!(out.contains("Python interpreter restarted."), "{out}");
    assert_eq!(logged(&s), 2, "{}", s.log());
    s.stop_director();
    assert_eq!(logged(&s), 2, "{}", s.log());
}
