//! Severity: the levels users filter on, the vendor scales mapped onto them, and CVSS base
//! scores computed from their vectors.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    Unknown,
    Negligible,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub const ALL: [Level; 6] = [
        Level::Unknown,
        Level::Negligible,
        Level::Low,
        Level::Medium,
        Level::High,
        Level::Critical,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Level::Unknown => "UNKNOWN",
            Level::Negligible => "NEGLIGIBLE",
            Level::Low => "LOW",
            Level::Medium => "MEDIUM",
            Level::High => "HIGH",
            Level::Critical => "CRITICAL",
        }
    }

    /// The level of a CVSS base score.
    pub fn from_score(score: f64) -> Level {
        match score {
            s if s >= 9.0 => Level::Critical,
            s if s >= 7.0 => Level::High,
            s if s >= 4.0 => Level::Medium,
            s if s > 0.0 => Level::Low,
            _ => Level::Negligible,
        }
    }

    /// A vendor's word: Debian urgency (`unimportant`, `low`, `medium`, `high`), GHSA
    /// (`LOW`, `MODERATE`, `HIGH`, `CRITICAL`), npm's legacy scale.
    pub fn from_vendor(word: &str) -> Level {
        match word.trim().to_ascii_lowercase().as_str() {
            "unimportant" | "negligible" | "info" | "informational" => Level::Negligible,
            "low" => Level::Low,
            "medium" | "moderate" => Level::Medium,
            "high" | "important" => Level::High,
            "critical" => Level::Critical,
            _ => Level::Unknown,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Level, String> {
        Level::ALL
            .into_iter()
            .find(|l| l.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown severity {s:?} (expected UNKNOWN, NEGLIGIBLE, LOW, MEDIUM, HIGH or CRITICAL)")
            })
    }
}

/// The base score of a CVSS v3.0, v3.1 or v4.0 vector, by the RustSec `cvss` crate (FIRST's
/// specifications); `None` for other versions or a vector it cannot read.
pub fn cvss_base(vector: &str) -> Option<f64> {
    use std::str::FromStr;
    // The crate scores a vector missing base metrics as if they were absent; such a vector
    // has no base score.
    let has = |metrics: &[&str]| {
        metrics.iter().all(|m| {
            vector
                .split('/')
                .any(|part| part.split_once(':').is_some_and(|(k, _)| k == *m))
        })
    };
    if vector.starts_with("CVSS:4") {
        if !has(&[
            "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
        ]) {
            return None;
        }
        cvss::v4::Vector::from_str(vector)
            .ok()
            .map(|v| v.score().value())
    } else if vector.starts_with("CVSS:3") {
        if !has(&["AV", "AC", "PR", "UI", "S", "C", "I", "A"]) {
            return None;
        }
        cvss::v3::Base::from_str(vector)
            .ok()
            .map(|v| v.score().value())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_scores_as_published() {
        // Scores as NVD publishes them for these vectors.
        for (v, s) in [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
            ("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:N", 0.0),
        ] {
            assert_eq!(cvss_base(v), Some(s), "{v}");
        }
        // CVSS v4.0, as FIRST's calculator scores them.
        for (v, s) in [
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                10.0,
            ),
        ] {
            assert_eq!(cvss_base(v), Some(s), "{v}");
        }
        assert_eq!(cvss_base("CVSS:3.1/AV:N/AC:L"), None);
        assert_eq!(cvss_base("AV:N/AC:L/Au:N/C:P/I:P/A:P"), None);
    }

    #[test]
    fn levels() {
        assert_eq!(Level::from_score(9.8), Level::Critical);
        assert_eq!(Level::from_score(6.1), Level::Medium);
        assert_eq!(Level::from_vendor("MODERATE"), Level::Medium);
        assert_eq!(Level::from_vendor("unimportant"), Level::Negligible);
        assert_eq!("high".parse::<Level>(), Ok(Level::High));
    }
}
