//! Gradle dependency lock files (`gradle.lockfile`, `*.lockfile` under `gradle/dependency-locks`):
//! `group:artifact:version=configuration,...` lines; a dependency only in test configurations
//! is dev-only.

/// (group, artifact, version, dev) of every locked dependency.
pub fn parse(data: &[u8]) -> Result<Vec<(String, String, String, bool)>, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8".to_string())?;
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with("empty=") {
            continue;
        }
        let (coords, configs) = line.split_once('=').unwrap_or((line, ""));
        let mut parts = coords.split(':');
        let (Some(g), Some(a), Some(v), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("line {line:?}: expected group:artifact:version"));
        };
        let dev = !configs.is_empty()
            && configs
                .split(',')
                .all(|c| c.trim().to_ascii_lowercase().starts_with("test"));
        out.push((g.to_string(), a.to_string(), v.to_string(), dev));
    }
    Ok(out)
}

pub fn is_lock(path: &str) -> bool {
    if crate::inside_installed_package(path) {
        return false;
    }
    let file = path.rsplit('/').next().unwrap_or(path);
    file == "gradle.lockfile"
        || (file.ends_with(".lockfile") && path.contains("gradle/dependency-locks/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_lines() {
        // Written from Gradle's lock file format (Maven Central cannot be reached here).
        let lock = b"# This is a Gradle generated file for dependency locking.\norg.apache.logging.log4j:log4j-core:2.14.1=compileClasspath,runtimeClasspath\njunit:junit:4.13.2=testCompileClasspath,testRuntimeClasspath\nempty=annotationProcessor\n";
        let found = parse(lock).unwrap();
        assert_eq!(found.len(), 2);
        assert!(!found[0].3 && found[1].3);
        assert!(parse(b"not-coordinates\n").is_err());
        assert!(is_lock("app/gradle.lockfile"));
        assert!(is_lock("gradle/dependency-locks/compileClasspath.lockfile"));
    }
}
