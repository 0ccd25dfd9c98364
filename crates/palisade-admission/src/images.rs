//! Image facts from the scanner's local store (`palisade scan image` and `scan registry` save
//! there): a pod's image reference is found by digest, else by the name it was scanned under
//! however either is spelt (`nginx` is `docker.io/library/nginx:latest`). What the store
//! says is kept for a few seconds, so a burst of reviews reads it once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use palisade_policy::admit::{image_parts, FindingFact, ImageFacts};
use palisade_store::{Storage, Store, StoreError};

use crate::webhook::Images;

/// How long what the store said is believed.
const FRESH: Duration = Duration::from_secs(5);

/// A finding's CVSS base score (its id, its aliases), from the vulnerability database.
pub type Scores = Box<dyn Fn(&str, &[String]) -> Option<f64> + Send + Sync>;

pub struct StoreImages {
    path: PathBuf,
    state: Mutex<State>,
    scores: Option<Scores>,
}

struct State {
    store: Option<Store>,
    read: Option<Instant>,
    /// (registry/repository, tag) -> digest, of the names pointing somewhere now.
    names: HashMap<(String, String), String>,
    /// digest -> facts (`None`: no scan stored).
    facts: HashMap<String, Option<ImageFacts>>,
}

impl StoreImages {
    /// The store at `path`, opened now so that a wrong path fails at start.
    pub fn open(path: PathBuf) -> Result<StoreImages, StoreError> {
        let store = Store::open(&path)?;
        Ok(StoreImages {
            path,
            state: Mutex::new(State {
                store: Some(store),
                read: None,
                names: HashMap::new(),
                facts: HashMap::new(),
            }),
            scores: None,
        })
    }

    /// Findings' CVSS scores from `scores` (the store keeps none), for `cvssScore` criteria.
    pub fn with_scores(self, scores: Scores) -> StoreImages {
        StoreImages {
            scores: Some(scores),
            ..self
        }
    }

    fn lookup(&self, image: &str) -> Result<Option<ImageFacts>, StoreError> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.store.is_none() {
            st.store = Some(Store::open(&self.path)?);
        }
        if st.read.is_none_or(|t| t.elapsed() > FRESH) {
            let Some(store) = st.store.as_ref() else {
                return Ok(None);
            };
            let names = store
                .current()?
                .into_iter()
                .map(|t| {
                    let (reg, repo, tag, _) = image_parts(&t.name);
                    ((format!("{reg}/{repo}"), tag.unwrap_or_default()), t.digest)
                })
                .collect();
            st.names = names;
            st.facts.clear();
            st.read = Some(Instant::now());
        }
        let (reg, repo, tag, digest) = image_parts(image);
        let digest = match digest {
            Some(d) => d,
            None => match st
                .names
                .get(&(format!("{reg}/{repo}"), tag.unwrap_or_default()))
            {
                Some(d) => d.clone(),
                None => return Ok(None),
            },
        };
        if let Some(f) = st.facts.get(&digest) {
            return Ok(f.clone());
        }
        let Some(store) = st.store.as_ref() else {
            return Ok(None);
        };
        let facts = match store.latest(&digest)? {
            None => None,
            Some(scan) => {
                let sbom = sbom(store.sbom(&digest)?.as_deref());
                Some(ImageFacts {
                    findings: scan
                        .findings
                        .iter()
                        .map(|f| FindingFact {
                            id: f.id.clone(),
                            severity: f.severity.to_ascii_lowercase(),
                            fixable: f.fixed.is_some(),
                            published_days_ago: None,
                            cvss: self.scores.as_ref().and_then(|s| s(&f.id, &f.aliases)),
                        })
                        .collect(),
                    packages: packages(&sbom),
                    // What its config runs it as (an SBOM from before Palisade kept it: unknown,
                    // judged as root).
                    user: sbom["source"]["user"].as_str().map(String::from),
                    ..ImageFacts::default()
                })
            }
        };
        st.facts.insert(digest, facts.clone());
        Ok(facts)
    }
}

impl StoreImages {
    /// Forgets what the store said, so the next lookup reads it again (a scan just stored).
    pub fn forget(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.read = None;
    }
}

impl Images for StoreImages {
    fn facts(&self, image: &str, _: crate::webhook::Lookup) -> Option<ImageFacts> {
        match self.lookup(image) {
            Ok(f) => f,
            Err(e) => {
                // The store may be mid-migration or replaced: reopen next time; the image
                // counts as unscanned, which the policy decides on.
                crate::say(&format!("reading the store for {image}: {e}"));
                let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
                st.store = None;
                st.read = None;
                None
            }
        }
    }
}

/// A stored SBOM (Palisade JSON), read; `Null` when there is none or it does not read.
fn sbom(bytes: Option<&[u8]>) -> serde_json::Value {
    bytes
        .and_then(|s| serde_json::from_slice(s).ok())
        .unwrap_or_default()
}

/// `name@version` of each package of an SBOM.
fn packages(doc: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = doc["packages"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    Some(format!(
                        "{}@{}",
                        p["name"].as_str()?,
                        p["version"].as_str()?
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out.dedup();
    out
}
