//! Shared domain types. No I/O: every other crate speaks these.

pub mod cancel;
pub mod diagnostic;
pub mod input;
pub mod purl;
pub mod time;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use diagnostic::Diagnostic;
pub use input::InputError;

/// Where a package's record was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Location {
    /// Path inside the image or root filesystem, with a leading slash.
    pub path: String,
    /// Index of the layer that introduced the package (`Image::layers`); `None` for a plain
    /// root filesystem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
}

/// The kind of package database a package was found in; it decides the version scheme and the
/// package URL type.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PackageType {
    Deb,
    Rpm,
    Apk,
    /// Installed Python distributions (`*.dist-info`, `*.egg-info`).
    Python,
    /// Rust crates (`Cargo.lock`).
    Cargo,
    /// Node.js packages (`package-lock.json`, `node_modules/**/package.json`).
    Npm,
    /// Java archives (`pom.properties`, manifests) and Gradle lock files.
    Maven,
    /// Go modules (`go.mod`).
    Go,
    /// Ruby gems (`Gemfile.lock`, installed gemspecs).
    Gem,
    /// PHP packages (`composer.lock`).
    Composer,
    /// .NET packages (`packages.lock.json`, `*.deps.json`).
    Nuget,
    /// Programs and libraries without package metadata, recognised by their version strings
    /// (binary classifiers) or a JDK's `release` file; `pkg:generic` URLs, as Syft writes them.
    Binary,
}

impl PackageType {
    pub fn name(self) -> &'static str {
        match self {
            PackageType::Deb => "deb",
            PackageType::Rpm => "rpm",
            PackageType::Apk => "apk",
            PackageType::Python => "python",
            PackageType::Cargo => "cargo",
            PackageType::Npm => "npm",
            PackageType::Maven => "maven",
            PackageType::Go => "go",
            PackageType::Gem => "gem",
            PackageType::Composer => "composer",
            PackageType::Nuget => "nuget",
            PackageType::Binary => "binary",
        }
    }
}

/// A package as a cataloguer found it. Palisade's SBOM JSON is this type serialized, and reads
/// back into it unchanged (`palisade-scan::sbom_input`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Package {
    pub name: String,
    pub version: String,
    #[serde(rename = "type")]
    pub package_type: PackageType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Source package (dpkg `Source:`, rpm `SOURCERPM`, apk origin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    pub purl: String,
    /// Where the package is: the installed copy where there is one, else the lock file or
    /// manifest that lists it.
    pub location: Location,
    /// Where else the same package was found in the same installation: the lock files and
    /// manifests that list the installed copy at `location` (docs/sbom-json.md, "One package,
    /// several locations").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_locations: Vec<Location>,
    /// Files the package owns, as its database lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// A development-only dependency, where the lock file says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    /// Named by a manifest that declares it (a `pom.xml` dependency), not found installed or
    /// resolved by a lock file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub declared: bool,
    /// What a cataloguer knows beyond the fields above, by name (`go:package`: the main
    /// package of a Go program built without modules, named by its module).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub properties: std::collections::BTreeMap<String, String>,
}

/// The operating system of an image, from `/etc/os-release` or its fallbacks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OsRelease {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_codename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

impl OsRelease {
    /// The `distro` qualifier of package URLs: `debian-12`, `alpine-3.18.4`.
    pub fn distro(&self) -> String {
        match &self.version_id {
            Some(v) => format!("{}-{v}", self.id),
            None => self.id.clone(),
        }
    }
}
