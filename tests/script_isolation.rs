//! Every interpreter runs in a process of its own, on a real site: a
//! handler stuck where the time limit cannot reach it (a regex backtrack,
//! os.system) costs only its own job; what a handler does to its process
//! (ignore SIGTERM, fork, close descriptors, os._exit) never reaches the
//! Director; a job's events all run in one interpreter; Python Memory
//! Limit bounds each interpreter process.

mod common;
use common::procfs::*;
use common::site::*;

use std::time::{Duration, Instant};

/// The report lines of job `id` among the console's messages: from its
/// first line to the next job's.
fn report_of(messages: &str, id: i64) -> String {
    messages
        .split(" test-dir JobId ")
        .filter(|part| part.starts_with(&format!("{id}: ")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn handlers_stuck_in_a_regex_and_in_os_system_cost_only_their_own_jobs() {
    // A duration of its own, to tell its sleep from any other's.
    let sleep = format!("{}", 3000 + std::process::id() % 1000);
    let script = format!(
        "import bacula, os, re\n\
         class J:\n\
         \x20   def JobRun(self, job): job.JobReport = 'JobRun of %d' % job.JobId\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       job.set_events(J())\n\
         \x20       if job.Job == 'Regex':\n\
         \x20           re.match('(a*)*b', 'a' * 40)\n\
         \x20       elif job.Job == 'System':\n\
         \x20           os.system('sleep {sleep}')\n\
         \x20   def JobEnd(self, job): job.JobReport = 'JobEnd of %d' % job.JobId\n\
         \x20   def Exit(self): print('Exit was called')\n\
         bacula.set_events(E())\n"
    );
    let mut s = setup_director(
        "fd-secret",
        Some(&script),
        "  Python Event Timeout = 2 sec\n",
        |_| admin_jobs(&["Regex", "System", "Quick"]),
    );
    let started = Instant::now();
    let stuck = job_ids(&s.console("run job=Regex yes\nrun job=System yes\n"));
    assert_eq!(stuck.len(), 2);
    let meanwhile = job_ids(&s.console("run job=Quick yes\n"))[0];
    for &id in &stuck {
        let took = wait_ended(&s, id, started, Duration::from_secs(30));
        // The limit, the grace, and the console's own time.
        assert!(took < Duration::from_secs(5), "JobId {id} took {took:?}");
    }
    wait_ended(&s, meanwhile, started, Duration::from_secs(30));
    let restart = s.console("python restart\n");
    assert!(
        restart.contains("Python interpreter restarted."),
        "{restart}"
    );
    let after = job_ids(&s.console("run job=Quick yes\n"))[0];
    wait_ended(&s, after, started, Duration::from_secs(30));
    let messages = s.console("messages\n");
    for &id in &stuck {
        let report = report_of(&messages, id);
        assert!(
            report.contains("TimeoutError: Python event JobStart exceeded 2 sec"),
            "JobId {id}:\n{report}\n{messages}"
        );
    }
    for id in [meanwhile, after] {
        let report = report_of(&messages, id);
        assert!(
            report.contains(&format!("JobRun of {id}"))
                && report.contains(&format!("JobEnd of {id}")),
            "JobId {id} missed events:\n{report}\n{messages}"
        );
    }
    let took = stop(&mut s);
    assert!(took < Duration::from_secs(10), "SIGTERM took {took:?}");
    assert!(s.log().contains("Exit was called"), "{}", s.log());
    // A killed process is gone once the kernel has torn it down.
    let stopped = Instant::now();
    while !processes_running(&["sleep", &sleep]).is_empty() {
        assert!(
            stopped.elapsed() < Duration::from_secs(2),
            "os.system's sleep outlived the Director"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_handler_that_ignores_sigterm_does_not_keep_the_director_running() {
    let script = "import bacula, signal\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       signal.signal(signal.SIGTERM, signal.SIG_IGN)\n\
         \x20       signal.signal(signal.SIGINT, signal.SIG_IGN)\n\
         \x20       job.JobReport = 'SIGTERM ignored'\n\
         bacula.set_events(E())\n";
    let mut s = setup_conf("fd-secret", Some(script), |_| admin_jobs(&["Ignorer"]));
    let id = job_ids(&s.console("run job=Ignorer yes\n"))[0];
    wait_ended(&s, id, Instant::now(), Duration::from_secs(30));
    let messages = s.console("messages\n");
    assert!(messages.contains("SIGTERM ignored"), "{messages}");
    let took = stop(&mut s);
    assert!(took < Duration::from_secs(10), "SIGTERM took {took:?}");
}

#[test]
fn a_process_a_handler_forks_holds_nothing_of_the_director_once_it_stops() {
    let script = "import bacula, os, time\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       if os.fork() == 0:\n\
         \x20           time.sleep(3600)\n\
         \x20           os._exit(0)\n\
         \x20       job.JobReport = 'forked'\n\
         bacula.set_events(E())\n";
    let mut s = setup_conf("fd-secret", Some(script), |_| admin_jobs(&["Forker"]));
    let id = job_ids(&s.console("run job=Forker yes\n"))[0];
    wait_ended(&s, id, Instant::now(), Duration::from_secs(30));
    // The interpreter processes hold no descriptor of the Director's: no
    // listening socket, no catalog, no log.
    let director = s.dir.0.id();
    let hosts = children_of(director);
    assert!(!hosts.is_empty(), "no interpreter process");
    for pid in hosts {
        let fds: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .filter_map(|e| {
                let e = e.ok()?;
                let target = std::fs::read_link(e.path()).ok()?;
                Some(format!(
                    "{} -> {}",
                    e.file_name().to_str()?,
                    target.display()
                ))
            })
            .collect();
        // Its one socket, the one to the Director, under two numbers.
        let mut sockets: Vec<&str> = fds
            .iter()
            .filter_map(|f| f.split(" -> ").nth(1).filter(|t| t.starts_with("socket:")))
            .collect();
        sockets.dedup();
        assert!(
            sockets.len() <= 1
                && !fds
                    .iter()
                    .any(|f| f.contains(".db") || f.contains("dir.conf")),
            "interpreter process {pid} holds {fds:?}"
        );
        assert!(
            fds.iter().any(|f| f.starts_with("0 -> /dev/null")),
            "{fds:?}"
        );
    }
    s.switch_director(Director::Rdird);
    let out = s.console("status dir\n");
    assert!(out.contains("test-dir"), "{out}");
}

#[test]
fn closing_descriptors_or_os_exit_in_a_handler_fails_only_that_job() {
    let script = "import bacula, os\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       if job.Job == 'Closer':\n\
         \x20           for fd in range(3, 31):\n\
         \x20               try:\n\
         \x20                   os.close(fd)\n\
         \x20               except OSError:\n\
         \x20                   pass\n\
         \x20       elif job.Job == 'Exiter':\n\
         \x20           os._exit(7)\n\
         \x20       job.JobReport = 'JobStart of %d' % job.JobId\n\
         \x20   def JobEnd(self, job): job.JobReport = 'JobEnd of %d' % job.JobId\n\
         bacula.set_events(E())\n";
    let s = setup_conf("fd-secret", Some(script), |_| {
        admin_jobs(&["Closer", "Exiter", "Quick"])
    });
    let started = Instant::now();
    let closer = job_ids(&s.console("run job=Closer yes\n"))[0];
    wait_ended(&s, closer, started, Duration::from_secs(30));
    let exiter = job_ids(&s.console("run job=Exiter yes\n"))[0];
    wait_ended(&s, exiter, started, Duration::from_secs(30));
    let next = job_ids(&s.console("run job=Quick yes\n"))[0];
    wait_ended(&s, next, started, Duration::from_secs(30));
    let messages = s.console("messages\n");
    let report = report_of(&messages, closer);
    assert!(
        report.contains("Python error in JobStart event:")
            && report.contains("lost its connection to the Director"),
        "{report}\n{messages}"
    );
    let report = report_of(&messages, exiter);
    assert!(
        report.contains("Python error in JobStart event:")
            && report.contains("exited with status 7"),
        "{report}\n{messages}"
    );
    let report = report_of(&messages, next);
    assert!(
        report.contains(&format!("JobStart of {next}"))
            && report.contains(&format!("JobEnd of {next}")),
        "{report}\n{messages}"
    );
}

#[test]
fn state_a_script_keeps_in_job_start_is_there_at_job_end_with_slow_jobs_at_once() {
    let script = "import bacula, time\n\
         class J:\n\
         \x20   def JobRun(self, job):\n\
         \x20       if job.Job.startswith('Slow'):\n\
         \x20           time.sleep(1.5)\n\
         class E:\n\
         \x20   def __init__(self): self.start = {}\n\
         \x20   def JobStart(self, job):\n\
         \x20       self.start[job.JobId] = time.time()\n\
         \x20       job.set_events(J())\n\
         \x20   def JobEnd(self, job):\n\
         \x20       job.JobReport = 'JobEnd of %d after %.1f s' % (job.JobId, time.time() - self.start.pop(job.JobId))\n\
         bacula.set_events(E())\n";
    let names = ["Quick1", "Slow1", "Quick2", "Slow2", "Quick3", "Slow3"];
    let s = setup_conf("fd-secret", Some(script), |_| admin_jobs(&names));
    let started = Instant::now();
    let mut ids = Vec::new();
    for round in 0..2 {
        let input: String = names.iter().map(|n| format!("run job={n} yes\n")).collect();
        ids.extend(job_ids(&s.console(&input)));
        if round == 0 {
            std::thread::sleep(Duration::from_millis(300));
        }
    }
    assert_eq!(ids.len(), 12);
    for &id in &ids {
        wait_ended(&s, id, started, Duration::from_secs(60));
    }
    let messages = s.console("messages\n");
    assert!(!messages.contains("KeyError"), "{messages}");
    for &id in &ids {
        assert!(
            messages.contains(&format!("JobEnd of {id} after")),
            "JobId {id}:\n{messages}"
        );
    }
}

#[test]
fn an_interpreter_past_the_memory_limit_is_killed_and_later_jobs_run_in_a_fresh_one() {
    let script = "import bacula, os, time\n\
         kept = []\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       job.JobReport = 'JobStart in %d' % os.getpid()\n\
         \x20       if job.Job == 'Greedy':\n\
         \x20           kept.append(b'x' * (300 * 1000 * 1000))\n\
         \x20           time.sleep(20)\n\
         bacula.set_events(E())\n";
    let s = setup_director(
        "fd-secret",
        Some(script),
        "  Python Memory Limit = 100 MB\n  Python Event Timeout = 30 sec\n",
        |_| admin_jobs(&["Greedy", "Quick"]),
    );
    let director = s.dir.0.id();
    let total = || rss_with_children(director);
    let started = Instant::now();
    let greedy = job_ids(&s.console("run job=Greedy yes\n"))[0];
    let took = wait_ended(&s, greedy, started, Duration::from_secs(30));
    assert!(
        took < Duration::from_secs(15),
        "the greedy interpreter was not killed: its job took {took:?}"
    );
    let after_kill = total();
    assert!(
        after_kill < 200 * 1024 * 1024,
        "the Director and its interpreters hold {} MiB after the kill",
        after_kill >> 20
    );
    let next = job_ids(&s.console("run job=Quick yes\n"))[0];
    wait_ended(&s, next, started, Duration::from_secs(30));
    let messages = s.console("messages\n");
    let report = report_of(&messages, greedy);
    assert!(
        report.contains("over twice Python Memory Limit"),
        "{report}\n{messages}"
    );
    let pid = |id: i64| {
        report_of(&messages, id)
            .split("JobStart in ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .map(str::to_string)
    };
    assert!(pid(next).is_some(), "{messages}");
    assert_ne!(pid(next), pid(greedy), "{messages}");
}

#[test]
fn the_interpreters_of_a_director_running_as_nobody_run_as_nobody() {
    const NOBODY: u32 = 65534;
    let script = "import bacula, os\n\
         class E:\n\
         \x20   def JobStart(self, job): job.JobReport = 'JobStart as uid %d' % os.getuid()\n\
         bacula.set_events(E())\n";
    let s = setup_conf_args(
        "fd-secret",
        Some(script),
        |p| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(p.root, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::os::unix::fs::chown(p.root.join("dir"), Some(NOBODY), Some(NOBODY)).unwrap();
            admin_jobs(&["Quick"])
        },
        &["-u", "nobody", "-g", "nogroup"],
    );
    wait_log(&s.root.path().join("dir.log"), "Python script loaded");
    let id = job_ids(&s.console("run job=Quick yes\n"))[0];
    wait_ended(&s, id, Instant::now(), Duration::from_secs(30));
    let messages = s.console("messages\n");
    assert!(
        report_of(&messages, id).contains(&format!("JobStart as uid {NOBODY}")),
        "{messages}\n{}",
        s.log()
    );
}

/// Python that writes one length-prefixed JSON frame `body` to the
/// Director's socket, as a script forging the protocol would.
const FORGE: &str = "import os, struct\n\
     def forge(body):\n\
     \x20   data = body.encode()\n\
     \x20   os.write(3, struct.pack('<I', len(data)) + data)\n";

/// The state letter /proc gives `pid` (R, S, Z, T, ...).
fn proc_state(pid: u32) -> Option<char> {
    let st = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    st.rsplit(')')
        .next()?
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

#[test]
fn a_process_that_floods_its_socket_and_stops_itself_holds_up_no_job_and_not_the_stop() {
    let script = format!(
        "{FORGE}import bacula, signal, threading\n\
         def flood():\n\
         \x20   for i in range(100000):\n\
         \x20       forge('{{\"Request\":{{\"id\":%d,\"job_id\":0,\"call\":{{\"JobRunning\":1}}}}}}' % i)\n\
         \x20   os.kill(os.getpid(), signal.SIGSTOP)\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       if job.Job == 'Flooder':\n\
         \x20           threading.Thread(target=flood, daemon=True).start()\n\
         \x20       job.JobReport = 'JobStart of %d' % job.JobId\n\
         bacula.set_events(E())\n"
    );
    let mut s = setup_director(
        "fd-secret",
        Some(&script),
        "  Python Event Timeout = 2\n",
        |_| admin_jobs(&["Flooder", "Quick"]),
    );
    let started = Instant::now();
    let flooder = job_ids(&s.console("run job=Flooder yes\n"))[0];
    wait_ended(&s, flooder, started, Duration::from_secs(30));
    // The flood fills the socket and the process stops itself.
    let director = s.dir.0.id();
    let since = Instant::now();
    while !children_of(director)
        .iter()
        .any(|p| proc_state(*p) == Some('T'))
    {
        assert!(
            since.elapsed() < Duration::from_secs(60),
            "no interpreter process stopped itself:\n{}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The Director's replies fill the socket behind it.
    std::thread::sleep(Duration::from_secs(1));
    let started = Instant::now();
    let next = job_ids(&s.console("run job=Quick yes\n"))[0];
    wait_ended(&s, next, started, Duration::from_secs(20));
    let messages = s.console("messages\n");
    let report = report_of(&messages, next);
    assert!(
        report.contains(&format!("JobStart of {next}")),
        "{report}\n{messages}\n{}",
        s.log()
    );
    let took = stop(&mut s);
    assert!(took < Duration::from_secs(10), "SIGTERM took {took:?}");
}

#[test]
fn what_a_script_leaves_running_outside_its_group_keeps_no_socket_and_no_zombie() {
    let tag = 3000 + std::process::id() % 1000;
    let pidfile = format!("/tmp/rdird-forked-{}", std::process::id());
    let script = format!(
        "import bacula, os, time\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       os.system('setsid sleep {tag} &')\n\
         \x20       pid = os.fork()\n\
         \x20       if pid == 0:\n\
         \x20           os.setsid()\n\
         \x20           time.sleep(3600)\n\
         \x20           os._exit(0)\n\
         \x20       open('{pidfile}', 'w').write(str(pid))\n\
         \x20       job.JobReport = 'left them running'\n\
         bacula.set_events(E())\n"
    );
    let s = setup_conf("fd-secret", Some(&script), |_| admin_jobs(&["Leaver"]));
    let id = job_ids(&s.console("run job=Leaver yes\n"))[0];
    wait_ended(&s, id, Instant::now(), Duration::from_secs(30));
    let forked: u32 = std::fs::read_to_string(&pidfile).unwrap().parse().unwrap();
    let sleeps = processes_running(&["sleep", &tag.to_string()]);
    let cleanup = || {
        for pid in sleeps.iter().chain([&forked]) {
            unsafe { libc::kill(*pid as i32, libc::SIGKILL) };
        }
        let _ = std::fs::remove_file(&pidfile);
    };
    // A program the script runs does not get the Director's socket.
    let held: Vec<String> = sleeps
        .iter()
        .flat_map(|pid| std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap())
        .filter_map(|e| {
            Some(
                std::fs::read_link(e.ok()?.path())
                    .ok()?
                    .display()
                    .to_string(),
            )
        })
        .filter(|t| t.starts_with("socket:"))
        .collect();
    if sleeps.is_empty() || !held.is_empty() {
        cleanup();
        panic!("sleep {tag}: {sleeps:?} holds {held:?}");
    }
    // The restart kills the idle process; the Director reaps it although
    // the forked copy still holds the socket's other side.
    let out = s.console("python restart\n");
    let director = s.dir.0.id();
    let since = Instant::now();
    let zombies = loop {
        let z: Vec<u32> = children_of(director)
            .into_iter()
            .filter(|p| proc_state(*p) == Some('Z'))
            .collect();
        if z.is_empty() || since.elapsed() > Duration::from_secs(5) {
            break z;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    cleanup();
    assert!(
        out.contains("restarted") && zombies.is_empty(),
        "{out}\nunreaped: {zombies:?}\n{}",
        s.log()
    );
}

#[test]
fn a_forged_load_result_kills_only_the_process_that_sent_it() {
    let script = format!(
        "{FORGE}import bacula\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       if job.Job == 'Forger':\n\
         \x20           forge('{{\"Failed\":{{\"token\":0,\"traceback\":\"forged\"}}}}' if job.JobId % 2 else '{{\"Loaded\":{{\"token\":0}}}}')\n\
         \x20       job.JobReport = 'JobStart of %d' % job.JobId\n\
         bacula.set_events(E())\n"
    );
    let s = setup_conf("fd-secret", Some(&script), |_| {
        admin_jobs(&["Forger", "Quick"])
    });
    let started = Instant::now();
    for _ in 0..10 {
        let id = job_ids(&s.console("run job=Forger yes\n"))[0];
        wait_ended(&s, id, started, Duration::from_secs(60));
    }
    let next = job_ids(&s.console("run job=Quick yes\n"))[0];
    wait_ended(&s, next, started, Duration::from_secs(60));
    let messages = s.console("messages\n");
    let report = report_of(&messages, next);
    let log = s.log();
    assert!(
        report.contains(&format!("JobStart of {next}"))
            && log
                .contains("sent a load result its loader did not make: it is killed and replaced"),
        "{report}\n{messages}\n{log}"
    );
}

#[test]
fn a_python_restart_during_the_start_up_import_leaves_python_on() {
    let dir = tempfile::tempdir().unwrap();
    let go = dir.path().join("go");
    // The start-up imports (the first process's and the spare's) are
    // slow; the restart's, once `go` exists, is not.
    let script = format!(
        "import bacula, os, time\n\
         open('{0}/%d' % os.getpid(), 'w').close()\n\
         if not os.path.exists('{1}'):\n\
         \x20   time.sleep(5)\n\
         class E:\n\
         \x20   def JobStart(self, job): job.JobReport = 'JobStart of %d' % job.JobId\n\
         bacula.set_events(E())\n",
        dir.path().display(),
        go.display()
    );
    let s = setup_director(
        "fd-secret",
        Some(&script),
        "  Python Event Timeout = 15\n",
        |_| admin_jobs(&["Quick"]),
    );
    let since = Instant::now();
    while std::fs::read_dir(dir.path()).unwrap().count() < 2 {
        assert!(since.elapsed() < Duration::from_secs(30), "{}", s.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::write(&go, "").unwrap();
    let out = s.console("python restart\n");
    // Past the start-up import.
    std::thread::sleep(Duration::from_secs(6));
    let id = job_ids(&s.console("run job=Quick yes\n"))[0];
    wait_ended(&s, id, Instant::now(), Duration::from_secs(30));
    let messages = s.console("messages\n");
    let report = report_of(&messages, id);
    let log = s.log();
    assert!(
        out.contains("restarted")
            && report.contains(&format!("JobStart of {id}"))
            && !log.contains("Python disabled"),
        "{out}\n{report}\n{messages}\n{log}"
    );
}

#[test]
fn job_run_in_a_loop_is_refused_past_the_jobs_the_director_holds_and_it_goes_on() {
    let max = rdird::job::MAX_JOBS;
    let script = format!(
        "import bacula\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       if job.Job == 'Looper':\n\
         \x20           n = 0\n\
         \x20           while n < {} and job.run('run job=Quick yes') > 0:\n\
         \x20               n += 1\n\
         \x20           job.JobReport = 'ran %d' % n\n\
         bacula.set_events(E())\n",
        max * 3
    );
    // Quick waits behind its Job's limit of one: they pile up.
    let s = setup_director(
        "fd-secret",
        Some(&script),
        "  Python Event Timeout = 120\n",
        |_| {
            admin_jobs(&["Looper"])
                + "Job { Name = Quick; Type = Admin; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Maximum Concurrent Jobs = 1; RunBeforeJob = \"sleep 60\" }\n"
        },
    );
    let started = Instant::now();
    let looper = job_ids(&s.console("run job=Looper yes\n"))[0];
    wait_ended(&s, looper, started, Duration::from_secs(180));
    // The console's run is refused the same way (the Looper may have
    // left its place: one more may fit).
    let refused = s.console("run job=Quick yes\nrun job=Quick yes\n");
    let messages = s.console("messages\n");
    let report = report_of(&messages, looper);
    let ran: usize = report
        .split("ran ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("{report}\n{messages}"));
    assert!(
        (max - 100..max).contains(&ran)
            && report.contains("failed: the Director already holds")
            && refused.contains(&format!("the Director already holds {max} jobs")),
        "ran {ran}\n{report}\n{refused}"
    );
    let status = s.console("status dir\n");
    assert!(status.contains("test-dir"), "{status}");
}

#[test]
fn python_restarts_while_jobs_run_keep_the_interpreter_processes_bounded() {
    let script = "import bacula, time\n\
         class E:\n\
         \x20   def JobStart(self, job): time.sleep(20)\n\
         bacula.set_events(E())\n";
    let s = setup_director(
        "fd-secret",
        Some(script),
        "  Python Event Timeout = 60\n  Maximum Concurrent Jobs = 60\n",
        |_| {
            "Job { Name = Long; Type = Admin; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Maximum Concurrent Jobs = 60 }\n".to_string()
        },
    );
    let director = s.dir.0.id();
    let mut most = 0;
    let mut restarts = String::new();
    for _ in 0..4 {
        let ids = job_ids(&s.console(&"run job=Long yes\n".repeat(8)));
        assert_eq!(ids.len(), 8, "{}", s.log());
        // Each is homed and in its JobStart, in a process of its own or
        // shared.
        std::thread::sleep(Duration::from_millis(1500));
        most = most.max(children_of(director).len());
        restarts += &s.console("python restart\n");
        std::thread::sleep(Duration::from_millis(500));
        most = most.max(children_of(director).len());
    }
    assert!(
        most <= 12 && restarts.contains("restarted"),
        "{most} interpreter processes at once\n{restarts}"
    );
}

#[test]
fn a_script_flooding_a_jobs_report_does_not_grow_the_director() {
    let script = format!(
        "{FORGE}import bacula, threading, time\n\
         def flood(job_id):\n\
         \x20   frame = '{{\"PassOn\":{{\"job_id\":%d,\"messages\":[\"%s\"]}}}}' % (job_id, 'y' * 1000000)\n\
         \x20   for i in range(300):\n\
         \x20       forge(frame)\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       t = threading.Thread(target=flood, args=(job.JobId,))\n\
         \x20       t.start()\n\
         \x20       t.join()\n\
         \x20       time.sleep(1)\n\
         bacula.set_events(E())\n"
    );
    let s = setup_director(
        "fd-secret",
        Some(&script),
        "  Python Event Timeout = 60\n",
        |_| admin_jobs(&["Flooder"]),
    );
    let director = s.dir.0.id();
    let started = Instant::now();
    let id = job_ids(&s.console("run job=Flooder yes\n"))[0];
    let mut most = 0;
    while is_running(&s.job_status(id)) {
        most = most.max(rss(director));
        assert!(started.elapsed() < Duration::from_secs(120), "{}", s.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = s.log();
    assert!(
        most < 150 << 20
            && log.contains("what it says is dropped until the minute ends")
            && log.len() < 50 << 20,
        "the Director held {} MiB; log of {} bytes",
        most >> 20,
        log.len()
    );
}

#[test]
fn a_given_up_handler_that_left_its_process_group_is_killed_all_the_same() {
    let pidfile = format!("/tmp/rdird-regrouped-{}", std::process::id());
    let script = format!(
        "import bacula, os, time\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       open('{pidfile}', 'w').write(str(os.getpid()))\n\
         \x20       os.setpgid(0, os.getpgid(os.getppid()))\n\
         \x20       while True:\n\
         \x20           try:\n\
         \x20               time.sleep(1)\n\
         \x20           except BaseException:\n\
         \x20               pass\n\
         bacula.set_events(E())\n"
    );
    let s = setup_director(
        "fd-secret",
        Some(&script),
        "  Python Event Timeout = 2\n",
        |_| admin_jobs(&["Stuck"]),
    );
    let started = Instant::now();
    let id = job_ids(&s.console("run job=Stuck yes\n"))[0];
    wait_ended(&s, id, started, Duration::from_secs(30));
    let pid: u32 = std::fs::read_to_string(&pidfile).unwrap().parse().unwrap();
    let _ = std::fs::remove_file(&pidfile);
    let since = Instant::now();
    while proc_state(pid).is_some_and(|st| st != 'Z') {
        if since.elapsed() > Duration::from_secs(5) {
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("the given-up interpreter process {pid} still runs");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_event_queued_behind_a_stuck_handler_runs_elsewhere_when_that_process_is_killed() {
    let names: Vec<String> = (0..12).map(|i| format!("A{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let script = "import bacula, time\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       if job.Job == 'A0':\n\
         \x20           while True:\n\
         \x20               try:\n\
         \x20                   time.sleep(1)\n\
         \x20               except BaseException:\n\
         \x20                   pass\n\
         \x20       time.sleep(1.5)\n\
         \x20       job.JobReport = 'JobStart of %d' % job.JobId\n\
         bacula.set_events(E())\n";
    let s = setup_director(
        "fd-secret",
        Some(script),
        "  Python Event Timeout = 2\n",
        |_| admin_jobs(&names),
    );
    let runs: String = names.iter().map(|n| format!("run job={n} yes\n")).collect();
    let ids = job_ids(&s.console(&runs));
    assert_eq!(ids.len(), 12);
    let started = Instant::now();
    for id in &ids {
        wait_ended(&s, *id, started, Duration::from_secs(60));
    }
    let messages = s.console("messages\n");
    for id in &ids[1..] {
        let report = report_of(&messages, *id);
        assert!(
            report.contains(&format!("JobStart of {id}")) && s.job_status(*id) == "T",
            "JobId {id}: {}\n{report}\n{messages}",
            s.job_status(*id)
        );
    }
}

#[test]
fn a_load_result_forged_at_import_is_not_taken_for_the_load() {
    let script = format!(
        "{FORGE}import bacula, time\n\
         forge('{{\"Loaded\":{{\"token\":0}}}}')\n\
         while True:\n\
         \x20   try:\n\
         \x20       time.sleep(1)\n\
         \x20   except BaseException:\n\
         \x20       pass\n"
    );
    let s = setup_director(
        "fd-secret",
        Some(&script),
        "  Python Event Timeout = 2\n",
        |_| admin_jobs(&["Quick"]),
    );
    let started = Instant::now();
    let id = job_ids(&s.console("run job=Quick yes\n"))[0];
    let took = wait_ended(&s, id, started, Duration::from_secs(60));
    let log = s.log();
    assert!(
        !log.contains("Python script loaded")
            && log.contains("sent a load result its loader did not make")
            && took < Duration::from_secs(8),
        "{took:?}\n{log}"
    );
}

#[test]
fn job_run_from_exit_is_refused_and_leaves_no_job_behind() {
    let out = format!("/tmp/rdird-exit-run-{}", std::process::id());
    let script = format!(
        "import bacula\n\
         saved = []\n\
         class E:\n\
         \x20   def JobStart(self, job): saved.append(job)\n\
         \x20   def Exit(self):\n\
         \x20       open('{out}', 'w').write(str(saved[0].run('run job=Quick yes')))\n\
         bacula.set_events(E())\n"
    );
    let mut s = setup_conf("fd-secret", Some(&script), |_| admin_jobs(&["Quick"]));
    let id = job_ids(&s.console("run job=Quick yes\n"))[0];
    wait_ended(&s, id, Instant::now(), Duration::from_secs(30));
    stop(&mut s);
    let ran = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    let jobs: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Job", [], |r| r.get(0))
        .unwrap();
    assert!(
        ran == "-1" && jobs == 1,
        "Exit's run gave {ran:?}; {jobs} jobs"
    );
}
