//! Cataloguers run on root filesystems written to a temporary directory and read the way
//! `palisade sbom DIR` reads them; each test names the defect it pins.

#![allow(clippy::unwrap_used)] // test helpers panic on setup failure by design
use std::path::PathBuf;

use palisade_catalog::Catalog;
use palisade_image::{read_image, Limits, ReadOptions, SourceRef};

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
        let opts = ReadOptions {
            limits: Limits::default(),
            platform: "linux/amd64".into(),
            wants: &palisade_catalog::wants,
            probe: None,
            verify: true,
            registry: None,
            cache: None,
        };
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
        c.errors[0].starts_with("/srv/broken/pom.xml: not a Maven POM this version reads: "),
        "{:?}",
        c.errors
    );
}
