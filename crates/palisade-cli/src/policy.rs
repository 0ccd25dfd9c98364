//! `palisade policy ...`: reading policy files from disk for `palisade-policy`, and saying
//! what it found.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use palisade_policy::yaml::Limits;
use palisade_policy::Source;
use palisade_scan::report::count;

use crate::args::PolicyCommand;

pub fn run(cmd: PolicyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PolicyCommand::Validate { paths } => validate(&paths),
        PolicyCommand::Crds => crds(),
        PolicyCommand::Fmt { paths, check } => fmt(&paths, check),
        PolicyCommand::Diff { old, new, format } => diff(&old, &new, &format),
        PolicyCommand::Test { files } => test(&files),
        PolicyCommand::Check(args) => crate::check::run(&args),
        PolicyCommand::Explain(args) => explain(&args),
        PolicyCommand::Export {
            to,
            learned,
            mode,
            paths,
            output,
        } => match (to, learned) {
            (_, Some(file)) => export_learned(&file, &mode, output.as_deref()),
            (Some(to), None) => export(&to, &paths, output.as_deref()),
            (None, None) => anyhow::bail!("give --to TARGET or --learned FILE"),
        },
        PolicyCommand::Import {
            from,
            files,
            output,
        } => import(&from, &files, output.as_deref()),
    }
}

/// Resources as a YAML stream.
fn stream(resources: &[serde_json::Value]) -> String {
    resources
        .iter()
        .map(|r| format!("---\n{}", palisade_policy::yaml::emit(r)))
        .collect()
}

/// Names each part not carried over, on standard error.
fn say_unmapped(what: &str, unmapped: &[palisade_policy::export::Unmapped]) {
    for u in unmapped {
        let part = match u.part.is_empty() {
            true => String::new(),
            false => format!(" {}", u.part),
        };
        eprintln!("palisade: {what}: {}{part}: {}", u.resource, u.reason);
    }
}

fn export(to: &str, paths: &[PathBuf], output: Option<&Path>) -> anyhow::Result<ExitCode> {
    use palisade_policy::export::{export, Target};
    let Some(target) = Target::parse(to) else {
        anyhow::bail!("--to {to:?}: expected networkpolicy, cilium, cilium-1.19 or kubearmor");
    };
    let policy = load_policy(paths)?;
    let out = export(&policy, target);
    crate::output::write(output, stream(&out.resources).as_bytes())?;
    say_unmapped("not exported", &out.unmapped);
    eprintln!(
        "palisade: exported {}; {} not exported as written",
        count(out.resources.len(), "resource", "resources"),
        count(out.unmapped.len(), "part", "parts")
    );
    Ok(ExitCode::SUCCESS)
}

fn export_learned(file: &Path, mode: &str, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    use palisade_policy::resources::Mode;
    let mode = match mode {
        "Discover" => Mode::Discover,
        "Monitor" => Mode::Monitor,
        "Protect" => Mode::Protect,
        m => anyhow::bail!("--mode {m:?}: expected Discover, Monitor or Protect"),
    };
    let text =
        read(file, &Limits::default()).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let learned: palisade_policy::learned::Learned = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}:{}:{}: {e}", file.display(), e.line(), e.column()))?;
    let (resources, dropped) = palisade_policy::learned::to_resources(&learned, mode);
    crate::output::write(output, stream(&resources).as_bytes())?;
    for (resource, reason) in &dropped {
        eprintln!("palisade: not written: {resource}: {reason}");
    }
    Ok(ExitCode::SUCCESS)
}

fn import(from: &str, files: &[PathBuf], output: Option<&Path>) -> anyhow::Result<ExitCode> {
    if from != "neuvector" {
        anyhow::bail!("--from {from:?}: expected neuvector");
    }
    let read = read_checked(files, "nothing written", |sources, limits| {
        palisade_policy::neuvector::import(sources, limits)
    })?;
    let Ok((imported, _)) = read else {
        return Ok(ExitCode::from(2));
    };
    crate::output::write(output, stream(&imported.resources).as_bytes())?;
    say_unmapped("not imported", &imported.unmapped);
    eprintln!(
        "palisade: imported {}; {} not imported as written",
        count(imported.resources.len(), "resource", "resources"),
        count(imported.unmapped.len(), "part", "parts")
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs each test file's cases against the policy it names.
fn test(files: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let limits = Limits::default();
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        // Each file's results are written as it ends: a later file's error keeps them.
        let mut out = String::new();
        let shown = file.display().to_string();
        let text = read(file, &limits).map_err(|why| anyhow::anyhow!("{shown}: {why}"))?;
        let (mut spec, lines) = palisade_policy::testing::read(&shown, &text)?;
        let base = file.parent().unwrap_or(Path::new("."));
        let paths: Vec<PathBuf> = spec.policy.iter().map(|p| base.join(p)).collect();
        let policy = load_policy(&paths).with_context(|| format!("{shown}: its policy"))?;
        let compiled = palisade_policy::decide::Compiled::new(&policy);
        let admission = palisade_policy::admit::Admission::new(&policy);
        for case in &mut spec.cases {
            if let Some(m) = &case.manifest_file {
                let path = base.join(m);
                let shown = path.display().to_string();
                let text = read(&path, &limits).map_err(|why| anyhow::anyhow!("{shown}: {why}"))?;
                case.manifest = Some(palisade_policy::testing::manifest(&shown, &text)?);
            }
        }
        for (i, case) in spec.cases.iter().enumerate() {
            let o = palisade_policy::testing::run(&compiled, &admission, case);
            let got = format!(
                "{}{}",
                o.verdict.name(),
                o.rule
                    .as_ref()
                    .map_or(format!(" ({})", o.reason), |r| format!(" by {r}"))
            );
            if o.passed {
                passed += 1;
                out.push_str(&format!("PASS {}: {got}\n", case.name));
            } else {
                failed += 1;
                let line = lines.get(i).map_or(String::new(), |l| format!(":{l}"));
                let want = format!(
                    "{}{}",
                    case.expect.verdict.verdict().name(),
                    case.expect
                        .rule
                        .as_ref()
                        .map_or(String::new(), |r| format!(" by {r}"))
                );
                out.push_str(&format!(
                    "FAIL {} ({shown}{line}): got {got}, expected {want}\n",
                    case.name
                ));
            }
        }
        crate::output::write(None, out.as_bytes())?;
    }
    let summary = format!(
        "{}: {passed} passed, {failed} failed\n",
        count(passed + failed, "case", "cases")
    );
    crate::output::write(None, summary.as_bytes())?;
    Ok(match failed {
        0 => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

/// Reads and checks the policy at `paths`; its problems are the error.
pub fn load_policy(paths: &[PathBuf]) -> anyhow::Result<palisade_policy::Policy> {
    let limits = Limits::default();
    let (texts, unread) = read_all(&policy_files(paths)?, &limits);
    if let Some(first) = unread.into_iter().next() {
        anyhow::bail!(first);
    }
    let sources: Vec<Source<'_>> = texts
        .iter()
        .map(|(name, text)| Source { name, text })
        .collect();
    palisade_policy::load(&sources, &limits).map_err(|errors| {
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("the policy does not read:\n  {}", said.join("\n  "))
    })
}

fn explain(args: &crate::args::PolicyExplainArgs) -> anyhow::Result<ExitCode> {
    use palisade_policy::decide::{Compiled, Workload};
    use palisade_policy::resources::{Direction, Protocol};
    let policy = load_policy(&args.paths)?;
    let compiled = Compiled::new(&policy);
    let mut labels = std::collections::BTreeMap::new();
    for l in &args.labels {
        let (k, v) = l
            .split_once('=')
            .with_context(|| format!("--label {l:?}: expected KEY=VALUE"))?;
        labels.insert(k.to_string(), v.to_string());
    }
    let workload = Workload {
        namespace: args.namespace.clone(),
        labels,
        image: args.image.clone(),
        container: args.container.clone(),
        node: args.node.clone(),
        service: args.service.clone(),
    };
    use palisade_policy::testing::{
        ConnectSpec, EventSpec, ExecSpec, FileSpec, GrpcSpec, HttpSpec, KafkaSpec, RequestSpec,
        SensorCase,
    };
    let exec = args.exec.as_ref().map(|path| ExecSpec {
        path: path.clone(),
        name: None,
        parent: args.parent.clone(),
        from_image: !args.drifted,
    });
    let file = args.file.as_ref().map(|path| FileSpec {
        path: path.clone(),
        write: args.write,
        process: args.process.clone().unwrap_or_default(),
    });
    let connect = match &args.connect {
        None => None,
        Some(direction) => Some(ConnectSpec {
            direction: match direction.as_str() {
                "egress" => Direction::Egress,
                "ingress" => Direction::Ingress,
                d => anyhow::bail!("--connect {d:?}: expected egress or ingress"),
            },
            ip: args.ip.map(|ip| ip.to_string()),
            name: args.name.clone(),
            workload: None,
            port: args.port.unwrap_or_default(),
            protocol: match args.protocol.as_str() {
                "tcp" => Protocol::Tcp,
                "udp" => Protocol::Udp,
                "icmp" => Protocol::Icmp,
                p => anyhow::bail!("--protocol {p:?}: expected tcp, udp or icmp"),
            },
        }),
    };
    let split = |flag: &str, value: &str, sep: char, what: &str| {
        value
            .split_once(sep)
            .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
            .with_context(|| format!("--{flag} {value:?}: expected {what}"))
    };
    let request = match &connect {
        Some(c)
            if args.http.is_some()
                || args.grpc.is_some()
                || args.dns.is_some()
                || args.sni.is_some()
                || args.kafka.is_some()
                || args.application.is_some() =>
        {
            let mut r = RequestSpec {
                connection: c.clone(),
                http: None,
                grpc: None,
                dns: args.dns.clone(),
                sni: args.sni.clone(),
                kafka: None,
                other: args.application.clone(),
            };
            if let Some(h) = &args.http {
                let (method, path) = split("http", h, ' ', "METHOD PATH (GET /v1/items)")?;
                r.http = Some(HttpSpec {
                    method,
                    path,
                    host: args.host.clone(),
                });
            }
            if let Some(g) = &args.grpc {
                let (service, method) = split("grpc", g, '/', "SERVICE/METHOD")?;
                r.grpc = Some(GrpcSpec { service, method });
            }
            if let Some(k) = &args.kafka {
                let (api, topic) = split("kafka", k, ':', "API:TOPIC (produce:orders)")?;
                r.kafka = Some(KafkaSpec { topic, api });
            }
            if let Err(why) = r.request() {
                anyhow::bail!("{why}");
            }
            Some(r)
        }
        _ => None,
    };
    let sensor = SensorCase {
        dlp: args.dlp.clone(),
        waf: args.waf.clone(),
    };
    let spec = match (&exec, &file, &request, &connect) {
        (Some(x), _, _, _) => Some(EventSpec::Exec(x)),
        (_, Some(f), _, _) => Some(EventSpec::File(f)),
        (_, _, Some(r), _) => Some(EventSpec::Request(r)),
        (_, _, _, Some(c)) => Some(EventSpec::Connect(c)),
        _ if sensor.dlp.is_some() || sensor.waf.is_some() => Some(EventSpec::Sensor(&sensor)),
        _ => None,
    };
    let Some(event) = spec.and_then(|s| palisade_policy::testing::event(s, None)) else {
        anyhow::bail!(
            "no event: give --exec PATH, --file PATH, --connect DIRECTION (with --http, --grpc, --dns, --sni, --kafka or --application for a request), --dlp SENSOR or --waf SENSOR"
        );
    };
    let e = compiled.profile(&workload).explain(&event);
    let mode =
        |m: Option<palisade_policy::resources::Mode>| m.map_or("-".into(), |m| format!("{m:?}"));
    let mut out = String::new();
    if e.rules.is_empty() {
        out.push_str("rules: none applies to this workload\n");
    }
    for (title, process, network) in &e.rules {
        out.push_str(&format!(
            "rule: {title} (process {}, network {})\n",
            mode(*process),
            mode(*network)
        ));
    }
    out.push_str(&format!(
        "mode: process {:?}, network {:?}{}\n",
        e.process_mode,
        e.network_mode,
        if e.zero_drift { ", zero drift" } else { "" }
    ));
    for (statement, action) in &e.matched {
        out.push_str(&format!("matched: {statement} ({})\n", action.name()));
    }
    let d = &e.decision;
    out.push_str(&format!(
        "verdict: {}{} ({})\n",
        d.verdict.name(),
        d.rule
            .as_ref()
            .map_or(String::new(), |r| format!(" by {r}")),
        d.reason
    ));
    crate::output::write(None, out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Rewrites each file in the canonical form (`--check`: only says which would change). A file
/// that does not read is named and left as it is.
fn fmt(paths: &[PathBuf], check: bool) -> anyhow::Result<ExitCode> {
    let limits = Limits::default();
    let mut changed = Vec::new();
    let mut failed = false;
    for f in policy_files(paths)? {
        let shown = f.display().to_string();
        let text = match read(&f, &limits) {
            Ok(t) => t,
            Err(why) => {
                eprintln!("palisade: error: {shown}: {why}");
                failed = true;
                continue;
            }
        };
        let canonical = match palisade_policy::format::canonical(&shown, &text) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("palisade: error: {e}");
                failed = true;
                continue;
            }
        };
        if canonical == text {
            continue;
        }
        changed.push(shown.clone());
        if !check {
            crate::output::write(Some(&f), canonical.as_bytes())?;
        }
    }
    let verb = if check { "would change" } else { "changed" };
    let mut out = String::new();
    for c in &changed {
        out.push_str(&format!("{verb}: {c}\n"));
    }
    crate::output::write(None, out.as_bytes())?;
    Ok(if failed {
        ExitCode::from(2)
    } else if check && !changed.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The changes from one version of a policy to another.
fn diff(old: &Path, new: &Path, format: &str) -> anyhow::Result<ExitCode> {
    if !matches!(format, "table" | "json") {
        anyhow::bail!("-f {format:?}: expected table or json");
    }
    let before = load_policy(&[old.to_path_buf()]).with_context(|| format!("{}", old.display()))?;
    let after = load_policy(&[new.to_path_buf()]).with_context(|| format!("{}", new.display()))?;
    let changes = palisade_policy::diff::diff(&before, &after);
    let text = if format == "json" {
        format!("{}\n", serde_json::to_string_pretty(&changes)?)
    } else {
        let mut t: String = changes
            .iter()
            .map(|c| {
                format!(
                    "{}: {}: {} [{}]\n",
                    c.resource,
                    c.part,
                    c.change,
                    c.effect.name()
                )
            })
            .collect();
        let n = |e| changes.iter().filter(|c| c.effect == e).count();
        use palisade_policy::diff::Effect;
        t.push_str(&format!(
            "{}: {} loosened, {} tightened, {} changed\n",
            count(changes.len(), "change", "changes"),
            n(Effect::Loosened),
            n(Effect::Tightened),
            n(Effect::Changed)
        ));
        t
    };
    crate::output::write(None, text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Every CRD, one YAML document each.
fn crds() -> anyhow::Result<ExitCode> {
    crate::output::write(None, stream(&palisade_policy::crd::manifests()).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn validate(paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let read = read_checked(paths, "nothing applied", palisade_policy::load)?;
    let Ok((policy, files)) = read else {
        return Ok(ExitCode::from(2));
    };
    let kinds: Vec<String> = palisade_policy::resources::Kind::ALL
        .iter()
        .filter_map(|k| {
            let n = policy.resources.iter().filter(|r| r.kind == *k).count();
            (n > 0).then(|| format!("{n} {}", k.name()))
        })
        .collect();
    let text = format!(
        "valid: {} ({}) in {}\n",
        count(policy.resources.len(), "resource", "resources"),
        kinds.join(", "),
        count(files, "file", "files"),
    );
    crate::output::write(None, text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Reads the files at `paths` (directories walked) and hands them to `read`. Problems (a file
/// that does not read, and what `read` refuses) are each said with its position, then `N
/// problems in M files: OUTCOME`; the caller exits 2 (`Err`). Else the value and how many files.
fn read_checked<T>(
    paths: &[PathBuf],
    outcome: &str,
    read: impl FnOnce(&[Source<'_>], &Limits) -> Result<T, Vec<palisade_core::InputError>>,
) -> anyhow::Result<Result<(T, usize), ()>> {
    let limits = Limits::default();
    let files = policy_files(paths)?;
    let (texts, unread) = read_all(&files, &limits);
    let sources: Vec<Source<'_>> = texts
        .iter()
        .map(|(name, text)| Source { name, text })
        .collect();
    let result = read(&sources, &limits);
    let problems: Vec<String> = match &result {
        Ok(_) => unread.clone(),
        Err(errors) => unread
            .iter()
            .cloned()
            .chain(errors.iter().map(ToString::to_string))
            .collect(),
    };
    match (result, problems.is_empty()) {
        (Ok(value), true) => Ok(Ok((value, files.len()))),
        _ => {
            for p in &problems {
                eprintln!("palisade: error: {p}");
            }
            eprintln!(
                "palisade: {} in {}: {outcome}",
                count(problems.len(), "problem", "problems"),
                count(files.len(), "file", "files")
            );
            Ok(Err(()))
        }
    }
}

/// The files to read: each file named, and the `*.yaml`/`*.yml` files under each directory,
/// in name order.
fn policy_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    files_under(paths, &["yaml", "yml"])
}

/// Each file named, and the files with one of `extensions` under each directory, in name
/// order; each once.
pub fn files_under(paths: &[PathBuf], extensions: &[&str]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).with_context(|| format!("{}", p.display()))?;
        if meta.is_dir() {
            walk(p, extensions, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    // A file named and also found in a directory named is read once, not twice (which would
    // define its resources twice).
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    Ok(out)
}

fn walk(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("{}", dir.display()))?;
    entries.sort();
    for e in entries {
        if e.is_dir() {
            walk(&e, extensions, out)?;
        } else if e
            .extension()
            .is_some_and(|x| extensions.iter().any(|want| x == *want))
        {
            out.push(e);
        }
    }
    Ok(())
}

/// Each file's name and text, and a problem (`FILE: why`) for each that does not read.
fn read_all(files: &[PathBuf], limits: &Limits) -> (Vec<(String, String)>, Vec<String>) {
    let mut texts = Vec::new();
    let mut unread = Vec::new();
    for f in files {
        match read(f, limits) {
            Ok(text) => texts.push((f.display().to_string(), text)),
            Err(why) => unread.push(format!("{}: {why}", f.display())),
        }
    }
    (texts, unread)
}

/// A policy file's text; refused before reading when over the limit.
fn read(path: &Path, limits: &Limits) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    let len = meta.len();
    if len > limits.max_bytes as u64 {
        return Err(format!(
            "{len} bytes, over the limit of {} bytes for a policy file",
            limits.max_bytes
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))
}
