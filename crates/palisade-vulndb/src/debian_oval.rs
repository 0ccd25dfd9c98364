//! Debian's OVAL definitions (OVAL 5.11, `oval-definitions-<release>.xml.bz2`): one definition
//! per (CVE or DSA, source package) whose criteria name a `dpkginfo_test` "SOURCE is earlier than
//! EVR". Tests point at objects (the source package name) and states (the fixed version); an
//! EVR of `0:0` means the release was never affected. The XML is read as a stream.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event as Xml};
use quick_xml::Reader;

use crate::{Advisory, Affected, Event, Import, Range, RangeKind, Status};

#[derive(Default)]
struct Definition {
    title: String,
    /// The start of the description, for report titles.
    description: String,
    platform: String,
    references: Vec<String>,
    test_refs: Vec<String>,
}

#[derive(Default)]
struct Parsed {
    definitions: Vec<Definition>,
    /// dpkginfo test id -> (object id, state id).
    tests: HashMap<String, (String, String)>,
    /// dpkginfo object id -> package name.
    objects: HashMap<String, String>,
    /// dpkginfo state id -> EVR the package must be earlier than.
    states: HashMap<String, String>,
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Where in the document the reader is, as far as this importer cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Other,
    Title,
    Description,
    Platform,
    ObjectName,
    StateEvr,
}

fn parse(input: impl BufRead) -> Result<Parsed, String> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut out = Parsed::default();
    let mut def: Option<Definition> = None;
    let mut test: Option<(String, String, String)> = None;
    let mut object: Option<String> = None;
    let mut state: Option<(String, bool)> = None;
    let mut place = Place::Other;
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("XML error at byte {}: {e}", reader.buffer_position()))?;
        match ev {
            Xml::Start(ref e) | Xml::Empty(ref e) => {
                let empty = matches!(ev, Xml::Empty(_));
                match e.local_name().as_ref() {
                    b"definition" => def = Some(Definition::default()),
                    b"title" if def.is_some() => place = Place::Title,
                    b"platform" if def.is_some() => place = Place::Platform,
                    b"description" if def.is_some() => place = Place::Description,
                    b"reference" => {
                        if let (Some(d), Some(id)) = (def.as_mut(), attr(e, b"ref_id")) {
                            d.references.push(id);
                        }
                    }
                    b"criterion" => {
                        if let (Some(d), Some(t)) = (def.as_mut(), attr(e, b"test_ref")) {
                            d.test_refs.push(t);
                        }
                    }
                    b"dpkginfo_test" => {
                        test = attr(e, b"id").map(|id| (id, String::new(), String::new()))
                    }
                    b"object" => {
                        if let (Some(t), Some(r)) = (test.as_mut(), attr(e, b"object_ref")) {
                            t.1 = r;
                        }
                    }
                    b"state" => {
                        if let (Some(t), Some(r)) = (test.as_mut(), attr(e, b"state_ref")) {
                            t.2 = r;
                        }
                    }
                    b"dpkginfo_object" => object = attr(e, b"id"),
                    b"name" if object.is_some() => place = Place::ObjectName,
                    b"dpkginfo_state" => state = attr(e, b"id").map(|id| (id, false)),
                    b"evr" if state.is_some() => {
                        if let Some(s) = state.as_mut() {
                            s.1 = attr(e, b"operation").as_deref() == Some("less than");
                        }
                        place = Place::StateEvr;
                    }
                    _ => {}
                }
                if empty {
                    place = Place::Other;
                }
            }
            Xml::Text(t) => {
                let text = t
                    .decode()
                    .map_err(|e| format!("XML text: {e}"))?
                    .into_owned();
                match place {
                    Place::Title => {
                        if let Some(d) = def.as_mut() {
                            d.title = text;
                        }
                    }
                    Place::Platform => {
                        if let Some(d) = def.as_mut() {
                            d.platform = text;
                        }
                    }
                    Place::Description => {
                        if let Some(d) = def.as_mut() {
                            append_capped(&mut d.description, &text);
                        }
                    }
                    Place::ObjectName => {
                        if let Some(id) = object.clone() {
                            out.objects.insert(id, text);
                        }
                    }
                    Place::StateEvr => {
                        if let Some((id, true)) = state.clone() {
                            out.states.insert(id, text);
                        }
                    }
                    Place::Other => {}
                }
            }
            Xml::End(ref e) => {
                place = Place::Other;
                match e.local_name().as_ref() {
                    b"definition" => out.definitions.extend(def.take()),
                    b"dpkginfo_test" => {
                        if let Some((id, o, s)) = test.take() {
                            out.tests.insert(id, (o, s));
                        }
                    }
                    b"dpkginfo_object" => object = None,
                    b"dpkginfo_state" => state = None,
                    _ => {}
                }
            }
            // Entities split the text around them (`&quot;` in descriptions).
            Xml::GeneralRef(ref r) if matches!(place, Place::Description) => {
                let c = match &**r {
                    b"amp" => "&",
                    b"lt" => "<",
                    b"gt" => ">",
                    b"quot" => "\"",
                    b"apos" => "'",
                    _ => "",
                };
                if let Some(d) = def.as_mut() {
                    append_capped(&mut d.description, c);
                }
            }
            Xml::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// Longest description kept: a title, not the whole text.
const MAX_DESCRIPTION: usize = 200;

fn append_capped(s: &mut String, text: &str) {
    for c in text.chars() {
        if s.len() >= MAX_DESCRIPTION {
            return;
        }
        s.push(c);
    }
}

/// "Debian GNU/Linux 12" -> "Debian:12", the OSV ecosystem of that release.
fn ecosystem(platform: &str) -> Option<String> {
    let version = platform.strip_prefix("Debian GNU/Linux ")?;
    version
        .bytes()
        .all(|c| c.is_ascii_digit())
        .then(|| format!("Debian:{version}"))
}

/// Largest decompressed OVAL document read (Debian's are about 50 MB): a cap on what a bzip2
/// bomb can make the parser buffer.
pub const MAX_XML: u64 = 1 << 30;

/// Reads one OVAL file, bzip2-compressed as Debian publishes it.
pub fn import_bz2(data: &[u8], source: &str, out: &mut Import) {
    let decoder = std::io::BufReader::new(std::io::Read::take(
        bzip2::read::BzDecoder::new(data),
        MAX_XML + 1,
    ));
    let before = out.skipped.len();
    let mut counted = Counting {
        inner: decoder,
        read: 0,
    };
    import(&mut counted, source, out);
    if counted.read > MAX_XML && out.skipped.len() == before {
        out.skipped.push(format!(
            "{source}: larger than {MAX_XML} bytes decompressed; read up to there"
        ));
    }
}

/// Counts the bytes a reader hands out.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: std::io::Read> std::io::Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.read += amt as u64;
        self.inner.consume(amt);
    }
}

/// Reads one uncompressed OVAL document.
pub fn import(input: impl BufRead, source: &str, out: &mut Import) {
    let parsed = match parse(input) {
        Ok(p) => p,
        Err(e) => {
            out.skipped.push(format!("{source}: {e}"));
            return;
        }
    };
    for d in parsed.definitions {
        let id = d
            .title
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        let Some(ecosystem) = ecosystem(&d.platform) else {
            out.skipped.push(format!(
                "{source}: {}: unknown platform {:?}",
                d.title, d.platform
            ));
            continue;
        };
        let mut affected = Vec::new();
        for t in &d.test_refs {
            let Some((object, state)) = parsed.tests.get(t) else {
                continue;
            };
            let (Some(package), Some(evr)) = (parsed.objects.get(object), parsed.states.get(state))
            else {
                continue;
            };
            let (status, ranges) = if evr == "0:0" || evr == "0" {
                (Status::NotAffected, Vec::new())
            } else {
                // OVAL writes the zero epoch out ("0:1.2-3"); Debian's own tools show "1.2-3".
                let fixed = evr.strip_prefix("0:").unwrap_or(evr);
                let events = vec![Event::Introduced("0".into()), Event::Fixed(fixed.into())];
                (
                    Status::Affected,
                    vec![Range {
                        kind: RangeKind::Ecosystem,
                        events,
                    }],
                )
            };
            affected.push(Affected {
                ecosystem: ecosystem.clone(),
                package: package.clone(),
                status,
                ranges,
                versions: Vec::new(),
                note: None,
            });
        }
        if id.is_empty() || affected.is_empty() {
            out.skipped.push(format!(
                "{source}: definition {:?} names no package test",
                d.title
            ));
            continue;
        }
        // A DSA that fixes several CVEs is a bundle, not another name for each of them: only a
        // single reference is an alias (merging on it would fold distinct CVEs into one finding).
        let mut aliases: Vec<String> = d.references.into_iter().filter(|r| *r != id).collect();
        let mut upstream = Vec::new();
        if aliases.len() > 1 {
            upstream = std::mem::take(&mut aliases);
        }
        out.advisories.push(Advisory {
            aliases,
            upstream,
            id,
            summary: Some(d.description).filter(|t| !t.is_empty()),
            severity: Vec::new(),
            withdrawn: None,
            affected,
            source: format!("debian-oval:{source}"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_definitions_through_tests_objects_and_states() {
        let xml = br#"<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"><definitions>
<definition id="d1" class="vulnerability"><metadata><title>CVE-2023-1 openssl</title><affected family="unix"><platform>Debian GNU/Linux 12</platform></affected>
<reference source="CVE" ref_id="CVE-2023-1"/><reference source="DSA" ref_id="DSA-5417-1"/></metadata>
<criteria><criterion test_ref="tst:1"/><criterion test_ref="tst:3"/></criteria></definition>
<definition id="d2"><metadata><title>CVE-2023-2 zlib</title><affected><platform>Debian GNU/Linux 12</platform></affected></metadata><criteria><criterion test_ref="tst:4"/></criteria></definition>
<definition id="d3"><metadata><title>CVE-2023-3 x</title><affected><platform>Debian GNU/Linux 12</platform></affected></metadata><criteria><criterion test_ref="tst:1"/></criteria></definition>
</definitions><tests>
<textfilecontent54_test id="tst:1"><object object_ref="obj:1"/><state state_ref="ste:1"/></textfilecontent54_test>
<dpkginfo_test id="tst:3"><object object_ref="obj:3"/><state state_ref="ste:3"/></dpkginfo_test>
<dpkginfo_test id="tst:4"><object object_ref="obj:4"/><state state_ref="ste:4"/></dpkginfo_test>
</tests><objects><dpkginfo_object id="obj:3"><name>openssl</name></dpkginfo_object><dpkginfo_object id="obj:4"><name>zlib</name></dpkginfo_object></objects>
<states><dpkginfo_state id="ste:3"><evr datatype="debian_evr_string" operation="less than">0:3.0.9-1</evr></dpkginfo_state>
<dpkginfo_state id="ste:4"><evr datatype="debian_evr_string" operation="less than">0:0</evr></dpkginfo_state></states></oval_definitions>"#;
        let mut out = Import::default();
        import(&xml[..], "bookworm.xml", &mut out);
        assert_eq!(out.advisories.len(), 2, "{:?}", out.skipped);
        let a = &out.advisories[0];
        assert_eq!(
            (a.id.as_str(), a.aliases.as_slice()),
            ("CVE-2023-1", &["DSA-5417-1".to_string()][..])
        );
        assert_eq!(a.affected[0].ecosystem, "Debian:12");
        assert_eq!(a.affected[0].package, "openssl");
        assert_eq!(
            a.affected[0].ranges[0].events[1],
            Event::Fixed("3.0.9-1".into()) // the zero epoch dropped
        );
        assert_eq!(out.advisories[1].affected[0].status, Status::NotAffected);
        assert_eq!(out.skipped.len(), 1);
        let mut bad = Import::default();
        import(&b"<a><b></a>"[..], "broken.xml", &mut bad);
        assert!(
            bad.skipped[0].starts_with("broken.xml: XML error"),
            "{:?}",
            bad.skipped
        );
    }
}
