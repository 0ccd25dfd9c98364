//! What a scan could not do, typed: a file not read, a limit reached, a result to treat with
//! care. Libraries say what happened and what would get past it ([`Remedy`]); the caller
//! names the remedy its own way (the CLI a flag, a server its configuration key).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How bad it is. An error means packages are missing from the result (a package database
/// that could not be read); a warning, that the result needs care.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// What said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Reading the image, root filesystem or file (a file unreadable or over a limit).
    Read,
    /// A package cataloguer (a package database or lock file that does not parse).
    Catalog,
    /// An SBOM given as the target (components it names in a way Palisade cannot match).
    Sbom,
    /// Matching against the vulnerability database (ecosystems it does not cover).
    Match,
    /// The vulnerability database itself (old data, a release past its end of life).
    Database,
    /// Filtering the findings (ignore rules, VEX documents).
    Filter,
}

/// A limit the readers enforce (`palisade_image::Limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Limit {
    /// Bytes of one layer, decompressed (or downloaded).
    LayerBytes,
    /// Bytes of all of an image's layers, decompressed (or downloaded).
    ImageBytes,
    /// Bytes of one file in a layer.
    FileBytes,
    /// Bytes of one file read for cataloguing.
    ReadBytes,
    /// Bytes of every file kept for cataloguing, all layers' copies.
    CapturedBytes,
    /// Entries of one layer, or files of a root filesystem.
    Entries,
}

/// What would get past a problem.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Remedy {
    /// Raise this limit.
    RaiseLimit { limit: Limit },
    /// Give the registry credentials.
    Credentials,
    /// Give the registry more time to answer.
    RegistryTimeout,
    /// Choose one of the platforms the image is published for.
    ChoosePlatform { available: Vec<String> },
    /// Read without checking digests (only when the content is trusted).
    SkipVerify,
    /// Read the other file systems mounted under the root too.
    AllMounts,
}

/// In plain words, for where no caller names it its own way (an SBOM document, a log).
impl std::fmt::Display for Remedy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Remedy::RaiseLimit { limit } => write!(f, "raise the {} limit", limit.name()),
            Remedy::Credentials => f.write_str("give the registry credentials"),
            Remedy::RegistryTimeout => f.write_str("give the registry more time"),
            Remedy::ChoosePlatform { available } => {
                write!(f, "choose a platform: {}", available.join(", "))
            }
            Remedy::SkipVerify => f.write_str("read it without verifying digests"),
            Remedy::AllMounts => f.write_str("read the other mounts too"),
        }
    }
}

impl Limit {
    /// What it limits, in words.
    pub fn name(self) -> &'static str {
        match self {
            Limit::LayerBytes => "layer size",
            Limit::ImageBytes => "image size",
            Limit::FileBytes => "file size",
            Limit::ReadBytes => "read size",
            Limit::CapturedBytes => "captured bytes",
            Limit::Entries => "entry count",
        }
    }
}

/// A file a diagnostic is about: its path inside the target (leading slash; an archive's
/// member as `/app.war:WEB-INF/lib/x.jar`) and the layer it was read from, if any.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct FileRef {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

/// One problem that did not stop the scan.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Diagnostic {
    pub severity: Severity,
    pub source: Source,
    /// The file it is about, if one: the file was not read, or not wholly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<FileRef>,
    /// What happened, without the file's name (that is `location`).
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<Remedy>,
}

impl Diagnostic {
    /// A warning about no file in particular.
    pub fn warning(source: Source, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            source,
            location: None,
            message: message.into(),
            remedy: None,
        }
    }

    /// An error about no file in particular.
    pub fn error(source: Source, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            ..Diagnostic::warning(source, message)
        }
    }

    /// A file that could not be read (or not wholly), `path` inside the target, with or
    /// without its leading slash.
    pub fn file(
        severity: Severity,
        source: Source,
        path: &str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            source,
            location: Some(FileRef {
                path: format!("/{}", path.trim_start_matches('/')),
                layer: None,
            }),
            message: message.into(),
            remedy: None,
        }
    }

    /// A file of the target the reader did not read, or not wholly: a warning (a
    /// cataloguer says whether packages are missing).
    pub fn not_read(path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::file(Severity::Warning, Source::Read, path, message)
    }

    /// A package database or lock file a cataloguer could not read: an error, since the
    /// packages it lists are missing.
    pub fn unread(path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::file(Severity::Error, Source::Catalog, path, message)
    }

    pub fn in_layer(mut self, layer: impl Into<String>) -> Diagnostic {
        if let Some(l) = &mut self.location {
            l.layer = Some(layer.into());
        }
        self
    }

    pub fn with_remedy(mut self, remedy: Remedy) -> Diagnostic {
        self.remedy = Some(remedy);
        self
    }

    /// The file a report locates it at: the outermost archive for an archive's member
    /// (`/app.war` for `/app.war:WEB-INF/lib/x.jar`).
    pub fn file_path(&self) -> Option<&str> {
        let path = &self.location.as_ref()?.path;
        Some(path.split(':').next().unwrap_or(path))
    }

    /// A file not read (or not wholly): every error, and the warnings that name a file.
    pub fn is_file_not_read(&self) -> bool {
        self.severity == Severity::Error || self.location.is_some()
    }

    /// As shown inside `target` (`TARGET:/sub/package-lock.json: reason (layer L)`; a host's
    /// root `/` names files by their own paths), with the remedy as `hint` names it.
    pub fn render(&self, target: &str, hint: &dyn Fn(&Remedy) -> String) -> String {
        match &self.location {
            Some(_) if target == "/" => self.said(hint),
            Some(_) => format!("{target}:{}", self.said(hint)),
            None if self.source == Source::Catalog => format!("{target}: {}", self.said(hint)),
            None => self.said(hint),
        }
    }

    /// As `Display` says it, with the remedy as `hint` names it: `PATH: message (layer L)
    /// (hint)`.
    pub fn said(&self, hint: &dyn Fn(&Remedy) -> String) -> String {
        match &self.remedy {
            Some(r) => format!("{self} ({})", hint(r)),
            None => self.to_string(),
        }
    }
}

/// `PATH: message (layer L)`: the file named inside its target, for logs; a report names the
/// target too (`render`).
impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(FileRef { path, layer }) => {
                write!(f, "{path}: {}", self.message)?;
                match layer {
                    Some(l) => write!(f, " (layer {l})"),
                    None => Ok(()),
                }
            }
            None => f.write_str(&self.message),
        }
    }
}

/// How many distinct files were not read (or not wholly).
pub fn files_not_read<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) -> usize {
    let unread: Vec<&Diagnostic> = diagnostics
        .into_iter()
        .filter(|d| d.is_file_not_read())
        .collect();
    let named: std::collections::BTreeSet<&str> =
        unread.iter().filter_map(|d| d.file_path()).collect();
    named.len() + unread.iter().filter(|d| d.location.is_none()).count()
}
