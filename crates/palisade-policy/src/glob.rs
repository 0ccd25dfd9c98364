//! The patterns rules write. In a path (`/etc/nginx/**`, `/bin/*sh`) `*` and `?` stay within
//! one directory and `**` crosses them; in a name, an image or a namespace `*` matches any run
//! of characters. No other character is special, so every pattern is valid.

/// Whether `text` matches `pattern`; `path` makes `*` and `?` stop at `/`.
pub fn matches(pattern: &str, text: &str, path: bool) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    // Classic wildcard matching with one backtrack point per kind of star: linear in practice,
    // never exponential.
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` (within a segment) and `**` were, and the text position then; a `**/`
    // matches whole directories only (none, or any number), so it resumes after a `/`.
    let mut star: Option<(usize, usize)> = None;
    let mut deep: Option<(usize, usize, bool)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' if path && p.get(pi + 1) == Some(&b'*') => {
                    let dirs = p.get(pi + 2) == Some(&b'/');
                    pi += if dirs { 3 } else { 2 };
                    deep = Some((pi, ti, dirs));
                    star = None;
                    continue;
                }
                b'*' => {
                    star = Some((pi + 1, ti));
                    pi += 1;
                    continue;
                }
                b'?' if !(path && t[ti] == b'/') => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                c if c != b'?' && c == t[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        // Mismatch: let the last star take one more character, if it may.
        if let Some((sp, st)) = star {
            if !(path && t[st] == b'/') {
                star = Some((sp, st + 1));
                pi = sp;
                ti = st + 1;
                continue;
            }
        }
        if let Some((dp, dt, dirs)) = deep {
            let next = match dirs {
                // The next directory's start, if there is one.
                true => match t[dt..].iter().position(|&c| c == b'/') {
                    Some(slash) => dt + slash + 1,
                    None => return false,
                },
                false => dt + 1,
            };
            deep = Some((dp, next, dirs));
            star = None;
            pi = dp;
            ti = next;
            continue;
        }
        return false;
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn paths_and_names() {
        assert!(matches("/etc/nginx/**", "/etc/nginx/conf.d/a.conf", true));
        assert!(matches("/bin/*sh", "/bin/bash", true));
        assert!(!matches("/bin/*sh", "/bin/x/bash", true));
        assert!(matches(
            "/usr/**/python3*",
            "/usr/local/bin/python3.11",
            true
        ));
        assert!(matches("/a/**", "/a/", true));
        // `**/` is whole directories: none, or any number, never part of a name.
        assert!(matches(
            "/etc/nginx/**/*.conf",
            "/etc/nginx/nginx.conf",
            true
        ));
        assert!(matches(
            "/etc/nginx/**/*.conf",
            "/etc/nginx/conf.d/x/a.conf",
            true
        ));
        assert!(matches("/a/**/b", "/a/b", true));
        assert!(!matches("/a/**/b", "/a/xb", true));
        assert!(matches("**/b", "/x/y/b", true));
        assert!(!matches("/a/?", "/a//", true));
        assert!(matches(
            "registry.example/shop/*:1.*",
            "registry.example/shop/web:1.2",
            false
        ));
        assert!(matches("*", "", false));
        assert!(!matches("web", "web2", false));
        assert!(matches("w?b", "web", false));
        assert!(!matches("", "x", false));
        // Many stars against a long text stay fast (no exponential backtracking).
        let text = "a".repeat(10_000);
        assert!(!matches(&format!("{}b", "*a".repeat(50)), &text, false));
    }
}
