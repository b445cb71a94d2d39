//! A live server for integration tests: `notbetter serve` on a free loopback port with a fresh
//! data directory and a reviewer, and a raw HTTP/1.1 client (so invalid UTF-8 and malformed
//! requests reach the server byte for byte).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use notbetter_store::{Store, SubmissionStatus};

use crate::util::Env;

pub const PASSWORD: &str = "a long enough password";

/// A reply: status, headers (lowercased names) and body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .filter_map(|(_, v)| v.split(';').next())
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
    }
    pub fn is_html(&self) -> bool {
        self.header("content-type")
            .is_some_and(|c| c.starts_with("text/html"))
    }
}

/// The server under test.
pub struct Server {
    env: Env,
    child: Child,
    port: u16,
    /// Run on every reply of [`Server::request`]; a panic in it is recorded in `problems`.
    pub check: fn(&str, &str, &Reply),
    /// Every violation seen, reported together at the end.
    pub problems: std::cell::RefCell<Vec<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// A fresh data directory with the reviewer `rita`, served with `extra` arguments to `serve`.
    pub fn start(extra: &[&str]) -> Server {
        Server::start_in(Env::new(), extra)
    }

    /// [`Server::start`] on `env` (a node of a shared store, say).
    pub fn start_in(env: Env, extra: &[&str]) -> Server {
        let mut add = env
            .command()
            .args(["user", "add", "rita", "--role", "reviewer"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        add.stdin
            .take()
            .unwrap()
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .unwrap();
        assert!(add.wait().unwrap().success(), "user add failed");
        Server::serve(env, extra)
    }

    /// Serves an existing data directory.
    pub fn serve(env: Env, extra: &[&str]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = env
            .command()
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            env,
            child,
            port,
            check: |_, _, _| {},
            problems: Default::default(),
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(r) = server.try_request(b"GET /healthz HTTP/1.1\r\n", &[], b"") {
                if r.status == 200 {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Kills the server with SIGKILL (no destructors, no flushing) and gives back its data.
    pub fn kill(mut self) -> Env {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::replace(&mut self.env, Env::new())
    }

    pub fn store(&self) -> Store {
        self.env.store()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Sends one request; `start` is the request line (raw bytes, so it may be invalid UTF-8).
    pub fn try_request(
        &self,
        start: &[u8],
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Reply> {
        send(self.port, start, headers, body)
    }

    pub fn request(
        &self,
        method: &str,
        target: &[u8],
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut start = format!("{method} ").into_bytes();
        start.extend_from_slice(target);
        start.extend_from_slice(b" HTTP/1.1\r\n");
        let r = self
            .try_request(&start, headers, body)
            .unwrap_or_else(|e| panic!("{method} {}: {e}", String::from_utf8_lossy(target)));
        let check = self.check;
        if let Err(e) =
            std::panic::catch_unwind(|| check(method, &String::from_utf8_lossy(target), &r))
        {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "?".into());
            self.problems.borrow_mut().push(msg);
        }
        r
    }

    pub fn get(&self, target: &str) -> Reply {
        self.request("GET", target.as_bytes(), &[], b"")
    }

    pub fn get_with(&self, target: &str, cookie: &str) -> Reply {
        self.request("GET", target.as_bytes(), &[("Cookie", cookie)], b"")
    }

    pub fn post_form(&self, target: &str, cookie: &str, pairs: &[(&str, &str)]) -> Reply {
        self.request(
            "POST",
            target.as_bytes(),
            &[
                ("Cookie", cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            encode_form(pairs).as_bytes(),
        )
    }

    /// A CSRF cookie and token from a form page.
    pub fn csrf(&self, page: &str) -> (String, String) {
        let r = self.get(page);
        let token = r.cookie("nb_csrf").expect("form pages set a CSRF cookie");
        (format!("nb_csrf={token}"), token)
    }

    pub fn login(&self) -> String {
        let (cookie, token) = self.csrf("/review/login");
        let r = self.post_form(
            "/review/login",
            &cookie,
            &[("csrf", &token), ("name", "rita"), ("password", PASSWORD)],
        );
        assert_eq!(r.status, 303, "login: {}", r.text());
        format!(
            "nb_session={}; {cookie}",
            r.cookie("nb_session").expect("a session cookie")
        )
    }

    pub fn submissions(&self) -> Vec<notbetter_store::Submission> {
        let store = self.store();
        [
            SubmissionStatus::Pending,
            SubmissionStatus::Approved,
            SubmissionStatus::Rejected,
        ]
        .into_iter()
        .flat_map(|s| store.submissions(s, 100_000).unwrap())
        .collect()
    }
}

/// Sends one request; `start` is the request line (raw bytes, so it may be invalid UTF-8).
pub fn send(
    port: u16,
    start: &[u8],
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Reply> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut req = start.to_vec();
    req.extend_from_slice(format!("Host: 127.0.0.1:{}\r\nConnection: close\r\n", port).as_bytes());
    for (k, v) in headers {
        req.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    if !body.is_empty() || start.starts_with(b"POST") {
        req.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    s.write_all(&req)?;
    // The server may answer (413) and close before a large body is sent: a failed write is
    // fine as long as the reply can be read.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse_reply(&raw).ok_or_else(|| {
        std::io::Error::other(format!(
            "no HTTP reply: {:?}",
            String::from_utf8_lossy(&raw[..raw.len().min(200)])
        ))
    })
}

pub fn parse_reply(raw: &[u8]) -> Option<Reply> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n")?;
            let size_text = String::from_utf8_lossy(&rest[..nl]);
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            rest = &rest[nl + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(rest.get(..size)?);
            rest = rest.get(size + 2..)?;
        }
        body = out;
    }
    Some(Reply {
        status,
        headers,
        body,
    })
}

pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn encode_form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}
