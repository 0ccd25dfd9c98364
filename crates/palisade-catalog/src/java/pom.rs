//! Maven POMs (`pom.xml`), read as far as naming packages needs: the project's own coordinates
//! (a missing groupId or version is the parent's, as Maven inherits them) and the dependencies
//! it declares. `${...}` references are resolved from the POM's own `<properties>` and project
//! fields; a value still unresolved (defined in a parent POM or on the command line) or a
//! version range is no version. Only `project`, `parent`, `properties`, `dependencies` and
//! `dependencyManagement` are looked at: profiles and plugins are not what is built by default.

use std::collections::HashMap;

use quick_xml::events::Event as Xml;
use quick_xml::Reader;

/// Longest text kept for one element; coordinates are short.
const MAX_TEXT: usize = 4096;
/// Deepest element nesting read (real POMs nest under 10).
const MAX_DEPTH: usize = 64;
/// Most `${...}` expansions of one value (properties naming properties).
const MAX_EXPANSIONS: usize = 16;

/// A dependency a POM declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub group: String,
    pub artifact: String,
    /// `None` when the POM gives no version this file resolves to a single one.
    pub version: Option<String>,
    /// `<scope>test</scope>`: needed only to run the project's tests.
    pub test: bool,
}

/// What a POM says about its project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pom {
    pub group: Option<String>,
    pub artifact: Option<String>,
    pub version: Option<String>,
    pub dependencies: Vec<Dependency>,
}

#[derive(Default)]
struct Raw {
    group: Option<String>,
    artifact: Option<String>,
    version: Option<String>,
    parent_group: Option<String>,
    parent_version: Option<String>,
    properties: HashMap<String, String>,
    /// (group, artifact, version, scope) of `dependencies/dependency`.
    dependencies: Vec<[String; 4]>,
    /// group:artifact -> version of `dependencyManagement`.
    managed: HashMap<(String, String), String>,
}

/// Parses a POM. An error names what is wrong (malformed XML with its byte offset, a root
/// element that is not `project`).
pub fn parse(data: &[u8]) -> Result<Pom, String> {
    let raw = read(data)?;
    let group = raw.group.clone().or_else(|| raw.parent_group.clone());
    let version = raw.version.clone().or_else(|| raw.parent_version.clone());
    let resolve = |value: &str| expand(value, &raw, group.as_deref(), version.as_deref());
    let group = group.as_deref().and_then(&resolve);
    let version = version.as_deref().and_then(&resolve);
    let artifact = raw.artifact.as_deref().and_then(&resolve);
    let mut dependencies = Vec::new();
    for [g, a, v, scope] in &raw.dependencies {
        let (Some(g), Some(a)) = (resolve(g), resolve(a)) else {
            continue;
        };
        let declared = if v.is_empty() {
            raw.managed.get(&(g.clone(), a.clone())).cloned()
        } else {
            Some(v.clone())
        };
        let version = declared
            .as_deref()
            .and_then(&resolve)
            .filter(|v| !v.starts_with(['[', '(']));
        dependencies.push(Dependency {
            group: g,
            artifact: a,
            version,
            test: scope.trim() == "test",
        });
    }
    Ok(Pom {
        group,
        artifact,
        version,
        dependencies,
    })
}

/// Resolves `${name}` references from the POM's properties and project fields; `None` if one
/// stays unresolved or the value is empty.
fn expand(value: &str, raw: &Raw, group: Option<&str>, version: Option<&str>) -> Option<String> {
    let mut out = value.trim().to_string();
    for _ in 0..MAX_EXPANSIONS {
        let Some(start) = out.find("${") else {
            return Some(out).filter(|v| !v.is_empty());
        };
        let end = start + out[start..].find('}')?;
        let name = &out[start + 2..end];
        let replacement = match name {
            "project.groupId" | "pom.groupId" | "groupId" => group?.to_string(),
            "project.version" | "pom.version" | "version" => version?.to_string(),
            "project.artifactId" | "pom.artifactId" | "artifactId" => raw.artifact.clone()?,
            "project.parent.version" | "parent.version" => raw.parent_version.clone()?,
            "project.parent.groupId" | "parent.groupId" => raw.parent_group.clone()?,
            _ => raw.properties.get(name)?.trim().to_string(),
        };
        out.replace_range(start..=end, &replacement);
    }
    None
}

fn read(data: &[u8]) -> Result<Raw, String> {
    let mut reader = Reader::from_reader(data);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut raw = Raw::default();
    // The dependency being read: group, artifact, version, scope.
    let mut dep: [String; 4] = Default::default();
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("XML error at byte {}: {e}", reader.buffer_position()))?;
        match ev {
            Xml::Start(ref e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.is_empty() && name != "project" {
                    return Err(format!("root element <{name}>, not <project>"));
                }
                if path.len() >= MAX_DEPTH {
                    return Err(format!("elements nested deeper than {MAX_DEPTH}"));
                }
                path.push(name);
                text.clear();
                if in_dependency(&path) == Some(path.len()) {
                    dep = Default::default();
                }
            }
            Xml::Empty(ref e) if path.is_empty() => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                return Err(format!("root element <{name}/>, not <project>"));
            }
            // Lossy: POMs declared ISO-8859-1 exist, and coordinates are ASCII.
            Xml::Text(ref t) => push_capped(&mut text, &String::from_utf8_lossy(t)),
            Xml::CData(ref t) => push_capped(&mut text, &String::from_utf8_lossy(t)),
            Xml::GeneralRef(ref r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match &**r {
                        b"amp" => "&",
                        b"lt" => "<",
                        b"gt" => ">",
                        b"quot" => "\"",
                        b"apos" => "'",
                        _ => "",
                    }
                    .to_string(),
                };
                push_capped(&mut text, &c);
            }
            Xml::End(_) => {
                let value = std::mem::take(&mut text);
                end_element(&path, value, &mut raw, &mut dep);
                path.pop();
            }
            Xml::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !path.is_empty() {
        return Err(format!("ends inside <{}>", path.join("><")));
    }
    if raw.artifact.is_none() && raw.group.is_none() && raw.dependencies.is_empty() {
        return Err("no <project> element".into());
    }
    Ok(raw)
}

fn push_capped(text: &mut String, s: &str) {
    if text.len() + s.len() <= MAX_TEXT {
        text.push_str(s);
    }
}

/// The depth of the `dependency` element `path` is in (under `project/dependencies` or
/// `project/dependencyManagement/dependencies`), if any.
fn in_dependency(path: &[String]) -> Option<usize> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["project", "dependencies", "dependency", ..] => Some(3),
        ["project", "dependencyManagement", "dependencies", "dependency", ..] => Some(4),
        _ => None,
    }
}

fn end_element(path: &[String], value: String, raw: &mut Raw, dep: &mut [String; 4]) {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["project", "groupId"] => raw.group = Some(value),
        ["project", "artifactId"] => raw.artifact = Some(value),
        ["project", "version"] => raw.version = Some(value),
        ["project", "parent", "groupId"] => raw.parent_group = Some(value),
        ["project", "parent", "version"] => raw.parent_version = Some(value),
        ["project", "properties", name] => {
            raw.properties.insert(name.to_string(), value);
        }
        ["project", "dependencies", "dependency"] => {
            raw.dependencies.push(std::mem::take(dep));
        }
        ["project", "dependencyManagement", "dependencies", "dependency"] => {
            let [g, a, v, _] = std::mem::take(dep);
            if !v.is_empty() {
                raw.managed.insert((g, a), v);
            }
        }
        _ => {
            if let Some(depth) = in_dependency(path) {
                if path.len() == depth + 1 {
                    let field = match p[depth] {
                        "groupId" => 0,
                        "artifactId" => 1,
                        "version" => 2,
                        "scope" => 3,
                        _ => return,
                    };
                    dep[field] = value;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_with_parent_fallback() {
        // The layout of jackson-core 2.15.2's embedded pom.xml: groupId and version are its
        // own, the parent (jackson-base) is another artifact.
        let pom = br#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <!-- comment <groupId>no</groupId> -->
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>com.fasterxml.jackson</groupId>
    <artifactId>jackson-base</artifactId>
    <version>2.15.2</version>
  </parent>
  <groupId>com.fasterxml.jackson.core</groupId>
  <artifactId>jackson-core</artifactId>
  <name>Jackson-core</name>
  <version>2.15.2</version>
</project>"#;
        let p = parse(pom).unwrap();
        assert_eq!(
            (
                p.group.as_deref(),
                p.artifact.as_deref(),
                p.version.as_deref()
            ),
            (
                Some("com.fasterxml.jackson.core"),
                Some("jackson-core"),
                Some("2.15.2")
            )
        );
        // Inherited from the parent when the project leaves them out.
        let child = br#"<project><parent><groupId>org.example</groupId><artifactId>parent</artifactId><version>1.0</version></parent><artifactId>child</artifactId></project>"#;
        let p = parse(child).unwrap();
        assert_eq!(
            (
                p.group.as_deref(),
                p.artifact.as_deref(),
                p.version.as_deref()
            ),
            (Some("org.example"), Some("child"), Some("1.0"))
        );
    }

    #[test]
    fn dependencies_properties_and_management() {
        let pom = br#"<project>
  <groupId>org.example</groupId><artifactId>app</artifactId><version>1.2.0</version>
  <properties><log4j.version>2.14.1</log4j.version><v>${log4j.version}</v></properties>
  <dependencyManagement><dependencies>
    <dependency><groupId>com.google.guava</groupId><artifactId>guava</artifactId><version>31.1-jre</version></dependency>
  </dependencies></dependencyManagement>
  <dependencies>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>${v}</version></dependency>
    <dependency><groupId>com.google.guava</groupId><artifactId>guava</artifactId></dependency>
    <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version><scope>test</scope></dependency>
    <dependency><groupId>${project.groupId}</groupId><artifactId>lib</artifactId><version>${project.version}</version></dependency>
    <dependency><groupId>org.x</groupId><artifactId>from-parent</artifactId><version>${undefined.version}</version></dependency>
    <dependency><groupId>org.x</groupId><artifactId>ranged</artifactId><version>[1.0,2.0)</version></dependency>
  </dependencies>
  <profiles><profile><dependencies><dependency><groupId>p</groupId><artifactId>p</artifactId><version>1</version></dependency></dependencies></profile></profiles>
</project>"#;
        let p = parse(pom).unwrap();
        let got: Vec<(&str, &str, Option<&str>, bool)> = p
            .dependencies
            .iter()
            .map(|d| {
                (
                    d.group.as_str(),
                    d.artifact.as_str(),
                    d.version.as_deref(),
                    d.test,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "org.apache.logging.log4j",
                    "log4j-core",
                    Some("2.14.1"),
                    false
                ),
                ("com.google.guava", "guava", Some("31.1-jre"), false),
                ("junit", "junit", Some("4.13.2"), true),
                ("org.example", "lib", Some("1.2.0"), false),
                ("org.x", "from-parent", None, false),
                ("org.x", "ranged", None, false),
            ]
        );
    }

    /// Syft's commons-text fixture (testdata/README.md): groupId from the parent, versions
    /// from the POM's properties, junit-jupiter's left to the parent POM.
    #[test]
    fn commons_text_as_syft_reads_it() {
        let p = parse(include_bytes!("testdata/syft-commons-text-1.10.0.pom.xml")).unwrap();
        assert_eq!(
            (
                p.group.as_deref(),
                p.artifact.as_deref(),
                p.version.as_deref()
            ),
            (
                Some("org.apache.commons"),
                Some("commons-text"),
                Some("1.10.0")
            )
        );
        let got: Vec<String> = p
            .dependencies
            .iter()
            .map(|d| {
                let v = d.version.as_deref().unwrap_or("-");
                format!(
                    "{}:{} {v}{}",
                    d.group,
                    d.artifact,
                    if d.test { " test" } else { "" }
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "org.apache.commons:commons-lang3 3.18.0",
                "org.junit.jupiter:junit-jupiter - test",
                "org.assertj:assertj-core 3.23.1 test",
                "commons-io:commons-io 2.11.0 test",
                "org.mockito:mockito-inline 4.8.0 test",
                "org.graalvm.js:js 22.0.0.2 test",
                "org.graalvm.js:js-scriptengine 22.0.0.2 test",
                "org.apache.commons:commons-rng-simple 1.4 test",
                "org.openjdk.jmh:jmh-core 1.35 test",
                "org.openjdk.jmh:jmh-generator-annprocess 1.35 test",
            ]
        );
    }

    #[test]
    fn broken_poms_are_errors() {
        assert!(parse(b"<project><groupId>x</groupId>")
            .unwrap_err()
            .contains("ends inside <project>"));
        assert!(parse(b"<settings/>").unwrap_err().contains("<settings/>"));
        assert!(parse(b"<a><b></a>").is_err());
        assert!(parse(b"\xff\xfe junk").is_err());
        // Declared ISO-8859-1 (Syft has such a fixture): read, the odd byte replaced.
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<project><groupId>g</groupId><artifactId>a</artifactId><name>Caf\xe9</name><version>1</version></project>";
        assert_eq!(parse(latin1).unwrap().version.as_deref(), Some("1"));
        assert!(parse(b"").is_err());
        // Self-referencing properties end, with no version.
        let p = parse(b"<project><artifactId>a</artifactId><properties><x>${x}</x></properties><version>${x}</version></project>").unwrap();
        assert_eq!(p.version, None);
    }
}
