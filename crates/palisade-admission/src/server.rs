//! HTTPS for the webhook: HTTP/1.1 with keep-alive over rustls, a thread per connection (the
//! API server keeps a few connections open and sends reviews down them). Everything a client
//! can make the server hold is bounded: connections, header size, body size, the bodies
//! held at once, and the time a request may take to arrive.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::{ServerConnection, StreamOwned};
use serde_json::json;

use crate::webhook::Webhook;

/// What a client may make the server hold.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_connections: usize,
    pub max_header: usize,
    /// The largest review read (the API server sends objects up to 3 MiB, with the old
    /// object of an UPDATE beside the new).
    pub max_body: usize,
    /// Bodies held at once, over every connection.
    pub body_budget: usize,
    /// From a request's first byte (or the connection's) to its last.
    pub request_deadline: Duration,
    /// Between requests on a kept-alive connection (longer than Go's 90 s, so the API
    /// server closes idle connections first and never sends into one being closed).
    pub idle: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 512,
            max_header: 16 << 10,
            max_body: 8 << 20,
            body_budget: 64 << 20,
            request_deadline: Duration::from_secs(10),
            idle: Duration::from_secs(120),
        }
    }
}

struct Shared {
    tls: Arc<rustls::ServerConfig>,
    webhook: Arc<Webhook>,
    limits: Limits,
    connections: AtomicUsize,
    body_bytes: AtomicUsize,
    /// Reviews over [`HEAVY`] bytes being judged.
    heavy: AtomicUsize,
}

/// A review over this many bytes is large: its JSON tree is many times its size, so at most
/// [`HEAVY_AT_ONCE`] are judged at once.
const HEAVY: usize = 256 << 10;
const HEAVY_AT_ONCE: usize = 2;

/// Serves until the listener fails.
pub fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    webhook: Arc<Webhook>,
    limits: Limits,
) -> io::Result<()> {
    let shared = Arc::new(Shared {
        tls,
        webhook,
        limits,
        connections: AtomicUsize::new(0),
        body_bytes: AtomicUsize::new(0),
        heavy: AtomicUsize::new(0),
    });
    loop {
        let (tcp, _) = match listener.accept() {
            Ok(c) => c,
            // A client gone before it was accepted, or out of descriptors for a moment.
            Err(e) if e.kind() != io::ErrorKind::InvalidInput => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            Err(e) => return Err(e),
        };
        if shared.connections.fetch_add(1, Ordering::SeqCst) >= shared.limits.max_connections {
            shared.connections.fetch_sub(1, Ordering::SeqCst);
            continue; // dropped: closed at once
        }
        let s = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("admission".into())
            .spawn(move || {
                let _ = connection(tcp, &s);
                s.connections.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            shared.connections.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// A response, whole.
struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    close: bool,
}

impl Response {
    fn json(status: u16, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type: "application/json",
            body,
            close: false,
        }
    }

    fn error(status: u16, message: &str) -> Response {
        let body = serde_json::to_vec(&json!({"error": message})).unwrap_or_default();
        Response {
            close: true,
            ..Response::json(status, body)
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// A request's head, as far as routing needs it.
struct Head {
    method: String,
    path: String,
    length: Option<usize>,
    chunked: bool,
    close: bool,
    expect_continue: bool,
    /// Bytes of the head, to drop from the buffer.
    size: usize,
}

enum Parsed {
    Head(Head),
    Partial,
    Bad(Response),
}

fn parse_head(buf: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    let size = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(e) => return Parsed::Bad(Response::error(400, &format!("not an HTTP request: {e}"))),
    };
    let mut head = Head {
        method: req.method.unwrap_or("").to_string(),
        path: req.path.unwrap_or("").to_string(),
        length: None,
        chunked: false,
        close: req.version == Some(0),
        expect_continue: false,
        size,
    };
    for h in req.headers.iter() {
        let value = String::from_utf8_lossy(h.value);
        let value = value.trim();
        if h.name.eq_ignore_ascii_case("content-length") {
            match value.parse::<usize>() {
                Ok(n) if head.length.is_none_or(|l| l == n) => head.length = Some(n),
                _ => return Parsed::Bad(Response::error(400, "bad Content-Length")),
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            head.chunked = true;
        } else if h.name.eq_ignore_ascii_case("connection") {
            let v = value.to_ascii_lowercase();
            head.close = v.contains("close") || (head.close && !v.contains("keep-alive"));
        } else if h.name.eq_ignore_ascii_case("expect") {
            head.expect_continue = value.eq_ignore_ascii_case("100-continue");
        }
    }
    Parsed::Head(head)
}

type Tls = StreamOwned<ServerConnection, TcpStream>;

fn connection(tcp: TcpStream, s: &Shared) -> io::Result<()> {
    tcp.set_nodelay(true)?;
    tcp.set_write_timeout(Some(s.limits.request_deadline))?;
    let conn = ServerConnection::new(s.tls.clone()).map_err(io::Error::other)?;
    let mut stream: Tls = StreamOwned::new(conn, tcp);
    let mut buf: Vec<u8> = Vec::with_capacity(8 << 10);
    loop {
        // Waiting for a request: the handshake must finish in time, a kept-alive connection
        // may idle longer; from a request's first byte, its deadline runs.
        let waiting = Instant::now();
        let mut first_byte: Option<Instant> = (!buf.is_empty()).then(Instant::now);
        let head = loop {
            match parse_head(&buf) {
                Parsed::Head(h) => break h,
                Parsed::Bad(r) => return respond(&mut stream, r),
                Parsed::Partial if buf.len() >= s.limits.max_header => {
                    return respond(&mut stream, Response::error(431, "request head too large"));
                }
                Parsed::Partial => {
                    let deadline = match first_byte {
                        Some(t) => t + s.limits.request_deadline,
                        None if stream.conn.is_handshaking() => waiting + s.limits.request_deadline,
                        None => waiting + s.limits.idle,
                    };
                    if fill(&mut stream, &mut buf, deadline)? == 0 {
                        return Ok(()); // closed between requests
                    }
                    first_byte.get_or_insert_with(Instant::now);
                }
            }
        };
        let started = first_byte.unwrap_or_else(Instant::now);
        buf.drain(..head.size);
        let response = match (head.method.as_str(), route(&head.path)) {
            ("POST", "/validate") => {
                if head.chunked {
                    respond(
                        &mut stream,
                        Response::error(501, "chunked bodies are not read; send Content-Length"),
                    )?;
                    return Ok(());
                }
                let Some(length) = head.length else {
                    return respond(
                        &mut stream,
                        Response::error(411, "a review needs Content-Length"),
                    );
                };
                if length > s.limits.max_body {
                    // Read what was sent, up to a bound, so the client sees the answer rather
                    // than a connection reset mid-body.
                    if length <= 4 * s.limits.max_body {
                        discard(
                            &mut stream,
                            &mut buf,
                            length,
                            started + s.limits.request_deadline,
                        )?;
                    }
                    let says = format!(
                        "the body ({length} bytes) is over the {} bytes a review may have",
                        s.limits.max_body
                    );
                    return respond(&mut stream, Response::error(413, &says));
                }
                let Some(_held) = Budget::take(&s.body_bytes, length, s.limits.body_budget) else {
                    return respond(
                        &mut stream,
                        Response::error(503, "too many reviews in flight; try again"),
                    );
                };
                if head.expect_continue {
                    stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
                    stream.flush()?;
                }
                // Large reviews parse to many times their size: few at once.
                let heavy = match length > HEAVY {
                    true => Budget::take(&s.heavy, 1, HEAVY_AT_ONCE),
                    false => Some(Budget::none(&s.heavy)),
                };
                let Some(_heavy) = heavy else {
                    return respond(
                        &mut stream,
                        Response::error(503, "too many large reviews in flight; try again"),
                    );
                };
                while buf.len() < length {
                    if fill(&mut stream, &mut buf, started + s.limits.request_deadline)? == 0 {
                        return Ok(());
                    }
                }
                let body: Vec<u8> = buf.drain(..length).collect();
                // A kept-alive connection does not keep a large review's buffer.
                if buf.capacity() > 64 << 10 && buf.len() <= 64 << 10 {
                    buf.shrink_to(64 << 10);
                }
                match s.webhook.review(&body) {
                    Ok(answer) => {
                        Response::json(200, serde_json::to_vec(&answer).unwrap_or_default())
                    }
                    Err(e) => Response::error(400, &format!("not an AdmissionReview: {e}")),
                }
            }
            ("GET" | "HEAD", "/healthz") => Response {
                status: 200,
                content_type: "text/plain",
                body: b"ok\n".to_vec(),
                close: false,
            },
            ("GET" | "HEAD", "/metrics") => Response {
                status: 200,
                content_type: "text/plain; version=0.0.4",
                body: s.webhook.metrics.render().into_bytes(),
                close: false,
            },
            (_, "/validate" | "/healthz" | "/metrics") => Response::error(
                405,
                &format!("{} is not served on {}", head.method, head.path),
            ),
            _ => Response::error(404, &format!("nothing is served on {}", head.path)),
        };
        // A body we did not read (a GET with one) would be read as the next request.
        let unread_body = head.method != "POST" && head.length.is_some_and(|l| l > 0);
        let close = head.close || response.close || unread_body || head.chunked;
        let response = Response { close, ..response };
        match head.method.as_str() {
            // The length of what a GET would get, and no body.
            "HEAD" => respond_head(&mut stream, &response)?,
            _ => respond(&mut stream, response)?,
        }
        if close {
            return Ok(());
        }
    }
}

/// The path without its query (the API server adds `?timeout=10s`).
fn route(path: &str) -> &str {
    path.split_once('?').map_or(path, |(p, _)| p)
}

/// Reads more into `buf`, giving up at `deadline`. 0: the peer closed.
fn fill(stream: &mut Tls, buf: &mut Vec<u8>, deadline: Instant) -> io::Result<usize> {
    // Straight into the buffer's free end: no copy.
    let start = buf.len();
    buf.resize(start + (16 << 10), 0);
    let read = read_until(stream, &mut buf[start..], deadline);
    buf.truncate(start + *read.as_ref().unwrap_or(&0));
    read
}

/// Plaintext into `out`, TLS records read one socket read at a time so that `deadline` holds
/// however slowly a client trickles bytes (rustls' own stream keeps reading while any come).
fn read_until(stream: &mut Tls, out: &mut [u8], deadline: Instant) -> io::Result<usize> {
    let StreamOwned { conn, sock } = stream;
    loop {
        match conn.reader().read(out) {
            // 0: the peer said close_notify.
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
            Err(e) => return Err(e),
        }
        while conn.wants_write() {
            conn.write_tls(sock)?;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        sock.set_read_timeout(Some(left))?;
        if conn.read_tls(sock)? == 0 {
            return Ok(0);
        }
        if let Err(e) = conn.process_new_packets() {
            // Tell the peer why (a TLS alert), then give up on it.
            let _ = conn.write_tls(sock);
            return Err(io::Error::new(io::ErrorKind::InvalidData, e));
        }
    }
}

/// Reads and drops `length` bytes of body, holding at most one buffer of it.
fn discard(
    stream: &mut Tls,
    buf: &mut Vec<u8>,
    length: usize,
    deadline: Instant,
) -> io::Result<()> {
    let mut left = length;
    loop {
        let n = buf.len().min(left);
        buf.drain(..n);
        left -= n;
        if left == 0 || fill(stream, buf, deadline)? == 0 {
            return Ok(());
        }
    }
}

fn respond(stream: &mut Tls, r: Response) -> io::Result<()> {
    let mut out = head_of(&r).into_bytes();
    out.extend_from_slice(&r.body);
    send(stream, &out, r.close)
}

fn respond_head(stream: &mut Tls, r: &Response) -> io::Result<()> {
    send(stream, head_of(r).as_bytes(), r.close)
}

fn send(stream: &mut Tls, bytes: &[u8], close: bool) -> io::Result<()> {
    stream.write_all(bytes)?;
    stream.flush()?;
    if close {
        stream.conn.send_close_notify();
        let _ = stream.flush();
    }
    Ok(())
}

fn head_of(r: &Response) -> String {
    format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n",
        r.status,
        reason(r.status),
        r.content_type,
        r.body.len(),
        if r.close { "Connection: close\r\n" } else { "" }
    )
}

/// Bytes of bodies held, given back when dropped.
struct Budget<'a> {
    held: &'a AtomicUsize,
    n: usize,
}

impl<'a> Budget<'a> {
    fn take(held: &'a AtomicUsize, n: usize, budget: usize) -> Option<Budget<'a>> {
        let before = held.fetch_add(n, Ordering::SeqCst);
        if before.saturating_add(n) > budget && before > 0 {
            held.fetch_sub(n, Ordering::SeqCst);
            return None;
        }
        Some(Budget { held, n })
    }
}

impl<'a> Budget<'a> {
    /// Holds nothing.
    fn none(held: &'a AtomicUsize) -> Budget<'a> {
        Budget { held, n: 0 }
    }
}

impl Drop for Budget<'_> {
    fn drop(&mut self) {
        self.held.fetch_sub(self.n, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_read_with_their_length_and_keep_alive() {
        let Parsed::Head(h) = parse_head(
            b"POST /validate?timeout=10s HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n{}",
        ) else {
            panic!("not parsed")
        };
        assert_eq!(
            (h.method.as_str(), route(&h.path), h.length),
            ("POST", "/validate", Some(12))
        );
        assert!(!h.close);
        assert!(matches!(
            parse_head(b"POST /validate HTTP/1.1\r\nHost"),
            Parsed::Partial
        ));
        let Parsed::Head(h) = parse_head(b"GET / HTTP/1.0\r\n\r\n") else {
            panic!()
        };
        assert!(h.close);
        let Parsed::Bad(r) =
            parse_head(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
        else {
            panic!("two lengths accepted")
        };
        assert_eq!(r.status, 400);
        assert!(matches!(
            parse_head(b"\x01\x02 / HTTP/1.1\r\n\r\n"),
            Parsed::Bad(_)
        ));
    }

    #[test]
    fn the_body_budget_is_shared_and_given_back() {
        let held = AtomicUsize::new(0);
        let a = Budget::take(&held, 60, 100).unwrap();
        assert!(Budget::take(&held, 50, 100).is_none());
        drop(a);
        // One body larger than the budget still goes through alone.
        assert!(Budget::take(&held, 150, 100).is_some());
        assert_eq!(held.load(Ordering::SeqCst), 0);
    }
}
