//! Java archives (`.jar`, `.war`, `.ear`, and Jenkins' `.jpi`/`.hpi`), nested ones included up
//! to a depth: every `META-INF/maven/GROUP/ARTIFACT/pom.properties` is a package, and so is a
//! `pom.xml` there with no `pom.properties` beside it (its own coordinates, pom.rs); an archive
//! with neither is named by its `META-INF/MANIFEST.MF` (a Jenkins plugin's `Group-Id`,
//! `Short-Name` and `Plugin-Version`; else `Implementation-Title`/`-Version`, then
//! `Bundle-SymbolicName`/`Bundle-Version`) or, failing that, by its file name (`name-1.2.jar`).
//! Jenkins also unpacks each plugin beside its archive (`plugins/git/META-INF/MANIFEST.MF`
//! next to `plugins/git.jpi`); an unpacked plugin whose archive is gone is named by that
//! manifest.
//! Packages are named `group:artifact` where the group is known, as Maven and OSV name them.
//! Gradle lock files (gradle.rs) list coordinates directly; a project's own `pom.xml` lists the
//! dependencies it declares (with a version it gives), reported as declared; a `pom.xml` under
//! an unpacked archive's `META-INF/maven` names the artifact itself, as in the archive.
//!
//! Archives are not captured whole until cataloguing: the read hands each to `probe` as it
//! streams past (in place on a root filesystem), which keeps only the packages and errors it
//! found, so memory does not grow with the jars of an image.

pub mod gradle;
pub mod pom;
pub mod zip;

use palisade_core::{purl, Diagnostic, OsRelease, Package, PackageType};
use palisade_image::{FileKind, FileTree, ReadAt};

use crate::Cataloguer;

pub struct Java;

/// Archives inside archives are read this deep (a war's WEB-INF/lib jars, a Spring Boot jar's
/// BOOT-INF/lib).
const MAX_DEPTH: usize = 3;
/// Largest member inflated (a nested archive or a metadata file).
const MAX_MEMBER: u64 = 256 << 20;
/// Most members of one archive.
const MAX_MEMBERS: usize = 200_000;

/// Whether `path` names a Java archive (asked of every file an image holds: no allocation).
pub(crate) fn is_archive(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 4
        && [".jar", ".war", ".ear", ".jpi", ".hpi"]
            .iter()
            .any(|s| b[b.len() - 4..].eq_ignore_ascii_case(s.as_bytes()))
}

/// What `probe` keeps of an archive: this tag, then a `P` record per package (group, artifact,
/// version, location) and an `E` record per error (path, reason), each string length-prefixed
/// (u32, LE).
const TAG: &[u8] = b"java\n";

/// Reads the archive at `path` (no leading slash), as the image is read, into the compact
/// record of what it holds (`TAG`); its bytes are dropped afterwards.
pub fn probe(path: &str, file: &dyn ReadAt) -> Vec<u8> {
    let name = format!("/{path}");
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    // Read by offset: its directory and the few members named below, never the whole file.
    archive(file, &name, 0, &mut found, &mut errors);
    encode(&found, &errors)
}

fn put(out: &mut Vec<u8>, s: &str) {
    // Every string here is far below 4 GiB (members are capped), but clamp rather than wrap.
    let b = &s.as_bytes()[..s.len().min(u32::MAX as usize)];
    out.extend((b.len() as u32).to_le_bytes());
    out.extend(b);
}

fn encode(found: &[(String, Found)], errors: &[Diagnostic]) -> Vec<u8> {
    let mut out = TAG.to_vec();
    for (location, (group, artifact, version)) in found {
        out.push(b'P');
        match group {
            Some(g) => {
                out.push(1);
                put(&mut out, g);
            }
            None => out.push(0),
        }
        for s in [artifact, version, location] {
            put(&mut out, s);
        }
    }
    for e in errors {
        out.push(b'E');
        put(&mut out, e.location.as_ref().map_or("", |l| &l.path));
        put(&mut out, &e.message);
    }
    out
}

/// What `probe` found in one archive: (location, package) pairs and errors.
type Probed = (Vec<(String, Found)>, Vec<Diagnostic>);

/// The packages and errors `probe` recorded; `None` if `data` is not such a record (another
/// probe's, or damaged: it may come from the cache).
fn decode(data: &[u8]) -> Option<Probed> {
    let mut r = data.strip_prefix(TAG)?;
    let string = |r: &mut &[u8]| -> Option<String> {
        let n = u32::from_le_bytes(r.get(..4)?.try_into().ok()?) as usize;
        let s = String::from_utf8(r.get(4..4usize.checked_add(n)?)?.to_vec()).ok()?;
        *r = &r[4 + n..];
        Some(s)
    };
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    while let Some((&tag, rest)) = r.split_first() {
        r = rest;
        match tag {
            b'P' => {
                let (&has_group, rest) = r.split_first()?;
                r = rest;
                let group = match has_group {
                    0 => None,
                    1 => Some(string(&mut r)?),
                    _ => return None,
                };
                let (artifact, version) = (string(&mut r)?, string(&mut r)?);
                found.push((string(&mut r)?, (group, artifact, version)));
            }
            b'E' => errors.push(Diagnostic::unread(&string(&mut r)?, string(&mut r)?)),
            _ => return None,
        }
    }
    Some((found, errors))
}

/// A `pom.xml` in the file system (not one inside an installed package or dependency cache).
/// Those inside archives are read with the archive.
fn is_pom(path: &str) -> bool {
    (path == "pom.xml" || path.ends_with("/pom.xml")) && !crate::inside_installed_package(path)
}

/// A POM that Maven embedded in a built artifact (`META-INF/maven/GROUP/ARTIFACT/pom.xml`),
/// here in an unpacked one (`WEB-INF/classes/META-INF/maven/...`): it names the artifact that
/// is present, not what its project declared, as in an archive.
fn is_embedded_pom(path: &str) -> bool {
    path.starts_with("META-INF/maven/") || path.contains("/META-INF/maven/")
}

/// The manifest of a Jenkins plugin unpacked in a Jenkins home
/// (`…/plugins/NAME/META-INF/MANIFEST.MF`).
fn is_plugin_manifest(path: &str) -> bool {
    path.strip_suffix("/META-INF/MANIFEST.MF")
        .and_then(|dir| dir.rsplit_once('/'))
        .is_some_and(|(parent, _)| parent == "plugins" || parent.ends_with("/plugins"))
}

/// Whether `path` is inside a Jenkins plugin unpacked beside its archive (`…/plugins/NAME/…`
/// next to `…/plugins/NAME.jpi`, as Jenkins keeps both): the archive, read itself, holds the
/// same manifest and jars, so the unpacked copy would list every package twice.
fn beside_plugin_archive(files: &FileTree, path: &str) -> bool {
    let mut from = 0;
    while let Some(i) = path[from..].find("plugins/") {
        let at = from + i;
        from = at + "plugins/".len();
        if at > 0 && path.as_bytes()[at - 1] != b'/' {
            continue;
        }
        let Some((name, _)) = path[from..].split_once('/') else {
            continue;
        };
        let dir = &path[..from + name.len()];
        if [".jpi", ".hpi"]
            .iter()
            .any(|ext| files.get(&format!("{dir}{ext}")).is_some())
        {
            return true;
        }
    }
    false
}

/// A Jenkins plugin's coordinates from its manifest's main section: `Group-Id` (absent in
/// some old plugins), `Short-Name` (the artifact) and `Plugin-Version`.
fn jenkins_plugin(fields: &[(String, String)]) -> Option<Found> {
    let field = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    // A snapshot build says whose: `1.2-SNAPSHOT (private-0a1b2c3d-alice)`.
    let version = field("Plugin-Version")?;
    let version = version.split(" (").next().unwrap_or(&version).to_string();
    Some((field("Group-Id"), field("Short-Name")?, version))
}

/// `key=value` lines of a `.properties` file.
fn properties(data: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(data)
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with('!'))
        .filter_map(|l| l.split_once(['=', ':']))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The main section of a manifest (continuation lines start with one space).
fn manifest(data: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(data);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if let Some(rest) = line.strip_prefix(' ') {
            if let Some((_, v)) = out.last_mut() {
                v.push_str(rest);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// `commons-io-2.11.0.jar` -> ("commons-io", "2.11.0"): the version starts at the first
/// `-digit`.
fn from_file_name(path: &str) -> Option<(String, String)> {
    let file = path.rsplit(['/', ':']).next()?;
    let stem = file.rsplit_once('.')?.0;
    let i = stem
        .char_indices()
        .find(|&(i, c)| c == '-' && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit()))?
        .0;
    Some((stem[..i].to_string(), stem[i + 1..].to_string()))
}

/// `META-INF/maven/g/a/pom.xml` -> `META-INF/maven/g/a`.
fn directory(member: &str) -> &str {
    member.rsplit_once('/').map_or("", |(d, _)| d)
}

/// A package found: (group, artifact, version).
pub type Found = (Option<String>, String, String);

/// The packages of one archive and the archives inside it; `name` is where it sits, shown in
/// locations (`/app.war:WEB-INF/lib/x.jar`).
pub fn archive(
    data: &dyn ReadAt,
    name: &str,
    depth: usize,
    out: &mut Vec<(String, Found)>,
    errors: &mut Vec<Diagnostic>,
) {
    let start = out.len();
    contents(data, name, depth, out, errors);
    // A nested archive with the coordinates of the one holding it is that one's own classes
    // (a Jenkins plugin's `WEB-INF/lib/NAME.jar`): one package, at the outer archive.
    let nested = out.split_off(start);
    let own: Vec<Found> = nested
        .iter()
        .filter(|(at, _)| at == name)
        .map(|(_, found)| found.clone())
        .collect();
    out.extend(
        nested
            .into_iter()
            .filter(|(at, found)| at == name || !own.contains(found)),
    );
}

fn contents(
    data: &dyn ReadAt,
    name: &str,
    depth: usize,
    out: &mut Vec<(String, Found)>,
    errors: &mut Vec<Diagnostic>,
) {
    let members = match zip::members(data, MAX_MEMBERS) {
        Ok(m) => m,
        Err(e) => {
            errors.push(Diagnostic::unread(name, e.to_string()));
            return;
        }
    };
    let mut poms = 0;
    let mut manifest_fields = None;
    // Directories of META-INF/maven with a pom.properties, and pom.xml members to read where
    // there is none.
    let mut with_properties = std::collections::HashSet::new();
    let mut pom_xmls = Vec::new();
    for m in &members {
        let in_maven = m.name.starts_with("META-INF/maven/");
        let is_pom = in_maven && m.name.ends_with("/pom.properties");
        if in_maven && m.name.ends_with("/pom.xml") {
            pom_xmls.push(m);
            continue;
        }
        if is_pom || m.name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            let bytes = match zip::read(data, m, 1 << 20) {
                Ok(b) => b,
                Err(e) => {
                    errors.push(Diagnostic::unread(name, e.to_string()));
                    continue;
                }
            };
            if is_pom {
                let p = properties(&bytes);
                let get = |k: &str| p.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
                if let (Some(g), Some(a), Some(v)) =
                    (get("groupId"), get("artifactId"), get("version"))
                {
                    poms += 1;
                    with_properties.insert(directory(&m.name));
                    out.push((name.to_string(), (Some(g), a, v)));
                }
            } else {
                manifest_fields = Some(manifest(&bytes));
            }
        } else if is_archive(&m.name) && !m.name.ends_with('/') {
            if depth >= MAX_DEPTH {
                errors.push(Diagnostic::unread(
                    &format!("{name}:{}", m.name),
                    format!("nested deeper than {MAX_DEPTH} archives; not read"),
                ));
                continue;
            }
            match zip::read(data, m, MAX_MEMBER) {
                Ok(inner) => archive(
                    &palisade_image::Bytes(&inner),
                    &format!("{name}:{}", m.name),
                    depth + 1,
                    out,
                    errors,
                ),
                Err(e) => errors.push(Diagnostic::unread(name, e.to_string())),
            }
        }
    }
    for m in pom_xmls {
        if with_properties.contains(directory(&m.name)) {
            continue;
        }
        match zip::read(data, m, 1 << 20).and_then(|b| pom::parse(&b)) {
            Ok(pom::Pom {
                group: Some(g),
                artifact: Some(a),
                version: Some(v),
                ..
            }) => {
                poms += 1;
                out.push((name.to_string(), (Some(g), a, v)));
            }
            // Coordinates left to a parent POM or the build: the manifest names it instead.
            Ok(_) => {}
            Err(e) => errors.push(Diagnostic::unread(
                &format!("{name}:{}", m.name),
                e.to_string(),
            )),
        }
    }
    if poms > 0 {
        return;
    }
    // A Jenkins plugin is named as its Maven coordinates (its advisories use them), not by its
    // `Implementation-Title` (`git` alone).
    if let Some(plugin) = manifest_fields.as_deref().and_then(jenkins_plugin) {
        out.push((name.to_string(), plugin));
        return;
    }
    let field = |f: &Option<Vec<(String, String)>>, k: &str| {
        f.as_ref()
            .and_then(|f| f.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let named = match (
        field(&manifest_fields, "Implementation-Title"),
        field(&manifest_fields, "Implementation-Version"),
    ) {
        (Some(t), Some(v)) => Some((t, v)),
        _ => match (
            field(&manifest_fields, "Bundle-SymbolicName"),
            field(&manifest_fields, "Bundle-Version"),
        ) {
            // `org.example.bundle;singleton:=true`
            (Some(n), Some(v)) => Some((n.split(';').next().unwrap_or(&n).trim().to_string(), v)),
            _ => None,
        },
    };
    if let Some((artifact, version)) = named.or_else(|| from_file_name(name)) {
        out.push((name.to_string(), (None, artifact, version)));
    }
}

impl Cataloguer for Java {
    fn name(&self) -> &'static str {
        "java"
    }

    fn wants(&self, path: &str) -> bool {
        // Archives are read by `probe`, not captured.
        gradle::is_lock(path) || is_pom(path) || is_plugin_manifest(path)
    }

    fn catalog(
        &self,
        files: &FileTree,
        _os: Option<&OsRelease>,
        out: &mut Vec<Package>,
        errors: &mut Vec<Diagnostic>,
    ) {
        for (path, entry) in files.iter() {
            let lock = gradle::is_lock(path);
            let any_pom = is_pom(path);
            let project_pom = any_pom && !is_embedded_pom(path);
            let archive = is_archive(path);
            let plugin = is_plugin_manifest(path);
            if (!lock && !any_pom && !archive && !plugin) || entry.kind != FileKind::File {
                continue;
            }
            if (archive || plugin) && beside_plugin_archive(files, path) {
                continue;
            }
            let mut found = Vec::new();
            let mut dev_only = std::collections::HashSet::new();
            if archive {
                // What `probe` found as the archive was read. One it could not read (the read's
                // warnings say why) leaves the package list incomplete: an error, as for a
                // database not read.
                match entry.probed.as_deref().map(decode) {
                    Some(Some((f, e))) => {
                        found = f;
                        errors.extend(e);
                    }
                    Some(None) => errors.push(Diagnostic::unread(path, "damaged archive record")),
                    None => errors.push(Diagnostic::unread(
                        path,
                        format!(
                            "{} bytes, not read; its packages are not listed",
                            entry.size
                        ),
                    )),
                }
            } else if plugin {
                let dir = &path[..path.len() - "/META-INF/MANIFEST.MF".len()];
                let Some(data) = crate::database(files, path, errors) else {
                    continue;
                };
                // Another application's plugins directory: not a Jenkins plugin, nothing to say.
                let Some(p) = jenkins_plugin(&manifest(data)) else {
                    continue;
                };
                // Its classes jar (`WEB-INF/lib/NAME.jar`, read as an archive) names it already;
                // older plugins have `WEB-INF/classes` instead, and only this manifest.
                if files
                    .get(&format!("{dir}/WEB-INF/lib/{}.jar", p.1))
                    .is_none()
                {
                    found.push((format!("/{path}"), p));
                }
            } else {
                let Some(data) = crate::database(files, path, errors) else {
                    continue;
                };
                if any_pom && !project_pom {
                    match pom::parse(data) {
                        Ok(pom::Pom {
                            group: Some(g),
                            artifact: Some(a),
                            version: Some(v),
                            ..
                        }) => found.push((format!("/{path}"), (Some(g), a, v))),
                        // Coordinates left to a parent POM or the build: nothing to name.
                        Ok(_) => {}
                        Err(e) => errors.push(Diagnostic::unread(
                            path,
                            format!("not a Maven POM this version reads: {e}"),
                        )),
                    }
                } else if project_pom {
                    match pom::parse(data) {
                        Ok(p) => {
                            for d in p.dependencies {
                                let Some(v) = d.version else { continue };
                                if d.test {
                                    dev_only.insert((d.group.clone(), d.artifact.clone()));
                                }
                                found.push((format!("/{path}"), (Some(d.group), d.artifact, v)));
                            }
                        }
                        Err(e) => errors.push(Diagnostic::unread(
                            path,
                            format!("not a Maven POM this version reads: {e}"),
                        )),
                    }
                } else if lock {
                    match gradle::parse(data) {
                        Ok(deps) => {
                            for (g, a, v, dev) in deps {
                                if dev {
                                    dev_only.insert((g.clone(), a.clone()));
                                }
                                found.push((format!("/{path}"), (Some(g), a, v)));
                            }
                        }
                        Err(e) => errors.push(Diagnostic::unread(
                            path,
                            format!("not a Gradle lock file: {e}"),
                        )),
                    }
                }
            }
            for (location, (group, artifact, version)) in found {
                let dev = group
                    .as_ref()
                    .is_some_and(|g| dev_only.contains(&(g.clone(), artifact.clone())));
                let name = match &group {
                    Some(g) => format!("{g}:{artifact}"),
                    None => artifact.clone(),
                };
                let purl = purl::build("maven", group.as_deref(), &artifact, &version, &[]);
                // Locations already carry their leading slash (and nested archive names).
                let location = location.strip_prefix('/').unwrap_or(&location);
                let mut package = crate::listed_package(
                    PackageType::Maven,
                    name,
                    version,
                    purl,
                    location,
                    entry.layer,
                    dev,
                );
                package.declared = project_pom;
                out.push(package);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_image::Bytes;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn names_from_files_and_manifests() {
        assert_eq!(
            from_file_name("/usr/share/java/commons-io-2.11.0.jar"),
            Some(("commons-io".into(), "2.11.0".into()))
        );
        assert_eq!(from_file_name("/usr/share/java/commons-io.jar"), None);
        let m = manifest(b"Manifest-Version: 1.0\r\nImplementation-Title: Very Long Na\r\n me\r\n\r\nName: x\r\nImplementation-Title: no\r\n");
        assert_eq!(
            m[1],
            ("Implementation-Title".into(), "Very Long Name".into())
        );
        assert_eq!(m.len(), 2);
        assert_eq!(
            properties(b"#c\ngroupId=org.a\nversion = 1.0\n")[1].1,
            "1.0"
        );
    }

    /// A zip of stored (uncompressed) members, as `jar --no-compress` writes them.
    fn stored_zip(members: &[(&str, &[u8])]) -> Vec<u8> {
        let (mut out, mut central) = (Vec::new(), Vec::new());
        for (name, data) in members {
            let offset = out.len() as u32;
            let (n, len) = (name.len() as u16, data.len() as u32);
            out.extend(0x0403_4b50u32.to_le_bytes());
            out.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend(len.to_le_bytes());
            out.extend(len.to_le_bytes());
            out.extend(n.to_le_bytes());
            out.extend([0, 0]);
            out.extend(name.as_bytes());
            out.extend(*data);
            central.extend(0x0201_4b50u32.to_le_bytes());
            central.extend([20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend(len.to_le_bytes());
            central.extend(len.to_le_bytes());
            central.extend(n.to_le_bytes());
            central.extend([0; 12]);
            central.extend(offset.to_le_bytes());
            central.extend(name.as_bytes());
        }
        let (at, size, count) = (out.len() as u32, central.len() as u32, members.len() as u16);
        out.extend(central);
        out.extend(0x0605_4b50u32.to_le_bytes());
        out.extend([0, 0, 0, 0]);
        out.extend(count.to_le_bytes());
        out.extend(count.to_le_bytes());
        out.extend(size.to_le_bytes());
        out.extend(at.to_le_bytes());
        out.extend([0, 0]);
        out
    }

    /// Issue 11: jackson-core 2.15.2 ships `META-INF/maven/.../pom.xml` and no
    /// `pom.properties`; it was named from its manifest (`Jackson-core`, no group).
    #[test]
    fn a_pom_xml_without_pom_properties_names_the_jar() {
        let pom = b"<?xml version=\"1.0\"?>\n<project><parent><groupId>com.fasterxml.jackson</groupId><artifactId>jackson-base</artifactId><version>2.15.2</version></parent><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-core</artifactId><name>Jackson-core</name><version>2.15.2</version></project>";
        let mf = b"Manifest-Version: 1.0\r\nImplementation-Title: Jackson-core\r\nImplementation-Version: 2.15.2\r\n\r\n";
        let jar = stored_zip(&[
            ("META-INF/MANIFEST.MF", mf),
            (
                "META-INF/maven/com.fasterxml.jackson.core/jackson-core/pom.xml",
                pom,
            ),
        ]);
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        archive(
            &Bytes(&jar),
            "/app/jackson-core-2.15.2.jar",
            0,
            &mut out,
            &mut errors,
        );
        assert_eq!(errors, Vec::new());
        let group = Some("com.fasterxml.jackson.core".to_string());
        assert_eq!(
            out,
            [(
                "/app/jackson-core-2.15.2.jar".to_string(),
                (
                    group.clone(),
                    "jackson-core".to_string(),
                    "2.15.2".to_string()
                )
            )]
        );

        // Beside a pom.properties, the pom.xml adds nothing; a pom.xml whose coordinates are
        // left to the build (`${revision}`) leaves the name to the manifest; a broken one is
        // named in an error and the manifest still names the jar.
        let props =
            b"groupId=com.fasterxml.jackson.core\nartifactId=jackson-core\nversion=2.15.2\n";
        let dir = "META-INF/maven/com.fasterxml.jackson.core/jackson-core";
        let both = stored_zip(&[
            (&format!("{dir}/pom.properties"), props),
            (&format!("{dir}/pom.xml"), pom),
        ]);
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        archive(&Bytes(&both), "/b.jar", 0, &mut out, &mut errors);
        assert_eq!((out.len(), errors.len()), (1, 0), "{out:?} {errors:?}");
        for (xml, error) in [
            (&b"<project><groupId>g</groupId><artifactId>a</artifactId><version>${revision}</version></project>"[..], false),
            (&b"<project><groupId>g</groupId"[..], true),
        ] {
            let jar = stored_zip(&[("META-INF/MANIFEST.MF", mf), ("META-INF/maven/g/a/pom.xml", xml)]);
            let (mut out, mut errors) = (Vec::new(), Vec::new());
            archive(&Bytes(&jar), "/c.jar", 0, &mut out, &mut errors);
            assert_eq!(out[0].1, (None, "Jackson-core".into(), "2.15.2".into()));
            assert_eq!(errors.len(), usize::from(error), "{errors:?}");
            if error {
                assert_eq!(errors[0].file_path(), Some("/c.jar"));
                let l = errors[0].location.as_ref().map(|l| l.path.as_str());
                assert_eq!(l, Some("/c.jar:META-INF/maven/g/a/pom.xml"));
                assert!(errors[0].message.starts_with("XML error"), "{errors:?}");
            }
        }
    }

    #[test]
    fn bad_archives_are_errors() {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        archive(
            &Bytes(b"PK\x03\x04 not really"),
            "/x.jar",
            0,
            &mut out,
            &mut errors,
        );
        assert!(out.is_empty());
        assert_eq!(errors[0].file_path(), Some("/x.jar"), "{errors:?}");
    }

    /// Issue 11: jars were held whole until cataloguing; now `probe` reads each as the image
    /// streams past and keeps this record of what it found, errors included (they still make
    /// the package list incomplete).
    #[test]
    fn probe_records_packages_and_errors_compactly() {
        let props = b"groupId=org.a\nartifactId=b\nversion=1.0\n";
        let inner = stored_zip(&[("META-INF/maven/org.a/b/pom.properties", props)]);
        let war = stored_zip(&[
            ("WEB-INF/lib/b-1.0.jar", &inner),
            ("WEB-INF/lib/broken.jar", b"PK not a zip"),
        ]);
        let record = probe("srv/app.war", &Bytes(&war));
        assert!(record.len() < war.len());
        let (found, errors) = decode(&record).unwrap();
        let group = Some("org.a".to_string());
        assert_eq!(
            found,
            [(
                "/srv/app.war:WEB-INF/lib/b-1.0.jar".to_string(),
                (group, "b".into(), "1.0".into())
            )]
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].location.as_ref().map(|l| l.path.as_str()),
            Some("/srv/app.war:WEB-INF/lib/broken.jar"),
            "{errors:?}"
        );
        // A record cut anywhere is refused or shorter, never a panic; another probe's is not
        // read as one.
        for n in 0..record.len() {
            let _ = decode(&record[..n]);
        }
        assert!(decode(b"go\ngo1.22").is_none());
        assert!(decode(b"java\nP\x01\xff\xff\xff\xff").is_none());
    }

    /// Reads through `Bytes`, counting what was read.
    struct Counting<'a>(Bytes<'a>, AtomicU64);

    impl ReadAt for Counting<'_> {
        fn size(&self) -> u64 {
            self.0.size()
        }

        fn read_at(&self, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
            self.1.fetch_add(buf.len() as u64, Ordering::Relaxed);
            self.0.read_at(offset, buf)
        }
    }

    /// Issue 11: an archive was read whole into memory (a 70 MB fat jar, 70 MB more RSS). Only
    /// its directory and the members named are read now.
    #[test]
    fn an_archive_is_read_by_offset_not_whole() {
        let props = b"groupId=org.a\nartifactId=b\nversion=1.0\n";
        let padding = vec![7u8; 4 << 20];
        let jar = stored_zip(&[
            ("META-INF/maven/org.a/b/pom.properties", props),
            ("lib/native.so", &padding),
        ]);
        let file = Counting(Bytes(&jar), AtomicU64::new(0));
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        archive(&file, "/b.jar", 0, &mut out, &mut errors);
        assert_eq!((out.len(), errors.len()), (1, 0), "{out:?} {errors:?}");
        let read = file.1.load(Ordering::Relaxed);
        assert!(read < 200 << 10, "{read} bytes read");
    }
}
