//! Cataloguers run on root filesystems written to a temporary directory and read the way
//! `palisade sbom DIR` reads them; each test names the defect it pins.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design
use std::path::PathBuf;

use palisade_catalog::Catalog;
use palisade_image::{read_image, ReadOptions, SourceRef};

/// A fresh directory under the system's temporary directory, removed on drop.
pub struct Root(pub PathBuf);

impl Root {
    pub fn new(name: &str) -> Root {
        let dir =
            std::env::temp_dir().join(format!("palisade-catalog-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Root(dir)
    }

    pub fn write(&self, path: &str, data: &[u8]) -> &Root {
        let p = self.0.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
        self
    }

    /// Reads the directory as a root filesystem and runs every cataloguer over it.
    pub fn catalog(&self) -> Catalog {
        let opts = palisade_catalog::read_options();
        let image = read_image(
            &SourceRef::Rootfs {
                dir: self.0.clone(),
            },
            &opts,
        )
        .unwrap();
        palisade_catalog::catalog(&image.files)
    }
}

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn found(c: &Catalog) -> Vec<(String, String, bool, bool, String)> {
    c.packages
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.version.clone(),
                p.dev,
                p.declared,
                p.location.path.clone(),
            )
        })
        .collect()
}

const SYFT_POM: &[u8] = include_bytes!("../src/java/testdata/syft-example-java-app-maven.pom.xml");

/// Issue 11: a project's pom.xml was not read. Its declared dependencies are listed, marked
/// declared (and dev for test scope), as Syft's own fixture expects (joda-time, junit).
#[test]
fn pom_xml_dependencies_are_declared_packages() {
    let root = Root::new("pom");
    root.write("srv/app/pom.xml", SYFT_POM)
        .write("srv/broken/pom.xml", b"<project><dependencies>")
        .write("usr/lib/node_modules/x/pom.xml", SYFT_POM);
    let c = root.catalog();
    let at = "/srv/app/pom.xml".to_string();
    assert_eq!(
        found(&c),
        [
            (
                "joda:joda-time".into(),
                "2.9.2".into(),
                false,
                true,
                at.clone()
            ),
            ("junit:junit".into(), "4.12".into(), true, true, at),
        ]
    );
    assert_eq!(c.packages[0].purl, "pkg:maven/joda/joda-time@2.9.2");
    assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
    assert!(
        c.errors[0]
            .to_string()
            .starts_with("/srv/broken/pom.xml: not a Maven POM this version reads: "),
        "{:?}",
        c.errors
    );
}

/// Issue 11: a corrupt go.mod gave no packages and no message; a local replacement kept the
/// required version (which advisories were matched against); `exclude` was ignored.
#[test]
fn go_mod_exclusions_local_replacements_and_corrupt_files() {
    let root = Root::new("gomod");
    root.write(
        "src/app/go.mod",
        b"module example.com/app\n\ngo 1.22\n\nrequire (\n\tgithub.com/CycloneDX/cyclonedx-go v0.9.0\n\tgolang.org/x/net v0.17.0\n\texample.com/local v0.1.0\n)\n\nexclude golang.org/x/net v0.17.0\n\nreplace example.com/local => ../local\n",
    )
    .write(
        "src/broken/go.mod",
        b"module example.com/broken\n\x00\x13 ]]} not go.mod\nrequire golang.org/x/text v0.3.0\n",
    );
    let c = root.catalog();
    let got: Vec<(&str, &str, &str)> = c
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "example.com/local",
                "(devel)",
                "pkg:golang/example.com/local"
            ),
            (
                "github.com/CycloneDX/cyclonedx-go",
                "v0.9.0",
                "pkg:golang/github.com/CycloneDX/cyclonedx-go@v0.9.0"
            ),
        ]
    );
    assert_eq!(
        said(&c.errors),
        [
            "/src/broken/go.mod: not a go.mod this version reads: line 2: unknown directive \"\\0\\u{13}\""
        ]
    );
}

/// Issue 11: one junk line made the whole Alpine database unreadable; the stanza holding it is
/// skipped, with the line named, and every other package is listed.
#[test]
fn a_junk_line_in_the_alpine_database_skips_only_its_record() {
    let root = Root::new("apk");
    root.write("etc/os-release", b"ID=alpine\nVERSION_ID=3.19.1\n")
        .write(
            "lib/apk/db/installed",
            b"P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n\nP:busybox\nV:1.36.1-r15\n\x1b[31m junk\nR:bin/busybox\n\nP:zlib\nV:1.3.1-r0\n",
        );
    let c = root.catalog();
    let got: Vec<(&str, &str)> = c
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str()))
        .collect();
    assert_eq!(got, [("musl", "1.2.4-r2"), ("zlib", "1.3.1-r0")]);
    assert_eq!(
        c.packages[0].purl,
        "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1&upstream=musl"
    );
    assert_eq!(
        said(&c.errors),
        ["/lib/apk/db/installed: line 8: expected \"X:value\"; the package record holding it is skipped"]
    );
}

/// Issue 11: what Composer installed (`vendor/composer/installed.json`) was not read.
#[test]
fn composer_installed_json_lists_installed_packages() {
    let root = Root::new("composer");
    root.write(
        "var/www/vendor/composer/installed.json",
        include_bytes!("../src/testdata/composer_2/installed.json"),
    )
    .write(
        "srv/old/vendor/composer/installed.json",
        include_bytes!("../src/testdata/composer_1/installed.json"),
    )
    .write(
        "srv/bad/vendor/composer/installed.json",
        b"{\"packages\": 7}",
    );
    let c = root.catalog();
    let v2 = "/var/www/vendor/composer/installed.json".to_string();
    let v1 = "/srv/old/vendor/composer/installed.json".to_string();
    let mut got = found(&c);
    got.sort_by(|a, b| (&a.4, &a.0).cmp(&(&b.4, &b.0)));
    assert_eq!(
        got,
        [
            (
                "asm89/stack-cors".into(),
                "1.3.0".into(),
                false,
                false,
                v1.clone()
            ),
            ("behat/mink".into(), "v1.8.1".into(), false, false, v1),
            (
                "asm89/stack-cors".into(),
                "1.3.0".into(),
                false,
                false,
                v2.clone()
            ),
            ("behat/mink".into(), "v1.8.1".into(), true, false, v2),
        ]
    );
    assert!(c
        .packages
        .iter()
        .any(|p| p.purl == "pkg:composer/behat/mink@v1.8.1"));
    assert_eq!(
        said(&c.errors),
        ["/srv/bad/vendor/composer/installed.json: not a Composer installed.json: neither a list of packages (Composer 1) nor {\"packages\": [...]} (Composer 2)"]
    );
}

/// Issue 11: opkg's status database (OpenWrt) was not read. Syft's fixture, on an OpenWrt
/// root filesystem, with a record of a removed package that must not count.
#[test]
fn opkg_status_lists_openwrt_packages() {
    let root = Root::new("opkg");
    let mut status = include_bytes!("../src/testdata/opkg/status").to_vec();
    status.extend(b"Package: removed\nVersion: 1.0-r1\nStatus: deinstall ok config-files\nArchitecture: x86_64\n\n");
    root.write(
        "etc/os-release",
        b"NAME=\"OpenWrt\"\nVERSION=\"23.05.3\"\nID=\"openwrt\"\nVERSION_ID=\"23.05.3\"\n",
    )
    .write("usr/lib/opkg/status", &status);
    let c = root.catalog();
    assert_eq!(c.errors, Vec::new());
    let got: Vec<(&str, &str, &str, Vec<String>)> = c
        .packages
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.version.as_str(),
                p.purl.as_str(),
                p.licenses.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "busybox",
                "1.36.1-r3",
                "pkg:deb/openwrt/busybox@1.36.1-r3?arch=x86_64&distro=openwrt-23.05.3",
                vec!["GPL-2.0-only".to_string()]
            ),
            (
                "dropbear",
                "2024.85-r0",
                "pkg:deb/openwrt/dropbear@2024.85-r0?arch=x86_64&distro=openwrt-23.05.3",
                vec!["MIT".to_string()]
            ),
            (
                "kernel-modules",
                "6.6.0-r0",
                "pkg:deb/openwrt/kernel-modules@6.6.0-r0?arch=x86_64&distro=openwrt-23.05.3",
                vec!["GPL-2.0".to_string(), "BSD-3-Clause".to_string()]
            ),
        ]
    );
    assert!(c
        .packages
        .iter()
        .all(|p| p.location.path == "/usr/lib/opkg/status"));
}

/// A POM Maven embedded in an artifact, here unpacked (an exploded war), names that artifact
/// (not declared: it is present); what its project declared is not listed.
#[test]
fn an_unpacked_embedded_pom_names_its_artifact() {
    let root = Root::new("embedded-pom");
    root.write(
        "srv/app/WEB-INF/classes/META-INF/maven/org.anchore/example-java-app-maven/pom.xml",
        SYFT_POM,
    );
    let c = root.catalog();
    let at = "/srv/app/WEB-INF/classes/META-INF/maven/org.anchore/example-java-app-maven/pom.xml";
    assert_eq!(
        found(&c),
        [(
            "org.anchore:example-java-app-maven".into(),
            "0.1.0".into(),
            false,
            false,
            at.to_string()
        )]
    );
    assert_eq!(
        c.packages[0].purl,
        "pkg:maven/org.anchore/example-java-app-maven@0.1.0"
    );
}

/// Every path a package was found at, its location first.
fn paths(p: &palisade_core::Package) -> Vec<&str> {
    std::iter::once(&p.location)
        .chain(&p.other_locations)
        .map(|l| l.path.as_str())
        .collect()
}

/// Issue 11: a package found by a lock file and by its installed copy was two packages (and
/// its findings reported twice). Composer's lock and `vendor/composer/installed.json`, a
/// Gemfile.lock and the system's installed gems, NuGet's lock and an app's deps.json (ids
/// compared ignoring case, as NuGet does): one package each, at the installed copy, with the
/// lock file as a further location; dev-only when the files that mark dev agree.
#[test]
fn a_lock_file_and_its_installed_copy_are_one_package() {
    let root = Root::new("merge");
    root.write(
        "var/www/composer.lock",
        br#"{"packages":[{"name":"symfony/http-kernel","version":"v5.4.19"}],"packages-dev":[{"name":"phpunit/phpunit","version":"9.5.10"}]}"#,
    )
    .write(
        "var/www/vendor/composer/installed.json",
        br#"{"packages":[{"name":"symfony/http-kernel","version":"v5.4.19"},{"name":"phpunit/phpunit","version":"9.5.10"}],"dev-package-names":["phpunit/phpunit"]}"#,
    )
    // Another site's vendor without a lock is its own installation.
    .write(
        "srv/other/vendor/composer/installed.json",
        br#"{"packages":[{"name":"symfony/http-kernel","version":"v5.4.19"}]}"#,
    )
    .write(
        "app/Gemfile.lock",
        b"GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.3)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  rack\n",
    )
    .write("usr/local/bundle/specifications/rack-2.2.3.gemspec", b"")
    .write(
        "src/api/packages.lock.json",
        br#"{"version":1,"dependencies":{"net8.0":{"newtonsoft.json":{"type":"Direct","resolved":"13.0.1"}}}}"#,
    )
    .write(
        "src/api/bin/Release/net8.0/api.deps.json",
        br#"{"libraries":{"Newtonsoft.Json/13.0.1":{"type":"package"},"api/1.0.0":{"type":"project"}}}"#,
    );
    let c = root.catalog();
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let got: Vec<(&str, Vec<&str>, bool)> = c
        .packages
        .iter()
        .map(|p| (p.name.as_str(), paths(p), p.dev))
        .collect();
    assert_eq!(
        got,
        [
            (
                "rack",
                vec![
                    "/usr/local/bundle/specifications/rack-2.2.3.gemspec",
                    "/app/Gemfile.lock"
                ],
                false
            ),
            (
                "phpunit/phpunit",
                vec![
                    "/var/www/vendor/composer/installed.json",
                    "/var/www/composer.lock"
                ],
                true
            ),
            (
                "symfony/http-kernel",
                vec!["/srv/other/vendor/composer/installed.json"],
                false
            ),
            (
                "symfony/http-kernel",
                vec![
                    "/var/www/vendor/composer/installed.json",
                    "/var/www/composer.lock"
                ],
                false
            ),
            (
                "Newtonsoft.Json",
                vec![
                    "/src/api/bin/Release/net8.0/api.deps.json",
                    "/src/api/packages.lock.json"
                ],
                false
            ),
        ]
    );
}

/// Issue 11: every jar's bytes were captured and held until cataloguing ended (333 MB of
/// jars under a host's /usr). The read hands archives to the catalogue's probe, which keeps
/// only what it found; the packages are the same.
#[test]
fn archives_are_probed_as_read_not_captured() {
    let root = Root::new("jar-probe");
    let jar = root.0.join("opt/app/lib/b-1.0.jar");
    std::fs::create_dir_all(jar.parent().unwrap()).unwrap();
    let st = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n    z.writestr('META-INF/maven/org.a/b/pom.properties', 'groupId=org.a\\nartifactId=b\\nversion=1.0\\n')\n    z.writestr('big.bin', bytes(1 << 20))\n",
            jar.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let opts = palisade_catalog::read_options();
    let image = read_image(
        &SourceRef::Rootfs {
            dir: root.0.clone(),
        },
        &opts,
    )
    .unwrap();
    let entry = image.files.get("opt/app/lib/b-1.0.jar").unwrap();
    assert!(entry.content.is_none(), "the jar's bytes are not kept");
    assert!(entry.probed.as_ref().is_some_and(|p| p.len() < 100));
    let c = palisade_catalog::catalog(&image.files);
    assert_eq!(c.errors, Vec::new());
    assert_eq!(
        found(&c),
        [(
            "org.a:b".into(),
            "1.0".into(),
            false,
            false,
            "/opt/app/lib/b-1.0.jar".into()
        )]
    );
}

/// Issue 11: `sbom /` peaked at 660 MB, most of it the tree's 500,000 paths. A root
/// filesystem's tree lists only the files cataloguers read, probe or look for by name (an
/// installed gem is named by its gemspec's path); the packages are the same.
#[test]
fn a_root_filesystem_lists_only_files_cataloguers_use() {
    let root = Root::new("lists");
    root.write("usr/share/doc/readme.txt", b"not a package")
        .write(
            "usr/lib/ruby/gems/3.1.0/specifications/rack-2.2.3.gemspec",
            b"",
        )
        .write(
            "srv/app/package-lock.json",
            b"{\"lockfileVersion\": 3, \"packages\": {}}",
        );
    let opts = palisade_catalog::read_options();
    let image = read_image(
        &SourceRef::Rootfs {
            dir: root.0.clone(),
        },
        &opts,
    )
    .unwrap();
    assert!(image.files.get("usr/share/doc/readme.txt").is_none());
    assert!(
        image.files.get("usr/share/doc").is_some(),
        "directories stay"
    );
    assert!(image.files.get("srv/app/package-lock.json").is_some());
    let c = palisade_catalog::catalog(&image.files);
    assert_eq!(
        found(&c),
        [(
            "rack".into(),
            "2.2.3".into(),
            false,
            false,
            "/usr/lib/ruby/gems/3.1.0/specifications/rack-2.2.3.gemspec".into()
        )]
    );
}

/// A jar that could not be read (here: unreadable to this user, or read without the probe)
/// leaves the package list incomplete: an error, never silence.
#[test]
fn an_archive_not_read_is_an_error() {
    let root = Root::new("jar-unread");
    root.write("opt/app/x-1.0.jar", b"PK");
    let opts = ReadOptions {
        probe: None,
        lists: &|_| true,
        ..palisade_catalog::read_options()
    };
    let image = read_image(
        &SourceRef::Rootfs {
            dir: root.0.clone(),
        },
        &opts,
    )
    .unwrap();
    let c = palisade_catalog::catalog(&image.files);
    assert_eq!(
        said(&c.errors),
        ["/opt/app/x-1.0.jar: 2 bytes, not read; its packages are not listed"]
    );
}

/// The main section of the git plugin's own manifest (3.7.0, Maven-built by maven-hpi-plugin:
/// continuation lines included).
const GIT_PLUGIN_MF: &str = "Manifest-Version: 1.0\r\nArchiver-Version: Plexus Archiver\r\nCreated-By: Apache Maven\r\nExtension-Name: git\r\nSpecification-Title: Integrates Jenkins with GIT SCM\r\nImplementation-Title: git\r\nImplementation-Version: 3.7.0\r\nGroup-Id: org.jenkins-ci.plugins\r\nShort-Name: git\r\nLong-Name: Jenkins Git plugin\r\nPlugin-Version: 3.7.0\r\nJenkins-Version: 1.625.3\r\nPlugin-Dependencies: workflow-scm-step:1.14.2,credentials:2.1.14,git-c\r\n lient:2.7.0\r\n\r\n";

/// Writes a zip at `root/path`; each member is `name=text`, or `name@jar:` followed by
/// `;`-separated `name=text` members of a zip nested there.
fn zip(root: &Root, path: &str, members: &[&str]) {
    let file = root.0.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let script = r#"
import io, sys, zipfile
def build(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
        for m in members:
            if '@jar:' in m:
                name, inner = m.split('@jar:', 1)
                z.writestr(name, build(inner.split(';')))
            else:
                name, text = m.split('=', 1)
                z.writestr(name, text)
    return out.getvalue()
open(sys.argv[1], 'wb').write(build(sys.argv[2:]))
"#;
    let st = std::process::Command::new("python3")
        .args(["-c", script, file.to_str().unwrap()])
        .args(members)
        .status()
        .unwrap();
    assert!(st.success());
}

/// Issue 11: Jenkins plugins were named by `Implementation-Title` (`git`, no group), which
/// no advisory names; an unpacked plugin with no archive beside it was not listed at all.
/// Jenkins keeps each plugin archive and its unpacked copy; a Maven-built archive holds its
/// own classes as `WEB-INF/lib/NAME.jar` with the same coordinates: each plugin is one package.
#[test]
fn jenkins_plugins_are_named_by_their_maven_coordinates() {
    let root = Root::new("jenkins");
    let mf = format!("META-INF/MANIFEST.MF={GIT_PLUGIN_MF}");
    let props = "META-INF/maven/org.jenkins-ci.plugins/git/pom.properties=groupId=org.jenkins-ci.plugins\nartifactId=git\nversion=3.7.0\n";
    let joda = "WEB-INF/lib/joda-time-2.9.jar@jar:META-INF/maven/joda-time/joda-time/pom.properties=groupId=joda-time\nartifactId=joda-time\nversion=2.9\n";
    let classes = format!("WEB-INF/lib/git.jar@jar:{mf};{props}");
    zip(
        &root,
        "var/jenkins_home/plugins/git.jpi",
        &[&mf, props, &classes, joda],
    );
    // The same plugin unpacked beside its archive.
    root.write(
        "var/jenkins_home/plugins/git/META-INF/MANIFEST.MF",
        GIT_PLUGIN_MF.as_bytes(),
    );
    zip(
        &root,
        "var/jenkins_home/plugins/git/WEB-INF/lib/git.jar",
        &[&mf, props],
    );
    zip(
        &root,
        "var/jenkins_home/plugins/git/WEB-INF/lib/joda-time-2.9.jar",
        &[joda.split_once("@jar:").unwrap().1],
    );
    // An unpacked plugin whose archive was removed: its classes jar names it.
    let cred_mf = "META-INF/MANIFEST.MF=Manifest-Version: 1.0\nShort-Name: credentials\nPlugin-Version: 2.1.14\nGroup-Id: org.jenkins-ci.plugins\n\n";
    root.write(
        "var/jenkins_home/plugins/credentials/META-INF/MANIFEST.MF",
        cred_mf.split_once('=').unwrap().1.as_bytes(),
    );
    zip(
        &root,
        "var/jenkins_home/plugins/credentials/WEB-INF/lib/credentials.jar",
        &[cred_mf, "META-INF/maven/org.jenkins-ci.plugins/credentials/pom.properties=groupId=org.jenkins-ci.plugins\nartifactId=credentials\nversion=2.1.14\n"],
    );
    // An old plugin (WEB-INF/classes, no group), built from a snapshot: only its manifest.
    root.write(
        "var/jenkins_home/plugins/old/META-INF/MANIFEST.MF",
        b"Manifest-Version: 1.0\nShort-Name: old\nPlugin-Version: 1.0-SNAPSHOT (private-0a1b2c3d-alice)\n\n",
    )
    .write("var/jenkins_home/plugins/old/WEB-INF/classes/Old.class", b"\xca\xfe")
    // Another application's plugin directory: not Jenkins', nothing to list or complain of.
    .write(
        "opt/editor/plugins/spell/META-INF/MANIFEST.MF",
        b"Manifest-Version: 1.0\nImplementation-Title: spell\n\n",
    );
    // A Gradle-built plugin: manifests only, in the archive and in its classes jar.
    let dsl_mf = "META-INF/MANIFEST.MF=Manifest-Version: 1.0\nGroup-Id: org.jenkins-ci.plugins\nShort-Name: job-dsl\nPlugin-Version: 1.87\nImplementation-Title: job-dsl\nImplementation-Version: 1.87\n\n";
    let dsl_classes = format!("WEB-INF/lib/job-dsl.jar@jar:{dsl_mf}");
    zip(
        &root,
        "usr/share/jenkins/ref/plugins/job-dsl.jpi",
        &[dsl_mf, &dsl_classes],
    );
    let c = root.catalog();
    assert_eq!(c.errors, Vec::new());
    let mut got = found(&c);
    got.sort();
    let p = |name: &str, version: &str, at: &str| {
        (
            name.to_string(),
            version.to_string(),
            false,
            false,
            at.to_string(),
        )
    };
    assert_eq!(
        got,
        [
            p(
                "joda-time:joda-time",
                "2.9",
                "/var/jenkins_home/plugins/git.jpi:WEB-INF/lib/joda-time-2.9.jar"
            ),
            p(
                "old",
                "1.0-SNAPSHOT",
                "/var/jenkins_home/plugins/old/META-INF/MANIFEST.MF"
            ),
            p(
                "org.jenkins-ci.plugins:credentials",
                "2.1.14",
                "/var/jenkins_home/plugins/credentials/WEB-INF/lib/credentials.jar"
            ),
            p(
                "org.jenkins-ci.plugins:git",
                "3.7.0",
                "/var/jenkins_home/plugins/git.jpi"
            ),
            p(
                "org.jenkins-ci.plugins:job-dsl",
                "1.87",
                "/usr/share/jenkins/ref/plugins/job-dsl.jpi"
            ),
        ]
    );
    let purl = |suffix: &str| {
        c.packages
            .iter()
            .find(|p| p.name.ends_with(suffix))
            .unwrap()
            .purl
            .clone()
    };
    assert_eq!(purl(":git"), "pkg:maven/org.jenkins-ci.plugins/git@3.7.0");
    assert_eq!(purl("old"), "pkg:maven/old@1.0-SNAPSHOT");
}

/// Diagnostics as a log shows them, `PATH: message`.
fn said(diagnostics: &[palisade_core::Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(ToString::to_string).collect()
}
