//! What admission criteria are: which facts each looks at, which operators fit them, and the
//! values they take (numbers, Kubernetes quantities, Pod Security levels, field paths), parsed
//! once here so the loader refuses a malformed criterion and the evaluator never meets one.

use crate::resources::{Criterion, CriterionName, Op};

/// The kind of fact a criterion looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facts {
    /// Text values, compared with `values` as globs.
    Set,
    Bool,
    Number,
    /// A Kubernetes quantity (`500m`, `512Mi`), per container.
    Quantity,
    /// A Pod Security Standards level.
    Level,
    /// Any field, by path: its values are text, numbers or booleans.
    Path,
}

impl CriterionName {
    pub fn facts(self) -> Facts {
        use CriterionName::*;
        match self {
            Namespace | Labels | Annotations | User | UserGroups | ServiceAccount | Image
            | ImageRegistry | ImageRepository | ImageTag | HostPorts | VolumeTypes | HostPaths
            | AddedCapabilities | SeccompProfile | AppArmorProfile | Sysctls | EnvVarNames
            | StorageClass | CveIds | Packages | ComplianceFailures => Facts::Set,
            ImageDigest
            | Privileged
            | AllowPrivilegeEscalation
            | RunAsRoot
            | HostNetwork
            | HostPid
            | HostIpc
            | EnvVarSecrets
            | AutomountServiceAccountToken
            | ServiceAccountRiskyRole
            | ImageScanned
            | ImageSigned => Facts::Bool,
            CriticalCount | HighCount | MediumCount | CvssScore => Facts::Number,
            CpuRequest | CpuLimit | MemoryRequest | MemoryLimit => Facts::Quantity,
            PodSecurity => Facts::Level,
            JsonPath => Facts::Path,
        }
    }

    /// The operators that make sense for it.
    pub fn ops(self) -> Vec<Op> {
        let mut v = Vec::new();
        match self.facts() {
            Facts::Set => {
                v.extend(Op::SETS);
                v.extend([Op::Set, Op::Unset]);
            }
            Facts::Bool => v.push(Op::Is),
            Facts::Number => v.extend(Op::NUMBERS),
            Facts::Quantity => {
                v.extend(Op::NUMBERS);
                v.extend([Op::Set, Op::Unset]);
            }
            Facts::Level => v.push(Op::Violates),
            Facts::Path => {
                v.extend(Op::SETS);
                v.extend(Op::NUMBERS);
                v.extend([Op::Is, Op::Set, Op::Unset]);
            }
        }
        v
    }

    /// The name rules write (`imageRegistry`, `hostPID`).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    }

    /// Whether it is judged container by container (holding when it holds for any), rather
    /// than of the pod, the request or the object.
    pub fn per_container(self) -> bool {
        use CriterionName::*;
        matches!(
            self,
            Image
                | ImageRegistry
                | ImageRepository
                | ImageTag
                | ImageDigest
                | Privileged
                | AllowPrivilegeEscalation
                | RunAsRoot
                | HostPorts
                | AddedCapabilities
                | SeccompProfile
                | AppArmorProfile
                | EnvVarNames
                | EnvVarSecrets
                | CpuRequest
                | CpuLimit
                | MemoryRequest
                | MemoryLimit
                | ImageScanned
                | CriticalCount
                | HighCount
                | MediumCount
                | CvssScore
                | CveIds
                | Packages
                | ComplianceFailures
                | ImageSigned
        )
    }

    /// Whether it can hold of a PersistentVolumeClaim (which has no pod).
    pub fn of_claim(self) -> bool {
        use CriterionName::*;
        matches!(
            self,
            Namespace | Labels | Annotations | User | UserGroups | StorageClass | JsonPath
        )
    }

    /// Counts of an image's findings, which `onlyFixable` and `olderThanDays` narrow.
    pub fn counts_findings(self) -> bool {
        matches!(
            self,
            CriterionName::CriticalCount | CriterionName::HighCount | CriterionName::MediumCount
        )
    }
}

/// A Pod Security Standards level, and the version of the standard (`None`: the latest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub restricted: bool,
    pub version: Option<(u32, u32)>,
}

/// `baseline`, `restricted`, `restricted:v1.30`, `baseline:latest`.
pub fn parse_level(text: &str) -> Result<Level, String> {
    let (name, version) = text.split_once(':').unwrap_or((text, "latest"));
    let restricted = match name {
        "baseline" => false,
        "restricted" => true,
        _ => {
            return Err(format!(
                "Pod Security level {text:?}: expected baseline or restricted, optionally :vX.Y"
            ))
        }
    };
    let version = match version {
        "latest" => None,
        v => {
            // `v1.N` as Kubernetes writes it: digits, no leading zero.
            let number = |t: &str| -> Option<u32> {
                let digits = !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
                let canonical = t == "0" || !t.starts_with('0');
                t.parse().ok().filter(|_| digits && canonical)
            };
            let parsed = v
                .strip_prefix('v')
                .and_then(|v| v.split_once('.'))
                .and_then(|(a, b)| Some((number(a)?, number(b)?)))
                .filter(|(major, _)| *major == 1);
            match parsed {
                Some(p) => Some(p),
                None => {
                    return Err(format!(
                        "Pod Security version {v:?}: expected v1.MINOR (v1.30) or latest"
                    ))
                }
            }
        }
    };
    Ok(Level {
        restricted,
        version,
    })
}

/// A Kubernetes quantity as a number (`500m` is 0.5, `1Ki` 1024, `2e3` 2000).
pub fn parse_quantity(text: &str) -> Option<f64> {
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let t = text.trim();
    let (number, scale) = SUFFIXES
        .iter()
        .find_map(|(s, f)| t.strip_suffix(s).map(|n| (n, *f)))
        .unwrap_or((t, 1.0));
    // Digits, one point, an exponent: no `inf`, `NaN` or hex that f64's parser would take.
    let ok = !number.is_empty()
        && number
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && number.bytes().any(|b| b.is_ascii_digit());
    let n: f64 = number.parse().ok().filter(|_| ok)?;
    Some(n * scale).filter(|x| x.is_finite())
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
    /// `[*]`: every item of a list.
    All,
}

/// A field path: `.spec.dnsPolicy`, `$.spec.containers[*].image`,
/// `.metadata.labels['app.kubernetes.io/name']`.
pub fn parse_path(text: &str) -> Result<Vec<Step>, String> {
    let bad = |why: &str| format!("path {text:?}: {why}");
    let mut rest = text.strip_prefix('$').unwrap_or(text);
    if !rest.starts_with('.') && !rest.starts_with('[') {
        return Err(bad("starts with '.' ('.spec.hostNetwork')"));
    }
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let key = &r[..end];
            if key.is_empty() {
                return Err(bad("an empty field name"));
            }
            if key.contains([']', '\'', '*']) {
                return Err(bad("a field name with ], ' or * (quote it: ['a.b'])"));
            }
            steps.push(Step::Key(key.to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').ok_or_else(|| bad("a '[' without ']'"))?;
            let inside = &r[..end];
            let step = if inside == "*" {
                Step::All
            } else if let Ok(i) = inside.parse::<usize>() {
                Step::Index(i)
            } else if let Some(k) = inside.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')) {
                Step::Key(k.to_string())
            } else {
                return Err(bad("inside [] goes *, a number, or a 'quoted key'"));
            };
            steps.push(step);
            rest = &r[end + 1..];
        } else {
            return Err(bad("expected '.' or '[' between steps"));
        }
        if steps.len() > 32 {
            return Err(bad("more than 32 steps"));
        }
    }
    Ok(steps)
}

/// What is wrong with a criterion, if anything (the loader names where).
pub fn check(c: &Criterion) -> Result<(), String> {
    let name = c.name.name();
    let ops = c.name.ops();
    if !ops.contains(&c.op) {
        let names: Vec<&str> = ops.iter().map(|o| o.name()).collect();
        return Err(format!(
            "{name} takes the operators {}, not {}",
            names.join(", "),
            c.op.name()
        ));
    }
    let set_op = Op::SETS.contains(&c.op);
    let no_value = matches!(c.op, Op::Set | Op::Unset);
    match (set_op, no_value, c.value.is_some(), c.values.is_empty()) {
        (true, _, false, false) => {}
        (true, _, _, _) => return Err(format!("{} takes `values` (a list)", c.op.name())),
        (false, true, false, true) => {}
        (false, true, _, _) => return Err(format!("{} takes no value", c.op.name())),
        (false, false, true, true) => {}
        (false, false, _, _) => return Err(format!("{} takes `value` (one)", c.op.name())),
    }
    let value = c.value.as_deref().unwrap_or("");
    match (c.name.facts(), c.op) {
        (_, Op::Is) if !matches!(value, "true" | "false") => {
            return Err(format!("{name}: value {value:?} is not true or false"))
        }
        (Facts::Number, _) if value.parse::<f64>().map_or(true, |n| !n.is_finite()) => {
            return Err(format!("{name}: value {value:?} is not a number"))
        }
        (Facts::Quantity, op) if !no_value && parse_quantity(value).is_none() => {
            return Err(format!(
                "{name}: value {value:?} is not a quantity (500m, 2, 512Mi) for {}",
                op.name()
            ))
        }
        (Facts::Level, _) => parse_level(value).map(|_| ())?,
        // A field's order needs a number (or a quantity); equality may be of text.
        (Facts::Path, Op::Gt | Op::Gte | Op::Lt | Op::Lte) if parse_quantity(value).is_none() => {
            return Err(format!(
                "{name}: {} compares numbers, and {value:?} is not one",
                c.op.name()
            ))
        }
        _ => {}
    }
    match (c.name == CriterionName::JsonPath, &c.path) {
        (true, None) => return Err("jsonPath needs `path` (.spec.dnsPolicy)".into()),
        (true, Some(p)) => parse_path(p).map(|_| ())?,
        (false, Some(_)) => return Err(format!("`path` is only for jsonPath, not {name}")),
        (false, None) => {}
    }
    if (c.only_fixable || c.older_than_days.is_some()) && !c.name.counts_findings() {
        return Err(format!(
            "onlyFixable and olderThanDays narrow criticalCount, highCount and mediumCount, not {name}"
        ));
    }
    match (c.name == CriterionName::ImageSigned, &c.public_key) {
        (true, None) => return Err("imageSigned needs `publicKey` (a PEM public key)".into()),
        (true, Some(k)) if !k.trim_start().starts_with("-----BEGIN PUBLIC KEY-----") => {
            return Err("publicKey: not a PEM public key (-----BEGIN PUBLIC KEY-----)".into())
        }
        (false, Some(_)) => return Err(format!("`publicKey` is only for imageSigned, not {name}")),
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_as_kubernetes_writes_them() {
        assert_eq!(parse_quantity("500m"), Some(0.5));
        assert_eq!(parse_quantity("512Mi"), Some(536870912.0));
        assert_eq!(parse_quantity("2"), Some(2.0));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("1.5Gi"), Some(1610612736.0));
        for bad in ["", "Mi", "inf", "NaN", "0x10", "12 Mi", "1Zi"] {
            assert_eq!(parse_quantity(bad), None, "{bad}");
        }
    }

    #[test]
    fn paths_and_levels_parse_or_say_why() {
        assert_eq!(
            parse_path("$.spec.containers[*].image").unwrap(),
            vec![
                Step::Key("spec".into()),
                Step::Key("containers".into()),
                Step::All,
                Step::Key("image".into())
            ]
        );
        assert_eq!(
            parse_path(".metadata.labels['app.kubernetes.io/name']").unwrap()[2],
            Step::Key("app.kubernetes.io/name".into())
        );
        for bad in ["spec", ".spec..x", ".a[", ".a[x]", ".a]b"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_level("restricted:v1.30").unwrap(),
            Level {
                restricted: true,
                version: Some((1, 30))
            }
        );
        assert!(parse_level("baseline").is_ok());
        assert!(parse_level("privileged").is_err());
        assert!(parse_level("restricted:1.30").is_err());
    }
}
