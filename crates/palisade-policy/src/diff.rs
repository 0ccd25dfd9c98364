//! `palisade policy diff`: what changed between two versions of a policy, rule by rule, and
//! which way each change goes (for a pull request's reviewer): `loosened` lets more through
//! (an allow added, a deny removed, a mode relaxed), `tightened` less, `changed` neither
//! plainly (a target or a group's members changed: who is covered, not how).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::resources::{
    Action, AdmissionMode, AdmissionSpec, Baseline, GlobalSpec, Mode, RuleSpec,
};
use crate::{Policy, Resource, Spec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    Loosened,
    Tightened,
    Changed,
}

impl Effect {
    pub fn name(self) -> &'static str {
        match self {
            Effect::Loosened => "loosened",
            Effect::Tightened => "tightened",
            Effect::Changed => "changed",
        }
    }
}

/// One change: the resource, the part of it (`process`, `mode.network`, `target`), what
/// happened to it, and its effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub resource: String,
    pub part: String,
    pub change: String,
    pub effect: Effect,
}

/// The changes from `old` to `new`, by resource in name order.
pub fn diff(old: &Policy, new: &Policy) -> Vec<Change> {
    let index = |p: &Policy| -> BTreeMap<String, Resource> {
        p.resources.iter().map(|r| (r.title(), r.clone())).collect()
    };
    let (old, new) = (index(old), index(new));
    let mut out = Vec::new();
    let titles: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let empty_rule = RuleSpec::default();
    for title in titles {
        let mut push = |part: &str, change: String, effect: Effect| {
            out.push(Change {
                resource: title.clone(),
                part: part.to_string(),
                change,
                effect,
            })
        };
        match (
            old.get(title).map(|r| &r.spec),
            new.get(title).map(|r| &r.spec),
        ) {
            (Some(Spec::Group(a)), Some(Spec::Group(b))) => {
                if a != b {
                    push(
                        "spec",
                        format!("{} -> {}", json(a), json(b)),
                        Effect::Changed,
                    );
                }
            }
            (None, Some(Spec::Group(g))) => {
                push("group", format!("added {}", json(g)), Effect::Changed)
            }
            (Some(Spec::Group(g)), None) => {
                push("group", format!("removed {}", json(g)), Effect::Changed)
            }
            (Some(Spec::Admission(a)), Some(Spec::Admission(b))) => {
                if a != b {
                    push(
                        "spec",
                        format!("{} -> {}", json(a), json(b)),
                        admission(a, b),
                    );
                }
            }
            (None, Some(Spec::Admission(a))) => push(
                "admission",
                format!("added {}", json(a)),
                match a.action {
                    Action::Deny => Effect::Tightened,
                    Action::Allow => Effect::Loosened,
                },
            ),
            (Some(Spec::Admission(a)), None) => push(
                "admission",
                format!("removed {}", json(a)),
                match a.action {
                    Action::Deny => Effect::Loosened,
                    Action::Allow => Effect::Tightened,
                },
            ),
            (a @ (None | Some(Spec::Global(_))), b @ (None | Some(Spec::Global(_))))
                if a.is_some() || b.is_some() =>
            {
                let empty = GlobalSpec::default();
                fn of<'a>(x: Option<&'a Spec>, empty: &'a GlobalSpec) -> &'a GlobalSpec {
                    match x {
                        Some(Spec::Global(g)) => g,
                        _ => empty,
                    }
                }
                globals(of(a, &empty), of(b, &empty), &mut push);
            }
            // Sensors and response rules: what changed, told whole.
            // (A title holds its kind: both sides are of one kind.)
            (a, b) if told_whole(a) || told_whole(b) => {
                let text = |x: Option<&Spec>| x.map_or("none".to_string(), spec_json);
                if a != b {
                    push(
                        "spec",
                        format!("{} -> {}", text(a), text(b)),
                        Effect::Changed,
                    );
                }
            }
            (a, b) => {
                let (a, b) = (rule_of(a), rule_of(b));
                match (a, b) {
                    (None, Some(_)) => push("rule", "added".into(), Effect::Changed),
                    (Some(_), None) => push("rule", "removed".into(), Effect::Changed),
                    _ => {}
                }
                rules(
                    a.unwrap_or(&empty_rule),
                    b.unwrap_or(&empty_rule),
                    &mut push,
                );
            }
        }
    }
    out
}

fn rule_of(s: Option<&Spec>) -> Option<&RuleSpec> {
    match s {
        Some(Spec::Rule(r)) => Some(r),
        _ => None,
    }
}

fn told_whole(s: Option<&Spec>) -> bool {
    matches!(s, Some(Spec::Sensor(_) | Spec::Response(_)))
}

/// Global switches turned off loosen, turned on tighten; admission's settings by mode.
fn globals(a: &GlobalSpec, b: &GlobalSpec, push: &mut dyn FnMut(&str, String, Effect)) {
    let switches = |g: &GlobalSpec| {
        [
            ("noShellFromServer", g.no_shell_from_server),
            ("noSshd", g.no_sshd),
            ("noPackageManager", g.no_package_manager),
            ("noBinaryWrites", g.no_binary_writes),
            ("noReverseShellTools", g.no_reverse_shell_tools),
            ("noMiners", g.no_miners),
        ]
    };
    for ((name, x), (_, y)) in switches(a).into_iter().zip(switches(b)) {
        // Unset is on.
        let (x, y) = (x != Some(false), y != Some(false));
        if x != y {
            let (word, effect) = match y {
                true => ("on", Effect::Tightened),
                false => ("off", Effect::Loosened),
            };
            push(name, format!("turned {word}"), effect);
        }
    }
    if a.admission != b.admission {
        let mode = |g: &GlobalSpec| g.admission.as_ref().and_then(|x| x.mode);
        let rest = |g: &GlobalSpec| {
            g.admission.clone().map(|mut x| {
                x.mode = None;
                x
            })
        };
        let effect = match (mode(a), mode(b)) {
            _ if rest(a) != rest(b) => Effect::Changed,
            (_, Some(AdmissionMode::Monitor)) => Effect::Loosened,
            (Some(AdmissionMode::Monitor), _) => Effect::Tightened,
            _ => Effect::Changed,
        };
        push(
            "admission",
            format!("{} -> {}", json(&a.admission), json(&b.admission)),
            effect,
        );
    }
}

fn spec_json(s: &Spec) -> String {
    match s {
        Spec::Rule(x) => json(x),
        Spec::Group(x) => json(x),
        Spec::Global(x) => json(x),
        Spec::Admission(x) => json(x),
        Spec::Sensor(x) => json(x),
        Spec::Response(x) => json(x),
    }
}

/// Which way an admission rule's change goes: a deny that holds less (or an exception that
/// holds more) loosens. Criteria edits go either way: changed.
fn admission(a: &AdmissionSpec, b: &AdmissionSpec) -> Effect {
    // How strongly the rule refuses: an exception and a disabled rule refuse nothing.
    let strength = |x: &AdmissionSpec| match (x.action, x.disabled, x.mode) {
        (Action::Allow, false, _) => -1,
        (_, true, _) | (Action::Deny, false, Some(AdmissionMode::Monitor)) => 0,
        (Action::Deny, false, _) => 1,
    };
    if a.criteria != b.criteria || a.containers != b.containers {
        return Effect::Changed;
    }
    match strength(b).cmp(&strength(a)) {
        std::cmp::Ordering::Greater => Effect::Tightened,
        std::cmp::Ordering::Less => Effect::Loosened,
        std::cmp::Ordering::Equal => Effect::Changed,
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The changes between two rule specs (an absent rule is an empty one).
fn rules(a: &RuleSpec, b: &RuleSpec, push: &mut dyn FnMut(&str, String, Effect)) {
    if a.target != b.target {
        push(
            "target",
            format!("{} -> {}", json(&a.target), json(&b.target)),
            Effect::Changed,
        );
    }
    let mode = |part: &str,
                x: Option<Mode>,
                y: Option<Mode>,
                push: &mut dyn FnMut(&str, String, Effect)| {
        let rank = |m: Option<Mode>| m.unwrap_or(Mode::Discover);
        if x != y {
            let effect = match rank(y).cmp(&rank(x)) {
                std::cmp::Ordering::Greater => Effect::Tightened,
                std::cmp::Ordering::Less => Effect::Loosened,
                std::cmp::Ordering::Equal => Effect::Changed,
            };
            let name = |m: Option<Mode>| m.map_or("unset".to_string(), |m| format!("{m:?}"));
            push(part, format!("{} -> {}", name(x), name(y)), effect);
        }
    };
    mode("mode.process", a.mode.process, b.mode.process, push);
    mode("mode.network", a.mode.network, b.mode.network, push);
    if a.baseline != b.baseline {
        let drift = |x: Option<Baseline>| x == Some(Baseline::ZeroDrift);
        let effect = match (drift(a.baseline), drift(b.baseline)) {
            (false, true) => Effect::Tightened,
            (true, false) => Effect::Loosened,
            _ => Effect::Changed,
        };
        push(
            "baseline",
            format!("{} -> {}", json(&a.baseline), json(&b.baseline)),
            effect,
        );
    }
    statements("process", &values(&a.process), &values(&b.process), push);
    statements("file", &values(&a.file), &values(&b.file), push);
    statements("network", &values(&a.network), &values(&b.network), push);
    // A sensor's use: keyed by the sensor, `alert` looser than `deny`.
    statements("dlp", &values(&a.dlp), &values(&b.dlp), push);
    statements("waf", &values(&a.waf), &values(&b.waf), push);
}

fn values<T: Serialize>(list: &[T]) -> Vec<Value> {
    list.iter()
        .filter_map(|x| serde_json::to_value(x).ok())
        .collect()
}

/// Statements matched by what they match (all but their action): added, removed, or their
/// action flipped.
fn statements(area: &str, a: &[Value], b: &[Value], push: &mut dyn FnMut(&str, String, Effect)) {
    // The action as written (`allow`, `deny`, `alert`); only `deny` refuses.
    let split = |v: &Value| -> (String, String) {
        let mut m = v.clone();
        let action = match m.as_object_mut().and_then(|o| o.remove("action")) {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        (m.to_string(), action)
    };
    // A sensor used at all watches more (an `alert` as well as a `deny`); a statement
    // allows or refuses by its action.
    let sensor = area == "dlp" || area == "waf";
    let effect = |action: &str| match (sensor, action) {
        (true, _) | (false, "deny") => Effect::Tightened,
        _ => Effect::Loosened,
    };
    let undone = |action: &str| match (sensor, action) {
        (true, _) | (false, "deny") => Effect::Loosened,
        _ => Effect::Tightened,
    };
    // Between two actions: toward `deny` tightens.
    let flipped = |action: &str| match action {
        "deny" => Effect::Tightened,
        _ => Effect::Loosened,
    };
    let old: BTreeMap<String, String> = a.iter().map(split).collect();
    let new: BTreeMap<String, String> = b.iter().map(split).collect();
    for (k, act) in &new {
        match old.get(k) {
            None => push(area, format!("added {k} ({act})"), effect(act)),
            Some(was) if was != act => push(area, format!("{k}: {was} -> {act}"), flipped(act)),
            Some(_) => {}
        }
    }
    for (k, act) in &old {
        if !new.contains_key(k) {
            push(area, format!("removed {k} ({act})"), undone(act));
        }
    }
}
