//! The script host's time limits and concurrency, on a real site: a
//! handler blocked in a system call gives its job back within the limit
//! and a second, other jobs run meanwhile, SIGTERM stops the Director
//! within 10 s with Exit called; a script that never finishes importing
//! leaves the consoles answered and `python restart` keeps the old one;
//! a slow JobEnd in one job does not hold a concurrent job's JobStart.

mod common;
use common::site::*;

use std::time::{Duration, Instant};

#[test]
fn job_starts_blocked_in_sleep_recv_and_a_subprocess_end_their_jobs_in_time_and_sigterm_stops_the_director(
) {
    // A server that accepts and never writes.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in server.incoming() {
            held.push(c);
        }
    });
    let script = format!(
        "import bacula, socket, subprocess, time\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       name = job.Job\n\
         \x20       if name.startswith('Sleeper'):\n\
         \x20           time.sleep(3600)\n\
         \x20       elif name.startswith('Reader'):\n\
         \x20           socket.create_connection(('127.0.0.1', {port})).recv(10)\n\
         \x20       elif name.startswith('Waiter'):\n\
         \x20           subprocess.run(['sleep', '3600'])\n\
         \x20       else:\n\
         \x20           job.JobReport = 'JobStart ran normally'\n\
         \x20   def Exit(self):\n\
         \x20       print('Exit was called')\n\
         bacula.set_events(E())\n"
    );
    let mut s = setup_director(
        "fd-secret",
        Some(&script),
        "  Python Event Timeout = 2 sec\n",
        |_| admin_jobs(&["Sleeper", "Reader", "Waiter"]),
    );
    let started = Instant::now();
    let out = s.console("run job=Sleeper yes\nrun job=Reader yes\nrun job=Waiter yes\n");
    let stuck = job_ids(&out);
    assert_eq!(stuck.len(), 3, "{out}");
    let out = s.console("run job=Backup yes\n");
    let normal = job_ids(&out)[0];
    for &id in &stuck {
        let took = wait_ended(&s, id, started, Duration::from_secs(30));
        // Its start is a little after `started` (the console's own time).
        assert!(took < Duration::from_secs(6), "JobId {id} took {took:?}");
    }
    wait_ended(&s, normal, started, Duration::from_secs(60));
    assert_eq!(s.job_status(normal), "T");
    let messages = s.console("messages\n");
    for &id in &stuck {
        // The error's traceback runs to the next message.
        let timeout = messages
            .split(&format!("JobId {id}: Python error in JobStart event:"))
            .nth(1)
            .and_then(|rest| rest.split(" test-dir JobId ").next())
            .is_some_and(|tb| {
                // Stopped where it was blocked, not given up on.
                tb.contains("Traceback (most recent call last)")
                    && tb.contains("TimeoutError: Python event JobStart exceeded 2 sec\n")
            });
        assert!(
            timeout,
            "no TimeoutError for JobId {id}:\n{messages}\n{}",
            s.log()
        );
    }
    assert!(messages.contains("JobStart ran normally"), "{messages}");
    let took = stop(&mut s);
    assert!(took < Duration::from_secs(10), "SIGTERM took {took:?}");
    assert!(s.log().contains("Exit was called"), "{}", s.log());
}

#[test]
fn a_script_that_never_finishes_importing_leaves_consoles_served_and_a_restart_to_it_keeps_the_old_script(
) {
    // It swallows the TimeoutError it is given, at every try.
    let endless = "import time\nwhile True:\n    try:\n        time.sleep(3600)\n    except BaseException:\n        pass\n";
    let started = Instant::now();
    let s = setup_director(
        "fd-secret",
        Some(endless),
        "  Python Event Timeout = 2 sec\n",
        |_| String::new(),
    );
    let out = s.console_within("status dir\n", Duration::from_secs(5));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(out.contains("test-dir"), "{out}");
    wait_log(&s.root.path().join("dir.log"), "Python disabled");
    assert!(s.log().contains("did not finish importing"), "{}", s.log());

    let scripts = s.root.path().join("scripts/DirStartUp.py");
    std::fs::write(
        &scripts,
        "import bacula\nclass E:\n    def JobStart(self, job): job.JobReport = 'good script'\nbacula.set_events(E())\n",
    )
    .unwrap();
    let out = s.console("python restart\n");
    assert!(out.contains("Python interpreter restarted."), "{out}");
    std::fs::write(&scripts, endless).unwrap();
    let out = s.console_within("python restart\n", Duration::from_secs(10));
    assert!(out.contains("not restarted"), "{out}");
    assert!(out.contains("did not finish importing"), "{out}");
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert!(out.contains("good script"), "{out}");
}

#[test]
fn a_slow_job_end_in_one_job_does_not_delay_a_concurrent_job_start() {
    let stamps = tempfile::tempdir().unwrap();
    let dir = stamps.path().display();
    let script = format!(
        "import bacula, time\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       if job.Job.startswith('Second'):\n\
         \x20           open('{dir}/second_start', 'w').write(repr(time.time()))\n\
         \x20   def JobEnd(self, job):\n\
         \x20       if job.Job.startswith('First'):\n\
         \x20           open('{dir}/first_end', 'w').write(repr(time.time()))\n\
         \x20           time.sleep(5)\n\
         bacula.set_events(E())\n"
    );
    let s = setup_conf("fd-secret", Some(&script), |_| {
        admin_jobs(&["First", "Second"])
    });
    s.console("run job=First yes\n");
    let first_end = stamps.path().join("first_end");
    let started = Instant::now();
    while !first_end.exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "{}", s.log());
        std::thread::sleep(Duration::from_millis(10));
    }
    s.console("run job=Second yes\n");
    let second_start = stamps.path().join("second_start");
    while !second_start.exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "{}", s.log());
        std::thread::sleep(Duration::from_millis(10));
    }
    // A stamp exists from the script's open() on; its time is there once
    // the write is.
    let read = |p: &std::path::Path| -> f64 {
        loop {
            if let Ok(t) = std::fs::read_to_string(p).unwrap().trim().parse() {
                return t;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "{}", s.log());
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    let (end, start) = (read(&first_end), read(&second_start));
    // The second JobStart ran while the first JobEnd was still asleep.
    assert!(start - end < 4.0, "JobStart waited {:.3} s", start - end);
}

#[test]
fn sigterm_stops_the_director_within_ten_seconds_while_a_handler_and_exit_sleep_under_a_30_s_limit()
{
    let script = "import bacula, time\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       open(bacula.WorkingDir + '/started', 'w').close()\n\
         \x20       time.sleep(3600)\n\
         \x20   def Exit(self):\n\
         \x20       print('Exit was called')\n\
         \x20       time.sleep(3600)\n\
         bacula.set_events(E())\n";
    let mut s = setup_conf("fd-secret", Some(script), |_| admin_jobs(&["Sleeper"]));
    s.console("run job=Sleeper yes\n");
    let started = s.root.path().join("dir/started");
    let t = Instant::now();
    while !started.exists() {
        assert!(t.elapsed() < Duration::from_secs(20), "{}", s.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = stop(&mut s);
    assert!(took < Duration::from_secs(10), "SIGTERM took {took:?}");
    let log = s.log();
    assert!(log.contains("Exit was called"), "{log}");
    assert!(log.contains("Python event Exit exceeded 4 sec"), "{log}");
}
