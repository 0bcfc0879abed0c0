//! The standard library a Director script imports: every module RustPython's
//! library has (but those stdlib-subset/excluded.txt leaves out) imports
//! from the binary alone, and the modules notifications need do their work:
//! HTTPS with the system's or SSL_CERT_FILE's CAs, SMTP with STARTTLS, the
//! catalog through sqlite3, and the rest, in `rdird script simulate` and in
//! real jobs through bacula-fd and bacula-sd.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::site::*;
use common::tls::{authority, https_server, smtp_server};
use common::{stderr, stdout};

/// The modules build.rs froze into the binary the tests run.
const FROZEN: &str = include_str!(concat!(env!("OUT_DIR"), "/stdlib.modules"));

/// `rdird script simulate` of `script` (written as DirStartUp.py in `dir`)
/// for a JobStart, with `env` added to rdird's environment.
fn simulate_in(dir: &Path, script: &str, env: &[(&str, &Path)]) -> Output {
    let file = dir.join("DirStartUp.py");
    std::fs::write(&file, script).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rdird"));
    cmd.args(["script", "simulate"])
        .arg(&file)
        .args(["--events", "JobStart", "--timeout", "120"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// The job report lines of a simulation.
fn report(o: &Output) -> Vec<String> {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
    stdout(o)
        .lines()
        .skip_while(|l| *l != "Job report:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim().to_string())
        .collect()
}

/// A script whose JobStart runs `body` (indented by 8) and writes each
/// line of the list `out` it fills to the job report (`print` output
/// goes there too).
fn job_start(body: &str) -> String {
    let body: String = body.lines().map(|l| format!("        {l}\n")).collect();
    format!(
        "import bacula\n\
         class Events:\n\
         \x20   def JobStart(self, job):\n\
         \x20       out = []\n\
         {body}\
         \x20       for line in out:\n\
         \x20           job.JobReport = str(line)\n\
         bacula.set_events(Events())\n"
    )
}

#[test]
fn every_module_of_the_library_imports_from_the_binary_alone() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<&str> = FROZEN.lines().collect();
    assert!(names.len() > 450, "only {} modules frozen", names.len());
    let script = job_start(&format!(
        "import contextlib, importlib, io, sys\n\
         names = {names:?}\n\
         for n in names:\n\
         \x20   try:\n\
         \x20       with contextlib.redirect_stdout(io.StringIO()):\n\
         \x20           importlib.import_module(n)\n\
         \x20   except BaseException as e:\n\
         \x20       out.append('%s: %s: %s' % (n, type(e).__name__, e))\n\
         for n, m in sorted(sys.modules.items()):\n\
         \x20   f = getattr(m, '__file__', None) or ''\n\
         \x20   if f.startswith('/usr'):\n\
         \x20       out.append('%s from %s' % (n, f))\n\
         out.append('path %s' % sys.path)\n\
         out.append('imported %d' % len(names))\n"
    ));
    let o = simulate_in(dir.path(), &script, &[]);
    let expected = vec![
        format!("path ['{}']", dir.path().display()),
        format!("imported {}", names.len()),
    ];
    assert_eq!(report(&o), expected);
}

/// An interpreter's start-up imports only modules of RustPython's frozen
/// table (stdlib-subset/boot.txt): none of the zstd-packed library is
/// unpacked before the script runs. A module the script imports is
/// unpacked then, with what it imports and nothing more, and is a frozen
/// module like the others (origin "frozen", a package with an empty
/// `__path__` whose submodules import).
#[test]
fn a_script_start_unpacks_no_module_and_an_import_unpacks_only_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let script = "import bacula, sys\n\
                  def packed():\n\
                  \x20   loader = lambda m: getattr(getattr(m, '__spec__', None), 'loader', None)\n\
                  \x20   return sorted(n for n, m in list(sys.modules.items())\n\
                  \x20                 if getattr(loader(m), '__module__', None) == '_rdird_frozen')\n\
                  at_start = packed()\n\
                  import email.mime.text\n\
                  after = packed()\n\
                  class Events:\n\
                  \x20   def JobStart(self, job):\n\
                  \x20       job.JobReport = 'at start: %s' % at_start\n\
                  \x20       job.JobReport = 'email: %s %s' % (email.__spec__.origin, email.__path__)\n\
                  \x20       job.JobReport = 'email.mime.text: %s' % ('email.mime.text' in after)\n\
                  \x20       job.JobReport = 'tomllib: %s' % ('tomllib' in after)\n\
                  bacula.set_events(Events())\n";
    let o = simulate_in(dir.path(), script, &[]);
    assert_eq!(
        report(&o),
        [
            "at start: []",
            "email: frozen []",
            "email.mime.text: True",
            "tomllib: False"
        ]
    );
}

#[test]
fn nothing_is_read_from_the_hosts_python() {
    let dir = tempfile::tempdir().unwrap();
    let script = job_start(
        "import json, csv, decimal, email.message, xml.etree.ElementTree, zoneinfo, ssl, sqlite3\n\
         try:\n\
         \x20   import rdird_no_such_module\n\
         except ImportError:\n\
         \x20   out.append('imported')\n",
    );
    let file = dir.path().join("DirStartUp.py");
    std::fs::write(&file, script).unwrap();
    let trace = dir.path().join("trace");
    let o = Command::new("strace")
        .args(["-f", "-e", "trace=%file", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_rdird"))
        .args(["script", "simulate"])
        .arg(&file)
        .args(["--events", "JobStart"])
        .output()
        .unwrap();
    assert_eq!(report(&o), ["imported"]);
    let text = std::fs::read_to_string(&trace).unwrap();
    // RustPython looks for an installed library when it starts (stat
    // calls, all failing); nothing of a Python installation is opened, and
    // Debian's own Python is not even looked at.
    let python: Vec<&str> = text
        .lines()
        .filter(|l| {
            let opens = ["open(", "openat(", "openat2(", "execve("]
                .iter()
                .any(|c| l.contains(c));
            let pythonish = l.contains("python") || l.contains(".py\"");
            l.contains("/usr/lib/python3") || opens && pythonish && !l.contains("DirStartUp.py")
        })
        .collect();
    assert!(python.is_empty(), "{python:#?}");
    // The trace saw the script itself: strace did follow rdird.
    assert!(text.contains("DirStartUp.py"), "{text}");
}

#[test]
fn the_modules_notifications_use_do_their_work() {
    let dir = tempfile::tempdir().unwrap();
    let script = job_start(
        r#"import csv, io, decimal, fractions, configparser, zlib, hashlib, uuid, re, json
import xml.etree.ElementTree as ET, zoneinfo, datetime, email.message, email.parser
import pprint, platform, statistics, secrets, getpass, threading, sqlite3, ssl, urllib.request
b = io.StringIO(); csv.writer(b).writerows([["a", "b,c"], ["1", 'say "hi"']])
out.append("csv %s" % (list(csv.reader(io.StringIO(b.getvalue()))),))
out.append("decimal %s" % (decimal.Decimal("0.1") + decimal.Decimal("0.2")))
out.append("fractions %s" % (fractions.Fraction(1, 3) + fractions.Fraction(1, 6)))
c = configparser.ConfigParser(); c.read_string("[mail]\nto = ops@example.org\n")
out.append("configparser %s" % c["mail"]["to"])
out.append("zlib %s" % (zlib.decompress(zlib.compress(b"x" * 1000)) == b"x" * 1000))
out.append("hashlib %s" % hashlib.sha256(b"abc").hexdigest()[:16])
out.append("uuid %s" % bool(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", str(uuid.uuid4()))))
out.append("etree %s" % [v.get("name") for v in ET.fromstring("<pool><vol name='A'/><vol name='B'/></pool>")])
paris = zoneinfo.ZoneInfo("Europe/Paris")
out.append("zoneinfo %s %s" % (datetime.datetime(2026, 1, 15, tzinfo=paris).utcoffset(), datetime.datetime(2026, 7, 15, tzinfo=paris).utcoffset()))
m = email.message.EmailMessage(); m["Subject"] = "Job 12 OK"; m.set_content("done")
out.append("email %s" % email.parser.Parser().parsestr(m.as_string())["Subject"])
out.append("pprint %s" % pprint.pformat({"b": 1, "a": [1, 2]}))
out.append("platform %s" % platform.system())
out.append("statistics %s" % statistics.median([3, 1, 4, 1, 5]))
out.append("secrets %d" % len(secrets.token_hex(16)))
out.append("getpass %s" % bool(getpass.getuser()))
seen = []
t = threading.Thread(target=lambda: seen.append(threading.current_thread().name), name="worker")
t.start(); t.join()
out.append("threading %s" % seen)
db = sqlite3.connect(":memory:"); db.execute("create table t (n)"); db.executemany("insert into t values (?)", [(1,), (2,)])
out.append("sqlite3 %s %s" % (db.execute("select sum(n) from t").fetchone()[0], sqlite3.sqlite_version))
out.append("ssl %s" % (ssl.create_default_context().verify_mode == ssl.CERT_REQUIRED))
"#,
    );
    let o = simulate_in(dir.path(), &script, &[]);
    let lines = report(&o);
    let sqlite = lines
        .iter()
        .find(|l| l.starts_with("sqlite3 "))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        lines,
        [
            r#"csv [['a', 'b,c'], ['1', 'say "hi"']]"#,
            "decimal 0.3",
            "fractions 1/2",
            "configparser ops@example.org",
            "zlib True",
            "hashlib ba7816bf8f01cfea",
            "uuid True",
            "etree ['A', 'B']",
            "zoneinfo 1:00:00 2:00:00",
            "email Job 12 OK",
            "pprint {'a': [1, 2], 'b': 1}",
            "platform Linux",
            "statistics 3",
            "secrets 32",
            "getpass True",
            "threading ['worker']",
            sqlite.as_str(),
            "ssl True",
        ]
    );
    assert!(sqlite.starts_with("sqlite3 3 3."), "{sqlite}");
}

#[test]
fn https_trusts_the_ca_ssl_cert_file_names_and_refuses_one_it_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let trusted = authority(dir.path(), "trusted");
    let stranger = authority(dir.path(), "stranger");
    let good = https_server(&trusted, &dir.path().join("good.log"));
    let bad = https_server(&stranger, &dir.path().join("bad.log"));
    let script = job_start(&format!(
        "import ssl, urllib.error, urllib.request\n\
         ctx = ssl.create_default_context()\n\
         for port in ({}, {}):\n\
         \x20   try:\n\
         \x20       out.append(urllib.request.urlopen('https://localhost:%d/' % port, context=ctx, timeout=20).read().decode())\n\
         \x20   except urllib.error.URLError as e:\n\
         \x20       out.append(type(e.reason).__name__)\n",
        good.port, bad.port
    ));
    let o = simulate_in(dir.path(), &script, &[("SSL_CERT_FILE", &trusted.ca)]);
    assert_eq!(report(&o), ["hello", "SSLCertVerificationError"]);
    // Without SSL_CERT_FILE, the system's store does not know the test's CA.
    let o = simulate_in(dir.path(), &script, &[]);
    assert_eq!(
        report(&o),
        ["SSLCertVerificationError", "SSLCertVerificationError"]
    );
}

#[test]
fn smtplib_sends_mail_after_starttls() {
    let dir = tempfile::tempdir().unwrap();
    let a = authority(dir.path(), "mail");
    let received = dir.path().join("mail.txt");
    let server = smtp_server(&a, &received);
    let script = job_start(&format!(
        "import smtplib, ssl\n\
         from email.message import EmailMessage\n\
         m = EmailMessage()\n\
         m['From'] = 'bacula@example.org'; m['To'] = 'ops@example.org'; m['Subject'] = 'Job 12 ended: T'\n\
         m.set_content('Backup OK')\n\
         with smtplib.SMTP('localhost', {}, timeout=20) as s:\n\
         \x20   s.starttls(context=ssl.create_default_context(cafile={:?}))\n\
         \x20   s.send_message(m)\n\
         out.append('sent')\n",
        server.port,
        a.ca.display().to_string()
    ));
    let o = simulate_in(dir.path(), &script, &[]);
    assert_eq!(report(&o), ["sent"]);
    let mail = std::fs::read_to_string(&received).unwrap();
    assert!(mail.contains("Subject: Job 12 ended: T"), "{mail}");
    assert!(mail.contains("Backup OK"), "{mail}");
}

#[test]
fn a_job_end_handler_posts_the_jobs_result_as_json_over_https() {
    let certs = tempfile::tempdir().unwrap();
    let a = authority(certs.path(), "hook");
    let received = certs.path().join("posted.txt");
    let server = https_server(&a, &received);
    let script = format!(
        "import bacula, json, ssl, urllib.request\n\
         CTX = ssl.create_default_context(cafile={:?})\n\
         class Events:\n\
         \x20   def JobEnd(self, job):\n\
         \x20       body = json.dumps({{'job': job.Job, 'jobid': job.JobId, 'status': job.JobStatus}}).encode()\n\
         \x20       req = urllib.request.Request('https://localhost:{}/hook', data=body, headers={{'Content-Type': 'application/json'}})\n\
         \x20       with urllib.request.urlopen(req, context=CTX, timeout=20) as r:\n\
         \x20           job.JobReport = 'webhook answered %d' % r.status\n\
         bacula.set_events(Events())\n",
        a.ca.display().to_string(),
        server.port
    );
    let s = setup_with("fd-secret", Some(&script));
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert!(out.contains("webhook answered 200"), "{out}");
    let posted = std::fs::read_to_string(&received).unwrap();
    let json: serde_json::Value = serde_json::from_str(posted.trim()).unwrap();
    assert_eq!(json["jobid"], 1, "{posted}");
    assert_eq!(json["status"], "T", "{posted}");
    assert_eq!(json["job"], "Backup", "{posted}");
}

#[test]
fn a_script_counts_the_catalogs_jobs_with_sqlite3_from_catalog_res() {
    let script = "import bacula, os, sqlite3\n\
         class Events:\n\
         \x20   def JobEnd(self, job):\n\
         \x20       db = os.path.join(bacula.WorkingDir, job.CatalogRes[0] + '.db')\n\
         \x20       c = sqlite3.connect('file:%s?mode=ro' % db, uri=True)\n\
         \x20       n = c.execute('SELECT count(*) FROM Job').fetchone()[0]\n\
         \x20       c.close()\n\
         \x20       job.JobReport = 'catalog holds %d jobs' % n\n\
         bacula.set_events(Events())\n";
    let s = setup_with("fd-secret", Some(script));
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert!(out.contains("catalog holds 1 jobs"), "{out}");
    let out = s.console("run job=Other yes\nwait\nmessages\n");
    let rows: i64 = s
        .catalog()
        .query_row("SELECT count(*) FROM Job", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 2);
    assert!(out.contains("catalog holds 2 jobs"), "{out}");
}
