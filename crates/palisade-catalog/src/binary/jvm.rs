//! Java runtimes by their `release` file (`/usr/lib/jvm/java-17-openjdk-amd64/release`,
//! `/opt/java/openjdk/release`): `KEY="value"` lines naming the implementor and the version.
//! Named as Syft names them (anchore/syft, `syft/pkg/cataloger/java/parse_jvm_release.go`).

use std::collections::BTreeMap;

use palisade_image::FileTree;

/// Syft reads at most 500 KB of the file.
const MAX_READ: usize = 500 << 10;

/// A file named `release` in a directory that names a Java runtime (`jvm`, `jdk`, `jre`,
/// `java`, or a vendor's build): Syft reads every `**/release`, but a file of that name
/// elsewhere is not held (nor reported unread when it is large).
pub fn wants(path: &str) -> bool {
    const NAMES: [&str; 10] = [
        "jvm", "jdk", "jre", "java", "zulu", "temurin", "corretto", "graalvm", "semeru", "liberica",
    ];
    let Some(dir) = path.strip_suffix("/release") else {
        return false;
    };
    let dir = dir.to_ascii_lowercase();
    NAMES.iter().any(|n| dir.contains(n))
}

/// The fields of a `release` file, if it names a Java version.
pub fn parse(data: &[u8]) -> Option<BTreeMap<String, String>> {
    let text = String::from_utf8_lossy(&data[..data.len().min(MAX_READ)]);
    let fields: BTreeMap<String, String> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        .collect();
    (fields.contains_key("JAVA_VERSION") || fields.contains_key("JAVA_RUNTIME_VERSION"))
        .then_some(fields)
}

/// (vendor, product, version) of the runtime whose `release` file is at `path`, and the
/// repository its build names.
pub fn identify(
    files: &FileTree,
    path: &str,
    fields: &BTreeMap<String, String>,
) -> (&'static str, &'static str, String, Option<String>) {
    let get = |k: &str| fields.get(k).filter(|v| !v.is_empty());
    // Syft: the runtime version, else the full version when its major matches, else the
    // Java version.
    let major = |v: &str| v.split('.').next().unwrap_or("").to_string();
    let version = match (
        get("JAVA_RUNTIME_VERSION"),
        get("FULL_VERSION"),
        get("JAVA_VERSION"),
    ) {
        (Some(v), _, _) => v.clone(),
        (None, Some(f), j) if j.is_none_or(|j| major(f) == major(j)) => f.clone(),
        (_, _, Some(j)) => j.clone(),
        _ => String::new(),
    };
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let javac = if dir.is_empty() {
        "bin/javac".to_string()
    } else {
        format!("{dir}/bin/javac")
    };
    let jre_image = get("IMAGE_TYPE").is_some_and(|t| t.to_ascii_lowercase().contains("jre"));
    let product = if files.get(&javac).is_some() || !jre_image {
        "jdk"
    } else {
        "jre"
    };
    let implementor = get("IMPLEMENTOR")
        .map(|i| i.to_ascii_lowercase().replace(' ', ""))
        .unwrap_or_default();
    let (vendor, product) = if implementor.contains("azul") || path.contains("zulu") {
        ("azul", "zulu")
    } else if implementor.contains("sun") {
        ("sun", product)
    } else if implementor.contains("oracle") || path.contains("oracle") {
        ("oracle", product)
    } else {
        ("oracle", "openjdk")
    };
    let repository = get("SOURCE_REPO").or(get("BUILD_SOURCE_REPO")).cloned();
    (vendor, product, version, repository)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Debian's openjdk-17-jre-headless 17.0.15+6-1~deb12u1, as installed on this machine.
    const DEBIAN: &[u8] = include_bytes!("testdata/release-debian-openjdk-17");
    /// Eclipse Temurin 25.0.3+9 (the JDK tarball's).
    const TEMURIN: &[u8] = include_bytes!("testdata/release-temurin-25");

    #[test]
    fn wants_release_files_of_java_runtimes_only() {
        for path in [
            "usr/lib/jvm/java-17-openjdk-amd64/release",
            "opt/java/openjdk/release",
            "usr/local/openjdk-17/release",
            "opt/jdk-21/release",
            "jdk-17/release",
        ] {
            assert!(wants(path), "{path}");
        }
        for path in ["release", "srv/app/release", "etc/os-release", "p4/release"] {
            assert!(!wants(path), "{path}");
        }
    }

    #[test]
    fn names_runtimes_as_syft_does() {
        let tree = FileTree::default();
        let f = parse(DEBIAN).unwrap();
        assert_eq!(
            identify(&tree, "usr/lib/jvm/java-17-openjdk-amd64/release", &f),
            (
                "oracle",
                "openjdk",
                "17.0.15+6-Debian-1deb12u1".into(),
                None
            )
        );
        let f = parse(TEMURIN).unwrap();
        assert_eq!(
            identify(&tree, "opt/java/openjdk/release", &f),
            (
                "oracle",
                "openjdk",
                "25.0.3+9-LTS".into(),
                Some("https://github.com/adoptium/jdk25u.git".into())
            )
        );
        // Azul's, and an Oracle JRE image: vendor and product from the implementor.
        let zulu =
            parse(b"IMPLEMENTOR=\"Azul Systems, Inc.\"\nJAVA_VERSION=\"11.0.17\"\n").unwrap();
        assert_eq!(
            identify(&tree, "usr/lib/jvm/zulu11/release", &zulu).0,
            "azul"
        );
        let oracle = parse(
            b"IMPLEMENTOR=\"Oracle Corporation\"\nJAVA_VERSION=\"1.8.0_401\"\nFULL_VERSION=\"1.8.0_401-b10\"\nIMAGE_TYPE=\"JRE\"\n",
        )
        .unwrap();
        assert_eq!(
            identify(&tree, "opt/jre/release", &oracle),
            ("oracle", "jre", "1.8.0_401-b10".into(), None)
        );
        // FULL_VERSION of another major (8 vs 1.8) is not used.
        let old = parse(b"JAVA_VERSION=\"1.8.0_422\"\nFULL_VERSION=\"8.0.422+5\"\n").unwrap();
        assert_eq!(identify(&tree, "release", &old).2, "1.8.0_422");
        // Other files named release are not runtimes.
        assert_eq!(parse(b"NAME=\"Debian\"\nVERSION=\"12\"\n"), None);
        assert_eq!(parse(&[0xff; 100]), None);
    }
}
