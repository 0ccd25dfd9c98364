//! An open-loop load generator for the admission webhook (or anything that answers a POST
//! over HTTPS): requests go out on a fixed schedule, R a second, whatever the answers do, over
//! C kept-alive TLS connections, as the API server sends reviews. A request's latency runs
//! from the time it was due, so one that waited for a free connection behind a slow answer
//! counts its wait (no coordinated omission); a connection that was idle and slept until the
//! request was due counts from when it woke, so the timer's lateness (~60 µs) is the
//! client's, not the server's.
//!
//! Over the measured window (after a warm-up at the same rate) it also reads the CPU time and
//! resident memory of the processes named with `--pid` from /proc, and its own CPU time.
//!
//! ```text
//! cargo bench -p palisade-admission --bench load -- --url https://127.0.0.1:8443/validate \
//!     --ca ca.crt --body review.json --rate 1000 --duration 20 --warmup 3 --connections 16 \
//!     --expect '"allowed":true' --pid 1234 --label palisade
//! ```
//!
//! Prints one table row on stdout (`--header` prints the header first) and the details on
//! stderr. bench/admission-bench.sh runs it against the webhook and nginx.
//!
//! `--in-process POLICY [--pod-security LEVEL] [--iterations N] --body FILE` times instead
//! what the webhook does with a review, in this process and one thread, with no TLS or
//! HTTP: reading the envelope, reading the object, the policy's decision, the whole
//! `Webhook::review` and its answer written out, to tell the judging from the serving.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

const USAGE: &str =
    "usage: load --url https://HOST:PORT/PATH --ca FILE --body FILE [--body FILE...] \
--rate N --duration S [--warmup S] [--connections N] [--timeout S] [--expect TEXT] [--pid PID...] \
[--label NAME] [--header]
   or: load --in-process POLICY [--pod-security LEVEL] [--iterations N] --body FILE";

struct Args {
    url: String,
    host: String,
    port: u16,
    path: String,
    ca: String,
    bodies: Vec<String>,
    rate: f64,
    duration: Duration,
    warmup: Duration,
    connections: usize,
    timeout: Duration,
    expect: Option<String>,
    pids: Vec<u32>,
    label: String,
    header: bool,
    in_process: Option<String>,
    pod_security: Option<String>,
    iterations: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        url: String::new(),
        host: String::new(),
        port: 443,
        path: String::new(),
        ca: String::new(),
        bodies: Vec::new(),
        rate: 0.0,
        duration: Duration::from_secs(20),
        warmup: Duration::from_secs(3),
        connections: 16,
        timeout: Duration::from_secs(10),
        expect: None,
        pids: Vec::new(),
        label: String::new(),
        header: false,
        in_process: None,
        pod_security: None,
        iterations: 2000,
    };
    let mut it = std::env::args().skip(1);
    let secs = |v: String| -> Result<Duration, String> {
        v.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("not a number of seconds: {v}"))
    };
    while let Some(flag) = it.next() {
        // `cargo bench` adds --bench to the arguments of every bench target.
        if flag == "--bench" {
            continue;
        }
        if flag == "--header" {
            a.header = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--url" => a.url = value,
            "--ca" => a.ca = value,
            "--body" => a.bodies.push(value),
            "--rate" => {
                a.rate = value
                    .parse()
                    .ok()
                    .filter(|r: &f64| *r > 0.0 && r.is_finite())
                    .ok_or_else(|| format!("--rate {value}: not a positive number"))?
            }
            "--duration" => a.duration = secs(value)?,
            "--warmup" => a.warmup = secs(value)?,
            "--timeout" => a.timeout = secs(value)?,
            "--connections" => {
                a.connections = value
                    .parse()
                    .ok()
                    .filter(|c| *c > 0)
                    .ok_or_else(|| format!("--connections {value}: not a positive number"))?
            }
            "--expect" => a.expect = Some(value),
            "--pid" => a.pids.push(
                value
                    .parse()
                    .map_err(|_| format!("--pid {value}: not a pid"))?,
            ),
            "--label" => a.label = value,
            "--in-process" => a.in_process = Some(value),
            "--pod-security" => a.pod_security = Some(value),
            "--iterations" => {
                a.iterations = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--iterations {value}: not a positive number"))?
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if a.in_process.is_some() {
        if a.bodies.is_empty() {
            return Err("--in-process needs --body".into());
        }
        return Ok(a);
    }
    if a.url.is_empty() || a.ca.is_empty() || a.bodies.is_empty() || a.rate == 0.0 {
        return Err("--url, --ca, --body and --rate are needed".into());
    }
    let rest = a
        .url
        .strip_prefix("https://")
        .ok_or_else(|| format!("{}: not an https:// URL", a.url))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    a.path = match path {
        "" => "/".into(),
        p => p.into(),
    };
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
            a.host = h.trim_matches(|c| c == '[' || c == ']').into();
            a.port = p.parse().map_err(|_| format!("{}: bad port", a.url))?;
        }
        _ => a.host = authority.into(),
    }
    if a.label.is_empty() {
        a.label = authority.into();
    }
    Ok(a)
}

/// A kept-alive TLS connection and what was read past the last response.
struct Conn {
    tls: StreamOwned<ClientConnection, TcpStream>,
    buf: Vec<u8>,
}

fn connect(
    config: &Arc<ClientConfig>,
    addr: SocketAddr,
    name: &ServerName<'static>,
    timeout: Duration,
) -> io::Result<Conn> {
    let tcp = TcpStream::connect_timeout(&addr, timeout)?;
    tcp.set_nodelay(true)?;
    tcp.set_read_timeout(Some(timeout))?;
    tcp.set_write_timeout(Some(timeout))?;
    let conn = ClientConnection::new(config.clone(), name.clone()).map_err(io::Error::other)?;
    let mut tls = StreamOwned::new(conn, tcp);
    // The handshake now, not in the first request's time.
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock)?;
    }
    Ok(Conn {
        tls,
        buf: Vec::with_capacity(16 << 10),
    })
}

/// Why a request did not get the answer expected.
#[derive(Debug)]
enum Failure {
    Io(io::ErrorKind),
    Status(u16),
    /// The body lacks `--expect`.
    Unexpected,
    /// Not an HTTP response we read (no Content-Length, a parse error).
    Protocol(&'static str),
}

impl Failure {
    fn name(&self) -> String {
        match self {
            Failure::Io(k) => format!("io {k:?}"),
            Failure::Status(s) => format!("HTTP {s}"),
            Failure::Unexpected => "body without --expect".into(),
            Failure::Protocol(p) => format!("protocol: {p}"),
        }
    }
}

/// Sends one request and reads its response whole. `Ok(true)`: the server keeps the
/// connection open.
fn exchange(c: &mut Conn, request: &[u8], expect: Option<&[u8]>) -> Result<bool, Failure> {
    let io = |e: io::Error| Failure::Io(e.kind());
    c.tls.write_all(request).map_err(io)?;
    c.tls.flush().map_err(io)?;
    let mut chunk = [0u8; 16 << 10];
    let (status, length, keep, head) = loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&c.buf) {
            Ok(httparse::Status::Complete(n)) => {
                let mut length = None;
                let mut keep = resp.version == Some(1);
                for h in resp.headers.iter() {
                    let v = String::from_utf8_lossy(h.value);
                    if h.name.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse::<usize>().ok();
                    } else if h.name.eq_ignore_ascii_case("connection") {
                        keep = !v.to_ascii_lowercase().contains("close");
                    } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
                        return Err(Failure::Protocol("chunked response"));
                    }
                }
                let status = resp.code.unwrap_or(0);
                let length = length.ok_or(Failure::Protocol("no Content-Length"))?;
                break (status, length, keep, n);
            }
            Ok(httparse::Status::Partial) => {}
            Err(_) => return Err(Failure::Protocol("not an HTTP response")),
        }
        let n = c.tls.read(&mut chunk).map_err(io)?;
        if n == 0 {
            return Err(Failure::Io(io::ErrorKind::UnexpectedEof));
        }
        c.buf.extend_from_slice(&chunk[..n]);
    };
    while c.buf.len() < head + length {
        let n = c.tls.read(&mut chunk).map_err(io)?;
        if n == 0 {
            return Err(Failure::Io(io::ErrorKind::UnexpectedEof));
        }
        c.buf.extend_from_slice(&chunk[..n]);
    }
    let body = &c.buf[head..head + length];
    let found = expect.is_none_or(|e| body.windows(e.len()).any(|w| w == e));
    c.buf.drain(..head + length);
    match (status, found) {
        (200, true) => Ok(keep),
        (200, false) => Err(Failure::Unexpected),
        (s, _) => Err(Failure::Status(s)),
    }
}

/// What one connection's worker measured.
#[derive(Default)]
struct Measured {
    /// Latencies of the answered requests due in the measured window, in nanoseconds.
    latencies: Vec<u64>,
    failures: BTreeMap<String, u64>,
    /// Requests taken up after they were due (every connection busy), and the longest wait.
    queued: u64,
    longest_queue: Duration,
    /// How late the worker woke for a request it slept for.
    timer_lag: Vec<u64>,
    connects: u64,
    /// When the last measured request was answered.
    last: Option<Instant>,
    /// Answers over 10 ms, by the second of the window they were due in.
    slow: BTreeMap<u64, u64>,
}

struct Plan {
    config: Arc<ClientConfig>,
    addr: SocketAddr,
    name: ServerName<'static>,
    requests: Vec<Vec<u8>>,
    expect: Option<Vec<u8>>,
    timeout: Duration,
    /// Between requests.
    interval_ns: f64,
    warmup: Duration,
    total: Duration,
    next: AtomicU64,
    start: OnceLock<Instant>,
    ready: Barrier,
}

fn worker(p: &Plan) -> Measured {
    let mut m = Measured::default();
    let mut conn = match connect(&p.config, p.addr, &p.name, p.timeout) {
        Ok(c) => Some(c),
        Err(e) => {
            *m.failures
                .entry(format!("connect {:?}", e.kind()))
                .or_default() += 1;
            None
        }
    };
    m.connects += 1;
    p.ready.wait(); // every connection made
    p.ready.wait(); // the start set
    let Some(&start) = p.start.get() else {
        return m;
    };
    let measure_from = start + p.warmup;
    let end = start + p.total;
    // Past this, what is still unsent is given up (a server that stopped answering).
    let give_up = end + p.timeout;
    loop {
        let i = p.next.fetch_add(1, Ordering::Relaxed);
        let due = start + Duration::from_nanos((i as f64 * p.interval_ns) as u64);
        if due >= end {
            break;
        }
        let now = Instant::now();
        if now > give_up {
            break;
        }
        let measured = due >= measure_from;
        let origin = if due > now {
            std::thread::sleep(due - now);
            let woke = Instant::now();
            if measured {
                m.timer_lag.push(nanos(woke - due));
            }
            woke
        } else {
            if measured && now - due > Duration::from_millis(1) {
                m.queued += 1;
                m.longest_queue = m.longest_queue.max(now - due);
            }
            due
        };
        let request = &p.requests[i as usize % p.requests.len()];
        let result = match conn.as_mut() {
            Some(c) => exchange(c, request, p.expect.as_deref()),
            None => {
                m.connects += 1;
                match connect(&p.config, p.addr, &p.name, p.timeout) {
                    Ok(c) => exchange(conn.insert(c), request, p.expect.as_deref()),
                    Err(e) => Err(Failure::Io(e.kind())),
                }
            }
        };
        let took = origin.elapsed();
        match result {
            Ok(keep) => {
                if measured {
                    m.latencies.push(nanos(took));
                    m.last = Some(Instant::now());
                    if took > Duration::from_millis(10) {
                        *m.slow.entry((due - measure_from).as_secs()).or_default() += 1;
                    }
                }
                if !keep {
                    conn = None;
                }
            }
            Err(f) => {
                if measured {
                    *m.failures.entry(f.name()).or_default() += 1;
                }
                conn = None;
            }
        }
    }
    m
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// CPU ticks (user + system) of a process, from /proc/PID/stat.
fn cpu_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (in parentheses, which may hold spaces): state is field 3, utime
    // field 14, stime field 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// A `kB` field of /proc/PID/status (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Clock ticks a second (`sysconf(_SC_CLK_TCK)`), from the auxiliary vector's AT_CLKTCK.
fn clock_ticks() -> f64 {
    const AT_CLKTCK: u64 = 17;
    let auxv = std::fs::read("/proc/self/auxv").unwrap_or_default();
    let word = |b: &[u8]| u64::from_ne_bytes(b.try_into().unwrap_or([0; 8]));
    auxv.chunks_exact(16)
        .find(|e| word(&e[..8]) == AT_CLKTCK)
        .map(|e| word(&e[8..]) as f64)
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

/// What the processes watched did over the measured window.
#[derive(Default)]
struct Usage {
    /// CPU time of the processes `--pid`, as a share of one core.
    cpu: f64,
    client_cpu: f64,
    /// The largest sum of VmRSS seen (sampled every 100 ms), and the sum of VmHWM at the end.
    rss_kib: u64,
    hwm_kib: u64,
}

fn watch(pids: &[u32], from: Instant, to: Instant) -> Usage {
    let ticks = clock_ticks();
    let sum = |pids: &[u32]| -> u64 {
        pids.iter()
            .filter_map(|p| cpu_ticks(&p.to_string()))
            .sum::<u64>()
    };
    let rss = |pids: &[u32]| -> u64 { pids.iter().filter_map(|p| status_kib(*p, "VmRSS:")).sum() };
    std::thread::sleep(from.saturating_duration_since(Instant::now()));
    let began = Instant::now();
    let (cpu0, me0) = (sum(pids), cpu_ticks("self"));
    let mut u = Usage {
        rss_kib: rss(pids),
        ..Usage::default()
    };
    while Instant::now() < to {
        std::thread::sleep(Duration::from_millis(100).min(to - Instant::now().min(to)));
        u.rss_kib = u.rss_kib.max(rss(pids));
    }
    let (cpu1, me1) = (sum(pids), cpu_ticks("self"));
    let secs = began.elapsed().as_secs_f64();
    u.cpu = cpu1.saturating_sub(cpu0) as f64 / ticks / secs;
    if let (Some(a), Some(b)) = (me0, me1) {
        u.client_cpu = b.saturating_sub(a) as f64 / ticks / secs;
    }
    u.hwm_kib = pids.iter().filter_map(|p| status_kib(*p, "VmHWM:")).sum();
    u
}

/// The value at quantile `q` of sorted values.
fn quantile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

fn run(a: Args) -> Result<bool, String> {
    let pem = std::fs::read(&a.ca).map_err(|e| format!("{}: {e}", a.ca))?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| format!("{}: {e:?}", a.ca))?;
        roots.add(cert).map_err(|e| format!("{}: {e}", a.ca))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let name = ServerName::try_from(a.host.clone()).map_err(|e| format!("{}: {e}", a.host))?;
    let addr = (a.host.as_str(), a.port)
        .to_socket_addrs()
        .map_err(|e| format!("{}: {e}", a.host))?
        .next()
        .ok_or_else(|| format!("{}: no address", a.host))?;
    let authority = match a.port {
        443 => a.host.clone(),
        p => format!("{}:{p}", a.host),
    };
    let mut requests = Vec::new();
    for path in &a.bodies {
        let body = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        let mut r = format!(
            "POST {} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: palisade-load\r\n\
             Accept: application/json, */*\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            a.path,
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(&body);
        requests.push(r);
    }
    let plan = Arc::new(Plan {
        config: Arc::new(config),
        addr,
        name,
        requests,
        expect: a.expect.clone().map(String::into_bytes),
        timeout: a.timeout,
        interval_ns: 1e9 / a.rate,
        warmup: a.warmup,
        total: a.warmup + a.duration,
        next: AtomicU64::new(0),
        start: OnceLock::new(),
        ready: Barrier::new(a.connections + 1),
    });
    let workers: Vec<_> = (0..a.connections)
        .map(|_| {
            let p = plan.clone();
            std::thread::spawn(move || worker(&p))
        })
        .collect();
    plan.ready.wait();
    let start = Instant::now() + Duration::from_millis(20);
    let _ = plan.start.set(start);
    plan.ready.wait();
    let (from, to) = (start + a.warmup, start + a.warmup + a.duration);
    let pids = a.pids.clone();
    let watcher = std::thread::spawn(move || watch(&pids, from, to));

    let mut all = Measured::default();
    for w in workers {
        let m = w.join().map_err(|_| "a worker panicked")?;
        all.latencies.extend(m.latencies);
        all.timer_lag.extend(m.timer_lag);
        for (k, n) in m.failures {
            *all.failures.entry(k).or_default() += n;
        }
        all.queued += m.queued;
        all.longest_queue = all.longest_queue.max(m.longest_queue);
        all.connects += m.connects;
        all.last = all.last.max(m.last);
        for (second, n) in m.slow {
            *all.slow.entry(second).or_default() += n;
        }
    }
    let usage = watcher.join().map_err(|_| "the watcher panicked")?;

    // Requests due in the window that were never sent (given up on).
    let due_in_window = {
        let first = (a.warmup.as_nanos() as f64 / plan.interval_ns).ceil() as u64;
        let end = ((a.warmup + a.duration).as_nanos() as f64 / plan.interval_ns).ceil() as u64;
        end.saturating_sub(first)
    };
    let failed: u64 = all.failures.values().sum();
    let answered = all.latencies.len() as u64;
    let unsent = due_in_window.saturating_sub(answered + failed);
    if unsent > 0 {
        all.failures.insert("never sent".into(), unsent);
    }
    let errors = failed + unsent;
    all.latencies.sort_unstable();
    all.timer_lag.sort_unstable();
    let l = &all.latencies;
    // Answers per second, over the window or until the last answer if later.
    let window = all
        .last
        .map_or(0.0, |t| t.saturating_duration_since(from).as_secs_f64())
        .max(a.duration.as_secs_f64());
    let achieved = answered as f64 / window;

    if a.header {
        println!(
            "{:<10} {:>6} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>7} {:>8}",
            "target",
            "rate",
            "achieved",
            "p50 ms",
            "p99 ms",
            "max ms",
            "CPU %",
            "RSS MB",
            "errors",
            "client %"
        );
    }
    println!(
        "{:<10} {:>6} {:>8.1} {:>8.3} {:>8.3} {:>8.3} {:>7.1} {:>7.1} {:>7} {:>8.1}",
        a.label,
        a.rate,
        achieved,
        ms(quantile(l, 0.50)),
        ms(quantile(l, 0.99)),
        ms(l.last().copied().unwrap_or(0)),
        usage.cpu * 100.0,
        usage.rss_kib as f64 / 1024.0,
        errors,
        usage.client_cpu * 100.0,
    );
    let failures: Vec<String> = all
        .failures
        .iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect();
    eprintln!(
        "  {}: {} answered of {} due in {:.0} s ({} warm-up at the same rate) over {} connections \
         ({} made); p90 {:.3} ms, p99.9 {:.3} ms; {} waited over 1 ms for a free connection \
         (longest {:.1} ms); timer lag p99 {:.3} ms; VmHWM {:.1} MB{}",
        a.label,
        answered,
        due_in_window,
        a.duration.as_secs_f64(),
        a.warmup.as_secs_f64(),
        a.connections,
        all.connects,
        ms(quantile(l, 0.90)),
        ms(quantile(l, 0.999)),
        all.queued,
        all.longest_queue.as_secs_f64() * 1e3,
        ms(quantile(&all.timer_lag, 0.99)),
        usage.hwm_kib as f64 / 1024.0,
        match failures.is_empty() {
            true => String::new(),
            false => format!("; errors: {}", failures.join(", ")),
        }
    );
    if !all.slow.is_empty() {
        let by_second: Vec<String> = all.slow.iter().map(|(s, n)| format!("{s}s:{n}")).collect();
        eprintln!(
            "  {}: answers over 10 ms by the second they were due in: {}",
            a.label,
            by_second.join(" ")
        );
    }
    Ok(errors == 0)
}

/// Times the webhook's steps on each body, in this process.
fn in_process(a: &Args, policy_path: &str) -> Result<(), String> {
    use palisade_admission::review::{answer, Review};
    use palisade_admission::{NoImages, Webhook};
    use palisade_policy::admit::{Admission, Request};

    let text = std::fs::read_to_string(policy_path).map_err(|e| format!("{policy_path}: {e}"))?;
    let sources = [palisade_policy::Source {
        name: policy_path,
        text: &text,
    }];
    let policy = palisade_policy::load(&sources, &palisade_policy::yaml::Limits::default())
        .map_err(|e| format!("{policy_path}: {} problems, the first: {}", e.len(), e[0]))?;
    let mut admission = Admission::new(&policy);
    if let Some(level) = &a.pod_security {
        admission
            .require_pod_security(level)
            .map_err(|e| format!("--pod-security {level}: {e}"))?;
    }
    let webhook = Webhook::new(admission.clone(), Box::new(NoImages), Vec::new());
    let no_images = |_: &str| None;
    for path in &a.bodies {
        let body = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        let review = Review::parse(&body).map_err(|e| format!("{path}: {e}"))?;
        let object = review.object().map_err(|e| format!("{path}: {e}"))?;
        let request = Request {
            namespace: &review.namespace,
            user: &review.user,
            groups: &review.groups,
            risky_service_accounts: &[],
        };
        let decision = admission
            .decide(&object, &request, &no_images)
            .map_err(|e| format!("{path}: {e}"))?;
        let mut steps: Vec<(&str, Vec<u64>)> = Vec::new();
        let mut time = |name: &'static str, f: &mut dyn FnMut()| {
            let mut v: Vec<u64> = (0..a.iterations)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    nanos(t.elapsed())
                })
                .collect();
            v.sort_unstable();
            steps.push((name, v));
        };
        time("Review::parse (the envelope)", &mut || {
            std::hint::black_box(Review::parse(&body).ok());
        });
        time("Review::object (the object as a Value)", &mut || {
            std::hint::black_box(review.object().ok());
        });
        time("Admission::decide", &mut || {
            std::hint::black_box(admission.decide(&object, &request, &no_images).ok());
        });
        time("Webhook::review + answer written", &mut || {
            let v = webhook.review(&body).ok();
            std::hint::black_box(v.map(|v| serde_json::to_vec(&v)));
        });
        let verdict = webhook.judge(&review);
        let written = serde_json::to_vec(&answer(&review, &verdict)).unwrap_or_default();
        println!(
            "{path} ({} bytes), {} policy resources: allowed {}, {} warnings, {} bytes answered; \
             {} iterations each:",
            body.len(),
            policy.resources.len(),
            decision.allowed,
            decision.warnings.len(),
            written.len(),
            a.iterations
        );
        for (name, v) in &steps {
            println!(
                "  {name:<42} p50 {:>8.1} µs   p99 {:>8.1} µs",
                quantile(v, 0.5) as f64 / 1e3,
                quantile(v, 0.99) as f64 / 1e3
            );
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("load: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(policy) = a.in_process.clone() {
        return match in_process(&a, &policy) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("load: {e}");
                ExitCode::from(2)
            }
        };
    }
    match run(a) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("load: {e}");
            ExitCode::from(2)
        }
    }
}
