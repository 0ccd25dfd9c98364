//! The classifiers: Syft's (anchore/syft, `syft/pkg/cataloger/binary/classifiers.go`, whose
//! class names, package names and package URLs they keep) for programs that are not Go
//! binaries (those carry build info, read by `go.rs`), written as anchored searches instead of
//! regular expressions. Where Syft's pattern misses a build seen in practice, the extra form is
//! named (Debian's reproducible Redis and HAProxy builds, OpenSSL's `libcrypto`).

use super::classify::{digits, dotted, semver3, tagged, then, Hay};

pub struct Classifier {
    /// Syft's class (`redis-binary`), kept as the `binary:classifier` property.
    pub class: &'static str,
    pub package: &'static str,
    /// The package URL's namespace (`pkg:generic/NAMESPACE/NAME`), if any.
    pub namespace: Option<&'static str>,
    /// The file-name glob, on the last path component.
    pub names: fn(&str) -> bool,
    /// The version in one window of the file.
    pub find: fn(&Hay) -> Option<String>,
}

const fn generic(
    class: &'static str,
    package: &'static str,
    names: fn(&str) -> bool,
    find: fn(&Hay) -> Option<String>,
) -> Classifier {
    Classifier {
        class,
        package,
        namespace: None,
        names,
        find,
    }
}

/// Every classifier, in the order they are tried on a file several match.
pub static CLASSIFIERS: &[Classifier] = &[
    generic(
        "python-binary",
        "python",
        python_binary_name,
        python_template,
    ),
    generic(
        "python-binary-lib",
        "python",
        libpython_name,
        python_template,
    ),
    generic("nodejs-binary", "node", |n| n == "node", node),
    generic("busybox-binary", "busybox", |n| n == "busybox", busybox),
    generic("redis-binary", "redis", |n| n == "redis-server", redis),
    generic("valkey-binary", "valkey", |n| n == "valkey-server", redis),
    generic(
        "util-linux-binary",
        "util-linux",
        |n| n == "getopt",
        util_linux,
    ),
    generic("haproxy-binary", "haproxy", |n| n == "haproxy", haproxy),
    generic("perl-binary", "perl", |n| n == "perl", perl),
    generic(
        "httpd-binary",
        "httpd",
        |n| n == "httpd",
        |h| h.after(b"Apache/", semver3r),
    ),
    generic(
        "memcached-binary",
        "memcached",
        |n| n == "memcached",
        memcached,
    ),
    generic(
        "postgresql-binary",
        "postgresql",
        |n| n == "postgres",
        postgres,
    ),
    generic(
        "mariadb-binary",
        "mariadb",
        |n| n == "mariadb" || n == "mysql",
        mariadb,
    ),
    generic("ruby-binary", "ruby", |n| n == "ruby", ruby),
    generic("nginx-binary", "nginx", |n| n == "nginx", nginx),
    generic("bash-binary", "bash", |n| n == "bash", bash),
    generic(
        "openssl-binary-aws-lc",
        "aws-lc",
        |n| n == "openssl",
        aws_lc,
    ),
    generic("openssl-binary", "openssl", |n| n == "openssl", openssl),
    // Not in Syft: OpenSSL's library carries the same version string as its command.
    generic("openssl-library", "openssl", libcrypto_name, openssl),
    generic(
        "curl-binary",
        "curl",
        |n| n == "curl",
        |h| h.after(b"curl/", semver3r),
    ),
    generic("lighttpd-binary", "lighttpd", |n| n == "lighttpd", lighttpd),
    generic("proftpd-binary", "proftpd", |n| n == "proftpd", proftpd),
    generic("zstd-binary", "zstd", |n| n == "zstd", zstd),
    generic("xz-binary", "xz", |n| n == "xz", xz),
    generic(
        "openldap-search-binary",
        "openldap",
        |n| n == "ldapsearch",
        ldapsearch,
    ),
    generic(
        "gcc-binary",
        "gcc",
        |n| n == "gcc",
        |h| h.after(b"GCC: (GNU) ", semver3r),
    ),
    generic("php-cli-binary", "php-cli", php_name, php),
];

fn semver3r(s: &[u8]) -> Option<std::ops::Range<usize>> {
    semver3(s).map(|e| 0..e)
}

/// `**/python*` whose name is `python` and a version (`python3.11`): Syft reads that version
/// from the name and looks for `\0` it, more version characters, `\0`.
fn python_binary_name(n: &str) -> bool {
    n.strip_prefix("python")
        .is_some_and(|v| name_version(v) == v.len() && !v.is_empty())
}

/// `**/libpython*.so*`, with a version in the name: `libpython3.11.so.1.0`, `libpython3.7m.so`.
fn libpython_name(n: &str) -> bool {
    n.strip_prefix("libpython").is_some_and(|v| {
        let end = name_version(v);
        end > 0 && {
            let rest = &v[end..];
            let rest = rest
                .strip_prefix(|c: char| c.is_ascii_lowercase())
                .unwrap_or(rest);
            rest.starts_with(".so")
        }
    })
}

/// The length of `\d+(\.\d+)+` at the start of `v`.
fn name_version(v: &str) -> usize {
    dotted(v.as_bytes(), 0, 2, usize::MAX).unwrap_or(0)
}

fn python_template(h: &Hay) -> Option<String> {
    let v = h
        .name
        .strip_prefix("libpython")
        .or(h.name.strip_prefix("python"))?;
    let v = &v[..name_version(v)];
    let lit = [b"\0", v.as_bytes()].concat();
    h.after(&lit, |s| {
        let n = s
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || b"-._".contains(b))
            .count();
        then(s, n, b"\0").then_some(0..n)
    })
    .map(|rest| format!("{v}{rest}"))
    .or_else(|| {
        // Exactly the version from the name, with nothing after it.
        h.find(&[lit.as_slice(), b"\0"].concat())
            .next()
            .map(|_| v.to_string())
    })
}

fn node(h: &Hay) -> Option<String> {
    // Before Node 7: "\0node v0.10.48\0", "\0v4.9.1\0".
    let old = |s: &[u8]| {
        let e = semver3(s)?;
        (matches!(s[0], b'0' | b'4' | b'5' | b'6') && s[1] == b'.' && then(s, e, b"\0"))
            .then_some(0..e)
    };
    h.after(b"node.js/v", semver3r)
        .or_else(|| h.after(b"\0node v", old))
        .or_else(|| h.after(b"\0v", old))
}

fn busybox(h: &Hay) -> Option<String> {
    h.after(b"BusyBox", |s| {
        let ws = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
        (ws > 0 && then(s, ws, b"v")).then_some(())?;
        semver3(&s[ws + 1..]).map(|e| ws + 1..ws + 1 + e)
    })
}

/// Redis writes `REDIS_VERSION`, its build id (`HOST-EPOCH`, or `EPOCH` alone when the build
/// is reproducible, as Debian's), the dirty-tree count and an 8-digit SHA-1 prefix into one
/// string: `7.2.3buildkitsandbox-1702957741000000000` (Syft), `4.0.11841ce7054bd9-
/// 1542359302000000000` (a 12-character container name, Syft), `7.0.151790282056000000000`
/// (Debian's redis 7.0.15; Syft finds nothing in it); and before 3, `Redis version 2.8.23`.
fn redis(h: &Hay) -> Option<String> {
    h.before(semver3, b"buildkitsandbox-")
        .or_else(|| h.after(b"Redis version ", semver3r))
        .or_else(|| {
            h.find(b"000000000\0")
                .find_map(|at| redis_build_id(&h.buf[..at + 9]))
        })
}

/// The version at the start of a Redis build-id string ending at the end of `buf`, whose SHA-1
/// and dirty count are zero (`...0` `00000000`, a release tarball's).
fn redis_build_id(buf: &[u8]) -> Option<String> {
    let run = buf
        .iter()
        .rev()
        .take(80)
        .take_while(|b| b.is_ascii_alphanumeric() || b"._-".contains(b))
        .count();
    let token = &buf[buf.len() - run..];
    // Leading bytes are not part of it unless the version starts there.
    let start = token.iter().position(u8::is_ascii_digit)?;
    let token = &token[start..];
    // Version, optional HOST "-", 10-digit epoch, dirty "0", 8-digit SHA-1 "00000000".
    let head = token.len().checked_sub(10 + 1 + 8)?;
    let (rest, epoch) = (&token[..head], &token[head..head + 10]);
    if !epoch.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let version = match rest.strip_suffix(b"-") {
        None => rest,
        // A host name glued to the version: a container's 12-character id (which may start
        // with a digit, so it is cut by length, as Syft's `\w{12}`), else a name starting with
        // a letter, which ends the version where it begins.
        Some(glued) => {
            let container = glued.len().checked_sub(12).map(|n| &glued[..n]);
            match container.filter(|v| semver3(v) == Some(v.len())) {
                Some(v) => v,
                None => {
                    let e = semver3(glued)?;
                    glued[e..].first().filter(|b| b.is_ascii_alphabetic())?;
                    &glued[..e]
                }
            }
        }
    };
    (semver3(version) == Some(version.len())).then(|| String::from_utf8_lossy(version).into())
}

fn util_linux(h: &Hay) -> Option<String> {
    h.after(b"\0util-linux", |s| {
        (s.first().is_some_and(u8::is_ascii_whitespace)).then_some(())?;
        let e = 1 + semver3(&s[1..])?;
        then(s, e, b"\0").then_some(1..e)
    })
}

/// `\d+\.\d+(\.|-dev|-rc)\d+`
fn haproxy_version(s: &[u8]) -> Option<usize> {
    let e = dotted(s, 0, 2, 2)?;
    let sep = [".", "-dev", "-rc"]
        .iter()
        .find(|t| then(s, e, t.as_bytes()))?;
    digits(s, e + sep.len())
}

/// Syft's three forms, and Debian's `version 2.6.12-1+deb12u4, released 2023/...`: the
/// package revision between the version and the date, which Syft's patterns do not allow.
fn haproxy(h: &Hay) -> Option<String> {
    let released = |s: &[u8]| {
        let e = haproxy_version(s)?;
        let suffix = s[e..]
            .iter()
            .take(40)
            .take_while(|&&b| b != b',' && b.is_ascii_graphic());
        let n = if s.get(e) == Some(&b'-') {
            suffix.count()
        } else {
            0
        };
        then(s, e + n, b", released 20").then_some(0..e)
    };
    h.after(b"version ", released)
        .or_else(|| h.after(b"HA-Proxy version ", |s| haproxy_version(s).map(|e| 0..e)))
        .or_else(|| {
            h.find(b"HAProxy version").find_map(|at| {
                // `2.7.3-3a0d00b ... HAProxy version` on one line.
                let line = &h.buf[at.saturating_sub(200)..at];
                let line = &line[line
                    .iter()
                    .rposition(|&b| b == b'\n' || b == 0)
                    .map_or(0, |p| p + 1)..];
                (0..line.len()).find_map(|i| {
                    let ok = i == 0 || !line[i - 1].is_ascii_digit() && line[i - 1] != b'.';
                    let e = haproxy_version(&line[i..]).filter(|_| ok)?;
                    let sha = line.get(i + e + 1..i + e + 8)?;
                    (line[i + e] == b'-' && sha.iter().all(u8::is_ascii_alphanumeric))
                        .then(|| String::from_utf8_lossy(&line[i..i + e]).into_owned())
                })
            })
        })
}

/// Syft: `/usr/local/lib/perl5/5.36.0` (the official image's); and Debian's
/// `/usr/lib/x86_64-linux-gnu/perl/5.36.0`.
fn perl(h: &Hay) -> Option<String> {
    let in_dir = |s: &[u8]| {
        let d = usize::from(s.first()?.is_ascii_digit());
        then(s, d, b"/").then_some(())?;
        semver3(&s[d + 1..]).map(|e| d + 1..d + 1 + e)
    };
    h.after(b"/usr/local/lib/perl", in_dir)
        .or_else(|| h.after(b"-linux-gnu/perl/", semver3r))
}

fn memcached(h: &Hay) -> Option<String> {
    h.after(b"memcached", |s| {
        s.first().filter(|b| b.is_ascii_whitespace())?;
        semver3(&s[1..]).map(|e| 1..1 + e)
    })
}

/// `\d+(\.\d+)?(\.\d+)?(alpha\d|beta\d|rc\d)?`
fn pg_version(s: &[u8]) -> Option<usize> {
    let e = dotted(s, 0, 1, 3)?;
    Some(tag_digit(s, e, &["alpha", "beta", "rc"]))
}

/// After `end`, one of `tags` and one digit, if there.
fn tag_digit(s: &[u8], end: usize, tags: &[&str]) -> usize {
    tags.iter()
        .find(|t| {
            then(s, end, t.as_bytes()) && s.get(end + t.len()).is_some_and(u8::is_ascii_digit)
        })
        .map_or(end, |t| end + t.len() + 1)
}

fn postgres(h: &Hay) -> Option<String> {
    let ver = |s: &[u8]| pg_version(s).map(|e| 0..e);
    h.after(b"\0PostgreSQL ", ver)
        .or_else(|| h.after(b"?PostgreSQL ", ver))
}

fn mariadb(h: &Hay) -> Option<String> {
    h.before(pg_version, b"-MariaDB")
}

/// `ruby 3.2.1 (`, `ruby 2.7.7p221 (`, `ruby 3.4.0preview1 (`.
fn ruby(h: &Hay) -> Option<String> {
    h.after(b"ruby ", |s| {
        let e = semver3(s)?;
        let t = tagged(s, e, &["preview", "rc", "dev", "p"], false);
        then(s, t, b" ").then_some(0..t)
    })
}

/// `\0nginx version: nginx/1.25.1`, `\0nginx version: openresty/1.21.4.1` (the nginx part).
fn nginx(h: &Hay) -> Option<String> {
    let ver = |s: &[u8]| {
        let slash = s.iter().take(64).position(|&b| b == b'/' || b == 0)?;
        (slash > 0 && s[slash] == b'/').then_some(())?;
        let from = slash + 1;
        let mut e = from + semver3(&s[from..])?;
        for tag in [b'+', b'-'] {
            if s.get(e) == Some(&tag) {
                e = digits(s, e + 1).unwrap_or(e);
            }
        }
        Some(from..e)
    };
    h.after(b"\0nginx version: ", ver)
        .or_else(|| h.after(b"?nginx version: ", ver))
}

/// `@(#)Bash version 5.2.15(1) release GNU`
fn bash(h: &Hay) -> Option<String> {
    h.after(b"@(#)Bash version ", |s| {
        let e = semver3(s)?;
        let close = then(s, e, b"(") && s.get(e + 1).is_some_and(u8::is_ascii_digit);
        (close && then(s, e + 2, b") ")).then_some(())?;
        let word = s[e + 4..]
            .iter()
            .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        let w = word.count();
        (w > 0 && then(s, e + 4 + w, b" GNU")).then_some(0..e)
    })
}

/// `\0OpenSSL 1.1.1 (compatible; AWS-LC 1.69.0)\0`
fn aws_lc(h: &Hay) -> Option<String> {
    h.after(b"AWS-LC ", |s| {
        let e = semver3(s)?;
        then(s, e, b")\0").then_some(0..e)
    })
}

/// `\0OpenSSL 3.1.4 24 Oct 2023`, `\0OpenSSL 1.1.1w  11 Sep 2023`, `3.0.0-alpha1`; not AWS-LC's
/// compatibility string.
fn openssl(h: &Hay) -> Option<String> {
    h.after(b"\0OpenSSL ", |s| {
        let e = semver3(s)?;
        let letters = s[e..].iter().take_while(|b| b.is_ascii_lowercase()).count();
        let t = if letters > 0 {
            e + letters
        } else {
            tag_digit(s, e, &["-alpha", "-beta", "-rc"])
        };
        (!then(s, t, b" (compatible;")).then_some(0..t)
    })
}

/// `libcrypto.so.3`, `libcrypto.so.1.1`, `libcrypto-3-x64.so`.
fn libcrypto_name(n: &str) -> bool {
    n.starts_with("libcrypto") && n.contains(".so")
}

fn lighttpd(h: &Hay) -> Option<String> {
    h.after(b"\0lighttpd/", |s| {
        let e = semver3(s)?;
        then(s, e, b"\0").then_some(0..e)
    })
}

fn proftpd(h: &Hay) -> Option<String> {
    h.after(b"\0ProFTPD Version ", |s| {
        let e = semver3(s)?;
        let e = e + usize::from(s.get(e).is_some_and(u8::is_ascii_lowercase));
        then(s, e, b"\0").then_some(0..e)
    })
}

fn zstd(h: &Hay) -> Option<String> {
    h.after(b"\0v", |s| {
        let e = semver3(s)?;
        then(s, e, b"\0").then_some(0..e)
    })
}

fn xz(h: &Hay) -> Option<String> {
    h.after(b"\0xz (XZ Utils) ", |s| {
        let e = semver3(s)?;
        then(s, e, b"\0").then_some(0..e)
    })
}

fn ldapsearch(h: &Hay) -> Option<String> {
    h.after(b"$OpenLDAP:", |s| {
        let ws = |from: usize| s.get(from).is_some_and(u8::is_ascii_whitespace);
        (ws(0) && then(s, 1, b"ldapsearch") && ws(11)).then_some(())?;
        semver3(&s[12..]).map(|e| 12..12 + e)
    })
}

/// `php`, `php8`, `php82`: Syft's `(.*/|^)php[0-9]*$`.
fn php_name(n: &str) -> bool {
    n.strip_prefix("php")
        .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit()))
}

/// `X-Powered-By: PHP/8.2.1`, `8.3.0RC1`.
fn php(h: &Hay) -> Option<String> {
    h.after(b"X-Powered-By: PHP/", |s| {
        let e = semver3(s)?;
        Some(0..tagged(s, e, &["beta", "alpha", "RC"], true))
    })
}

#[cfg(test)]
mod tests {
    use super::super::classify::{classify, Found};
    use palisade_image::Bytes;
    use std::path::Path;

    fn found(name: &str, bytes: &[u8]) -> Option<(&'static str, String)> {
        classify(&format!("usr/bin/{name}"), &Bytes(bytes))
            .unwrap()
            .map(|Found { class, version }| (class, version))
    }

    /// Every snippet under testdata/classifiers (cut from real binaries, or Syft's own
    /// fixtures) gives the version its directory names, under its file name, and nothing under
    /// a name no classifier has.
    #[test]
    fn snippets_of_real_binaries() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/binary/testdata/classifiers");
        let mut seen = 0;
        for dir in [root.clone(), root.join("syft")] {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let entry = entry.unwrap();
                let dir_name = entry.file_name().into_string().unwrap();
                if !entry.file_type().unwrap().is_dir() || dir_name == "syft" {
                    continue;
                }
                for file in std::fs::read_dir(entry.path()).unwrap() {
                    let file = file.unwrap();
                    let name = file.file_name().into_string().unwrap();
                    let version = dir_name
                        .strip_prefix(&format!("{name}-"))
                        .unwrap_or_else(|| dir_name.rsplit_once('-').unwrap().1);
                    let bytes = std::fs::read(file.path()).unwrap();
                    assert_eq!(
                        found(&name, &bytes).map(|f| f.1).as_deref(),
                        Some(version),
                        "{dir_name}/{name}"
                    );
                    assert_eq!(found("ls", &bytes), None);
                    seen += 1;
                }
            }
        }
        assert!(seen >= 19, "{seen} snippets");
    }

    /// The forms classifiers.go's comments and Syft's unit tests show, as bytes.
    #[test]
    fn forms_syft_documents() {
        let cases: &[(&str, &[u8], &str, &str)] = &[
            (
                "redis-server",
                b"xx\x007.0.14buildkitsandbox-1702957741000000000\0",
                "redis-binary",
                "7.0.14",
            ),
            (
                "redis-server",
                b"\x004.0.11841ce7054bd9-1542359302000000000\0",
                "redis-binary",
                "4.0.11",
            ),
            (
                "redis-server",
                b"Server started, Redis version 2.8.23\0",
                "redis-binary",
                "2.8.23",
            ),
            (
                "valkey-server",
                b"valkey9.0.0buildkitsandbox-1764887574000000000",
                "valkey-binary",
                "9.0.0",
            ),
            ("node", b"\0node v0.10.48\0", "nodejs-binary", "0.10.48"),
            ("node", b"\0v4.9.1\0", "nodejs-binary", "4.9.1"),
            (
                "nginx",
                b"\0nginx version: openresty/1.21.4.1\n",
                "nginx-binary",
                "1.21.4",
            ),
            (
                "nginx",
                b"?nginx version: nginx/1.25.1\n",
                "nginx-binary",
                "1.25.1",
            ),
            (
                "postgres",
                b"\0PostgreSQL 15beta4\0",
                "postgresql-binary",
                "15beta4",
            ),
            (
                "postgres",
                b"\0PostgreSQL 9.6.24 on x86",
                "postgresql-binary",
                "9.6.24",
            ),
            (
                "haproxy",
                b"HA-Proxy version 1.5.14 2015/07/02",
                "haproxy-binary",
                "1.5.14",
            ),
            (
                "haproxy",
                b"version 2.7.3-1065b10, released 2023/02/14",
                "haproxy-binary",
                "2.7.3",
            ),
            (
                "haproxy",
                b"\n3.1-dev0-7c5e6f5 2024/05/29 - https://haproxy.org/ HAProxy version",
                "haproxy-binary",
                "3.1-dev0",
            ),
            (
                "bash",
                b"@(#)Bash version 5.2.0(1) rc4 GNU",
                "bash-binary",
                "5.2.0",
            ),
            (
                "openssl",
                b"\0OpenSSL 1.1.1w  11 Sep 2023\0",
                "openssl-binary",
                "1.1.1w",
            ),
            (
                "openssl",
                b"\0OpenSSL 3.1.4 24 Oct 2023\0",
                "openssl-binary",
                "3.1.4",
            ),
            (
                "openssl",
                b"\0OpenSSL 1.1.1 (compatible; AWS-LC 1.69.0)\0",
                "openssl-binary-aws-lc",
                "1.69.0",
            ),
            (
                "ruby",
                b"ruby 3.4.0preview1 (2024-05-16 master 9d69619623) [x86_64-linux]",
                "ruby-binary",
                "3.4.0preview1",
            ),
            (
                "ruby",
                b"ruby 2.7.7p221 (2022-11-24 revision 168ec2b1e5)",
                "ruby-binary",
                "2.7.7p221",
            ),
            (
                "mariadb",
                b"\x0010.6.15-MariaDB\0",
                "mariadb-binary",
                "10.6.15",
            ),
            (
                "perl",
                b"/usr/local/lib/perl5/5.36.0/x86_64",
                "perl-binary",
                "5.36.0",
            ),
            ("httpd", b"Apache/2.4.54 (Unix)", "httpd-binary", "2.4.54"),
            (
                "php",
                b"X-Powered-By: PHP/8.2.1\0",
                "php-cli-binary",
                "8.2.1",
            ),
            (
                "php82",
                b"X-Powered-By: PHP/8.3.0RC1\0",
                "php-cli-binary",
                "8.3.0RC1",
            ),
            (
                "getopt",
                b"\0util-linux 2.38.1\0",
                "util-linux-binary",
                "2.38.1",
            ),
            (
                "lighttpd",
                b"\0lighttpd/1.4.73\0",
                "lighttpd-binary",
                "1.4.73",
            ),
            (
                "proftpd",
                b"\0ProFTPD Version 1.3.8b\0",
                "proftpd-binary",
                "1.3.8b",
            ),
            ("zstd", b"\0v1.5.5\0", "zstd-binary", "1.5.5"),
            ("xz", b"\0xz (XZ Utils) 5.4.1\0", "xz-binary", "5.4.1"),
            (
                "ldapsearch",
                b"$OpenLDAP: ldapsearch 2.4.45 (Jan 1)",
                "openldap-search-binary",
                "2.4.45",
            ),
            ("gcc", b"GCC: (GNU) 12.3.0\0", "gcc-binary", "12.3.0"),
            (
                "python3.6",
                b"\x003.6.3a-vZ9\0",
                "python-binary",
                "3.6.3a-vZ9",
            ),
            (
                "libpython3.7m.so.1.0",
                b"\x003.7.4\0",
                "python-binary-lib",
                "3.7.4",
            ),
            (
                "libcrypto.so.1.1",
                b"\0OpenSSL 1.1.1w  11 Sep 2023",
                "openssl-library",
                "1.1.1w",
            ),
        ];
        for (name, bytes, class, version) in cases {
            assert_eq!(
                found(name, bytes),
                Some((*class, version.to_string())),
                "{name}: {}",
                String::from_utf8_lossy(bytes)
            );
        }
        // Near misses: Syft's negative forms.
        let misses: &[(&str, &[u8])] = &[
            ("node", b"\0v7.9.1\0"), // only 0, 4, 5, 6 in the bare form
            ("redis-server", b"\x007.0.15abc\0"),
            ("redis-server", b"x7.0.1517902820560000000001\0"), // SHA not zero
            ("python3.6", b"\x003.7.4\0"),                      // the name's version must match
            ("python", b"\x003.11.2\0"),                        // no version in the name
            ("bash", b"@(#)Bash version 5.2.15(1) release"),
            ("openssl", b"OpenSSL 3.1.4"), // not after a NUL
            ("postgres", b"xPostgreSQL 15.1"),
        ];
        for (name, bytes) in misses {
            assert_eq!(
                found(name, bytes),
                None,
                "{name}: {}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    /// Cut anywhere or filled with junk, evidence never panics.
    #[test]
    fn truncated_and_junk_input() {
        let sample = b"\0OpenSSL 3.1.4 24 Oct\0node.js/v1.2.3 BusyBox v1.2.3 \x004.0.11841ce7054bd9-1542359302000000000\0version 2.7.3-1065b10, released 20 @(#)Bash version 5.2.0(1) rc4 GNU \0nginx version: x/1.2.3+4-5 HAProxy version X-Powered-By: PHP/8.2.1 $OpenLDAP: ldapsearch 1.2.3";
        for name in [
            "openssl",
            "node",
            "busybox",
            "redis-server",
            "haproxy",
            "bash",
            "nginx",
            "php",
            "ldapsearch",
            "python3.11",
            "mariadb",
            "ruby",
        ] {
            for n in 0..sample.len() {
                let _ = found(name, &sample[..n]);
                let _ = found(name, &sample[n..]);
            }
        }
    }
}
