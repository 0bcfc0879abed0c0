//! TLS peers for script tests: a certificate authority and a server
//! certificate made with the `openssl` command at test time, and small
//! servers in the host's python3 (an HTTPS server that keeps what it is
//! sent, an SMTP server that offers STARTTLS) for scripts to talk to.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::site::Proc;

/// A CA of its own and a certificate it signed for localhost and 127.0.0.1.
pub struct Authority {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes `<name>-ca.pem` and a server certificate it signed in `dir`.
pub fn authority(dir: &Path, name: &str) -> Authority {
    let ca = format!("{name}-ca.pem");
    let ca_key = format!("{name}-ca.key");
    let cert = format!("{name}-server.pem");
    let key = format!("{name}-server.key");
    let csr = format!("{name}-server.csr");
    let ext = format!("{name}-server.ext");
    std::fs::write(
        dir.join(&ext),
        "subjectAltName = DNS:localhost, IP:127.0.0.1\nextendedKeyUsage = serverAuth\n",
    )
    .unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    let subj = format!("/CN={name} test CA");
    let mut args = vec!["req", "-x509", "-nodes", "-days", "2", "-subj", &subj];
    args.extend(ec);
    args.extend(["-keyout", &ca_key, "-out", &ca]);
    openssl(dir, &args);
    let mut args = vec!["req", "-nodes", "-subj", "/CN=localhost"];
    args.extend(ec);
    args.extend(["-keyout", &key, "-out", &csr]);
    openssl(dir, &args);
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-days",
            "2",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-extfile",
            &ext,
            "-out",
            &cert,
        ],
    );
    Authority {
        ca: dir.join(ca),
        cert: dir.join(cert),
        key: dir.join(key),
    }
}

/// A server in the host's python3, on a free 127.0.0.1 port.
pub struct Server {
    pub port: u16,
    _proc: Proc,
}

/// Runs `code` (which prints the port it listens on, then serves) with
/// `args` after it on its command line.
fn python_server(code: &str, args: &[&Path]) -> Server {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(code)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("server said {line:?}"));
    Server {
        port,
        _proc: Proc(child),
    }
}

/// An HTTPS server with `a`'s certificate that answers every POST with
/// 200 and appends its body, one line a request, to `received`.
pub fn https_server(a: &Authority, received: &Path) -> Server {
    const CODE: &str = r#"
import http.server, ssl, sys
cert, key, out = sys.argv[1:4]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(out, "ab") as f:
            f.write(body + b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;
    python_server(CODE, &[&a.cert, &a.key, received])
}

/// An SMTP server that offers STARTTLS with `a`'s certificate, refuses
/// mail before it, and appends each message it takes to `received`.
pub fn smtp_server(a: &Authority, received: &Path) -> Server {
    const CODE: &str = r#"
import socket, ssl, sys, threading
cert, key, out = sys.argv[1:4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
def serve(conn):
    f = conn.makefile("rwb")
    def say(line):
        f.write(line.encode() + b"\r\n"); f.flush()
    say("220 localhost ESMTP test")
    tls = False
    while True:
        line = f.readline().decode().rstrip("\r\n")
        verb = line.split(" ")[0].upper()
        if verb == "EHLO":
            say("250-localhost")
            say("250 STARTTLS" if not tls else "250 HELP")
        elif verb == "STARTTLS" and not tls:
            say("220 go ahead")
            conn = ctx.wrap_socket(conn, server_side=True)
            f = conn.makefile("rwb")
            tls = True
        elif verb in ("MAIL", "RCPT"):
            say("250 ok" if tls else "530 STARTTLS first")
        elif verb == "DATA":
            say("354 end with .")
            lines = []
            while True:
                l = f.readline().decode().rstrip("\r\n")
                if l == ".":
                    break
                lines.append(l)
            with open(out, "a") as o:
                o.write("\n".join(lines) + "\n")
            say("250 queued")
        elif verb == "QUIT" or not line:
            say("221 bye")
            conn.close()
            return
        else:
            say("250 ok")
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;
    python_server(CODE, &[&a.cert, &a.key, received])
}
