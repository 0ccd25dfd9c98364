//! A policy (the text before the first NUL byte) and events made of the lines after it:
//! every kind of event decided and explained (the two must agree), a pod and a deployment
//! admitted, the policy exported to each target. Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_policy::admit::{Admission, ImageFacts, Request as AdmissionRequest};
use palisade_policy::decide::{Compiled, Event, PeerInfo, Request, SensorKind, Workload};
use palisade_policy::export::{export, Target};
use palisade_policy::resources::{Direction, Protocol};
use palisade_policy::yaml::Limits;
use palisade_policy::Source;

fuzz_target!(|data: &[u8]| {
    let (policy, rest) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let text = String::from_utf8_lossy(policy);
    let limits = Limits {
        max_bytes: 1 << 20,
        max_depth: 64,
        max_nodes: 100_000,
    };
    let Ok(policy) = palisade_policy::load(&[Source { name: "fuzz.yaml", text: &text }], &limits) else {
        return;
    };
    for target in [Target::NetworkPolicy, Target::Cilium, Target::Cilium119, Target::KubeArmor] {
        let _ = export(&policy, target);
    }
    let compiled = Compiled::new(&policy);
    let words = String::from_utf8_lossy(rest);
    let mut w = words.split('\n');
    let mut next = || w.next().unwrap_or("").to_string();
    let workload = Workload {
        namespace: next(),
        labels: [(next(), next())].into(),
        image: next(),
        container: next(),
        node: next(),
        service: next(),
    };
    let (a, b, c) = (next(), next(), next());
    let port = c.bytes().fold(0u16, |n, x| n.wrapping_mul(31).wrapping_add(u16::from(x)));
    let ip = b.parse().ok();
    let peer = PeerInfo { ip, name: Some(&b), workload: Some(&workload) };
    let p = compiled.profile(&workload);
    let events = [
        Event::Exec { path: &a, name: &b, parent: Some(&c), from_image: port % 2 == 0 },
        Event::File { path: &a, write: port % 2 == 1, process: &b },
        Event::Connect { direction: Direction::Egress, peer, port, protocol: Protocol::Tcp },
        Event::Request {
            direction: Direction::Ingress,
            peer,
            port,
            protocol: Protocol::Tcp,
            request: Request::Http { method: &c, path: &a, host: Some(&b) },
        },
        Event::Request {
            direction: Direction::Ingress,
            peer,
            port,
            protocol: Protocol::Tcp,
            request: Request::Grpc { service: &a, method: &c },
        },
        Event::Request { direction: Direction::Egress, peer, port, protocol: Protocol::Udp, request: Request::Dns { name: &a } },
        Event::Request { direction: Direction::Egress, peer, port, protocol: Protocol::Tcp, request: Request::Kafka { topic: &a, api: (port % 80) as i16 } },
        Event::Request { direction: Direction::Egress, peer, port, protocol: Protocol::Tcp, request: Request::Tls { sni: &b } },
        Event::Request { direction: Direction::Egress, peer, port, protocol: Protocol::Tcp, request: Request::Other { application: &c } },
        Event::Sensor { kind: SensorKind::Dlp, sensor: &a },
        Event::Sensor { kind: SensorKind::Waf, sensor: &b },
    ];
    for e in &events {
        let d = p.decide(e);
        let x = p.explain(e);
        assert_eq!(d, x.decision);
    }
    // Admission: a pod and a deployment made of the same words.
    let admission = Admission::new(&policy);
    let container = serde_json::json!({"name": a, "image": b, "securityContext": {"privileged": port % 3 == 0},
        "resources": {"limits": {"cpu": c}}, "env": [{"name": a, "value": c}]});
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": workload.namespace,
        "labels": workload.labels}, "spec": {"containers": [container], "hostNetwork": port % 2 == 0}});
    let deployment = serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"template": {"metadata": {"labels": workload.labels}, "spec": pod["spec"].clone()}}});
    let groups = vec![c.clone()];
    let request = AdmissionRequest { namespace: "", user: &a, groups: &groups, risky_service_accounts: &[] };
    for object in [&pod, &deployment] {
        let _ = admission.decide(object, &request, &|i| (i.len() % 2 == 0).then(ImageFacts::default));
    }
});
