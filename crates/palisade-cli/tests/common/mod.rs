//! Helpers shared by the integration tests: the repository root, the fixture scripts, and the
//! `palisade` binary run as a user runs it.

#![allow(dead_code)] // each test file uses its own subset

pub mod webhook;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn script(path: &str) -> PathBuf {
    let out = Command::new("bash")
        .arg(root().join(path))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{path} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// The `palisade` binary with its cache and store in this test run's own directory, never the
/// user's `~/.cache/palisade` or `~/.local/share/palisade` (a test's `env` may override them).
pub fn command() -> Command {
    let own = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("run-{}", std::process::id()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_palisade"));
    cmd.env("PALISADE_CACHE_DIR", own.join("cache"))
        .env("PALISADE_STORE", own.join("store.db"));
    cmd
}

pub fn palisade(args: &[&str], stdin: &str) -> Output {
    let mut child = command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Runs `palisade` with extra environment variables and a working directory.
pub fn palisade_with(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    command()
        .args(args)
        .current_dir(cwd)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A fresh temporary directory for one test, removed when the test ends (passing or not), so
/// repeated runs leave nothing behind in /tmp.
pub fn tempdir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("palisade-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// A directory removed on drop; used as a `Path`.
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The advisory packs: `$PALISADE_FEEDS`, else the copies vendored in `feeds/`.
pub fn feeds() -> PathBuf {
    std::env::var_os("PALISADE_FEEDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("feeds"))
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Writes `files` (path inside `root`, contents) under `root`, creating directories: a small
/// root filesystem for a test.
pub fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// A Debian 11 root filesystem whose dpkg database holds libcurl4 7.74.0-1.3+deb11u1 (source
/// curl): DSA-5197-1 bundles CVEs that affect it.
pub const BULLSEYE_CURL: [(&str, &str); 2] = [
    (
        "etc/os-release",
        "ID=debian\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\n",
    ),
    (
        "var/lib/dpkg/status",
        "Package: libcurl4\nStatus: install ok installed\nArchitecture: amd64\nSource: curl\nVersion: 7.74.0-1.3+deb11u1\n\n",
    ),
];

/// Python's `http.server` serving `dir` on a free loopback port (a file mirror): the process,
/// to kill when done, and its URL.
pub fn serve_dir(dir: &Path) -> (std::process::Child, String) {
    let mut server = Command::new("python3")
        .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
    let port = line
        .split(" port ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    (server, format!("http://127.0.0.1:{port}"))
}
