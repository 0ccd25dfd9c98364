//! The patterns rules write. In a path (`/etc/nginx/**`, `/bin/*sh`) `*` and `?` stay within
//! one directory and `**` crosses them; in a name, an image or a namespace `*` matches any run
//! of characters. No other character is special, so every pattern is valid.

/// Whether `text` matches `pattern`; `path` makes `*` and `?` stop at `/`.
pub fn matches(pattern: &str, text: &str, path: bool) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    // Classic wildcard matching with one backtrack point per kind of star: linear in practice,
    // never exponential.
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` (within a segment) and `**` (any) were, and the text position then.
    let mut star: Option<(usize, usize)> = None;
    let mut deep: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' if path && p.get(pi + 1) == Some(&b'*') => {
                    deep = Some((pi + 2, ti));
                    star = None;
                    pi += 2;
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
        if let Some((dp, dt)) = deep {
            deep = Some((dp, dt + 1));
            star = None;
            pi = dp;
            ti = dt + 1;
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
