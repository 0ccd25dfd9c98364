//! Writing a database from imported feeds.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::{AdvisoryRecord, Entry, KevInfo, Meta, NvdInfo, Provenance, END_MAGIC, MAGIC, SCHEMA};
use crate::{ecosystem, kev, nvd, Import};

/// Uncompressed size at which a block is closed: small enough that a lookup decompresses
/// little, large enough that zstd finds the repetition between neighbouring records.
const BLOCK_RAW: usize = 128 << 10;
const ZSTD_LEVEL: i32 = 9;
/// Longer package names are not real ones; the index stores names in at most this many bytes.
const MAX_NAME: usize = 1024;

/// One imported input.
pub struct BuildInput {
    pub provenance: Provenance,
    pub import: Import,
    /// When two inputs state the same advisory for the same package, the higher priority
    /// wins (Debian's tracker, which knows no-dsa and end-of-life, over its OVAL export).
    pub priority: u8,
}

/// The namespace of an advisory id: its letters before the first dash (`GHSA`, `PYSEC`,
/// `DSA`, `CVE`), or `#` for a bare number (the legacy npm advisories).
pub fn namespace(id: &str) -> &str {
    match id.split_once('-') {
        Some((head, _)) if !head.is_empty() && head.bytes().all(|b| b.is_ascii_alphabetic()) => {
            head
        }
        _ if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => "#",
        _ => "other",
    }
}

/// Builds the database image in memory (feeds are tens of MB; the result a few MB).
pub fn build(inputs: Vec<BuildInput>, built: String) -> std::io::Result<(Vec<u8>, Meta)> {
    let mut records: BTreeMap<String, AdvisoryRecord> = BTreeMap::new();
    let mut by_key: BTreeMap<String, Vec<(u8, Entry)>> = BTreeMap::new();
    let mut withdrawn = BTreeSet::new();
    let mut sources = Vec::new();
    // The newest KEV catalog given, and the input it came from.
    let mut known_exploited: Option<(kev::Catalog, String)> = None;
    let mut nvd_records = Vec::new();
    let mut nvd_sources = Vec::new();
    for mut input in inputs {
        if !input.import.nvd.is_empty() {
            nvd_sources.push(input.provenance.location.clone());
            nvd_records.append(&mut input.import.nvd);
        }
        if let Some(c) = input.import.known_exploited {
            let newer = known_exploited
                .as_ref()
                .is_none_or(|(k, _)| (&c.version, &c.released) > (&k.version, &k.released));
            if newer {
                known_exploited = Some((c, input.provenance.location.clone()));
            }
        }
        let mut about = BTreeSet::new();
        for adv in input.import.advisories {
            if adv.withdrawn.is_some() {
                withdrawn.insert(adv.id);
                continue;
            }
            let rec = records
                .entry(adv.id.clone())
                .or_insert_with(|| AdvisoryRecord {
                    id: adv.id.clone(),
                    aliases: Vec::new(),
                    upstream: Vec::new(),
                    summary: None,
                    severity: Vec::new(),
                });
            for a in adv.aliases {
                if a != rec.id && !rec.aliases.contains(&a) {
                    rec.aliases.push(a);
                }
            }
            for u in adv.upstream {
                if u != rec.id && !rec.upstream.contains(&u) {
                    rec.upstream.push(u);
                }
            }
            if rec.summary.is_none() {
                rec.summary = adv.summary;
            }
            for s in adv.severity {
                if !rec.severity.contains(&s) {
                    rec.severity.push(s);
                }
            }
            for affected in adv.affected {
                if affected.package.len() > MAX_NAME {
                    continue;
                }
                about.insert(affected.ecosystem.clone());
                let key = ecosystem::key(&affected.ecosystem, &affected.package);
                let entry = Entry {
                    id: adv.id.clone(),
                    record: adv.source.clone(),
                    affected,
                };
                by_key.entry(key).or_default().push((input.priority, entry));
            }
        }
        let mut provenance = input.provenance;
        provenance.ecosystems = about.into_iter().collect();
        sources.push(provenance);
    }

    // Per key and advisory, keep only the statements of the highest-priority input, once each.
    let mut entries_total = 0;
    let mut ecosystems = BTreeSet::new();
    let mut coverage: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let keyed: Vec<(String, Vec<Entry>)> = by_key
        .into_iter()
        .map(|(key, list)| {
            let mut best: BTreeMap<&str, u8> = BTreeMap::new();
            for (p, e) in &list {
                let b = best.entry(&e.id).or_insert(*p);
                *b = (*b).max(*p);
            }
            let best: BTreeMap<String, u8> =
                best.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            let mut kept: Vec<Entry> = Vec::new();
            for (p, e) in list {
                if best.get(&e.id) == Some(&p) && !kept.contains(&e) {
                    kept.push(e);
                }
            }
            kept.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.record.cmp(&b.record)));
            entries_total += kept.len();
            if let Some(e) = kept.first() {
                ecosystems.insert(e.affected.ecosystem.clone());
            }
            for e in &kept {
                coverage
                    .entry(e.affected.ecosystem.clone())
                    .or_default()
                    .insert(namespace(&e.id).to_string());
            }
            (key, kept)
        })
        .collect();

    let mut w = Writer::new()?;
    w.out.extend_from_slice(MAGIC);
    w.out.extend_from_slice(&SCHEMA.to_le_bytes());
    w.out.extend_from_slice(&0u32.to_le_bytes());
    let mut key_index = Vec::with_capacity(keyed.len());
    for (key, entries) in &keyed {
        let line = serde_json::to_vec(entries)?;
        key_index.push((key.as_str(), w.push(&line)?));
    }
    w.flush()?;
    let mut adv_index = Vec::with_capacity(records.len());
    for (id, rec) in &records {
        let line = serde_json::to_vec(rec)?;
        adv_index.push((id.as_str(), w.push(&line)?));
    }
    w.flush()?;
    if let Some((catalog, _)) = &mut known_exploited {
        catalog.entries.sort_by(|a, b| a.cve_id.cmp(&b.cve_id));
    }
    let mut kev_index = Vec::new();
    if let Some((catalog, _)) = &known_exploited {
        for e in &catalog.entries {
            let line = serde_json::to_vec(e)?;
            kev_index.push((e.cve_id.as_str(), w.push(&line)?));
        }
        w.flush()?;
    }
    // NVD's records, only for CVEs an advisory names: NVD lists every CVE ever published,
    // most of them in no package ecosystem, and only named ones can rate a finding.
    let nvd_info = (!nvd_sources.is_empty()).then(|| {
        let all = nvd::latest(std::mem::take(&mut nvd_records));
        let read = all.len();
        let last_modified = all
            .iter()
            .map(|r| r.last_modified.as_str())
            .max()
            .unwrap_or_default()
            .to_string();
        let named: BTreeSet<&str> = records
            .values()
            .flat_map(|r| {
                std::iter::once(&r.id)
                    .chain(&r.aliases)
                    .chain(&r.upstream)
                    .map(String::as_str)
            })
            .filter(|id| id.starts_with("CVE-"))
            .collect();
        nvd_records = all
            .into_iter()
            .filter(|r| named.contains(r.id.as_str()))
            .collect();
        NvdInfo {
            count: nvd_records.len(),
            read,
            last_modified,
            sources: nvd_sources,
        }
    });
    let mut nvd_index = Vec::new();
    if nvd_info.is_some() {
        for r in &nvd_records {
            let line = serde_json::to_vec(r)?;
            nvd_index.push((r.id.as_str(), w.push(&line)?));
        }
        w.flush()?;
    }

    let meta = Meta {
        schema: SCHEMA,
        built,
        built_by: format!("palisade {}", env!("CARGO_PKG_VERSION")),
        sources,
        advisories: records.len(),
        withdrawn: withdrawn.len(),
        packages: keyed.len(),
        entries: entries_total,
        ecosystems: ecosystems.into_iter().collect(),
        coverage: coverage
            .into_iter()
            .map(|(eco, spaces)| (eco, spaces.into_iter().collect()))
            .collect(),
        known_exploited: known_exploited.as_ref().map(|(c, source)| KevInfo {
            catalog_version: c.version.clone(),
            date_released: c.released.clone(),
            count: c.entries.len(),
            source: source.clone(),
        }),
        nvd: nvd_info.clone(),
    };
    let meta_bytes = serde_json::to_vec_pretty(&meta)?;
    let meta_off = w.out.len() as u64;
    w.out.extend_from_slice(&meta_bytes);

    let mut index = Vec::new();
    put_table(&mut index, &key_index);
    put_table(&mut index, &adv_index);
    index.extend_from_slice(&(w.blocks.len() as u32).to_le_bytes());
    for (off, len, raw) in &w.blocks {
        index.extend_from_slice(&off.to_le_bytes());
        index.extend_from_slice(&len.to_le_bytes());
        index.extend_from_slice(&raw.to_le_bytes());
    }
    // Only with the catalog: a database without it is laid out as before the table existed.
    if known_exploited.is_some() {
        put_table(&mut index, &kev_index);
    }
    // Likewise the NVD table, after it.
    if nvd_info.is_some() {
        put_table(&mut index, &nvd_index);
    }
    let index_off = w.out.len() as u64;
    w.out.extend_from_slice(&index);

    let mut out = w.out;
    for v in [
        meta_off,
        meta_bytes.len() as u64,
        index_off,
        index.len() as u64,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&Sha256::digest(&index));
    let whole = Sha256::digest(&out);
    out.extend_from_slice(&whole);
    out.extend_from_slice(END_MAGIC);
    Ok((out, meta))
}

/// Where a record sits: block number, offset and length inside the decompressed block.
type Slot = (u32, u32, u32);

struct Writer {
    /// One compressor for every block: a level-19 context is large to set up.
    zstd: zstd::bulk::Compressor<'static>,
    out: Vec<u8>,
    raw: Vec<u8>,
    /// (file offset, compressed length, raw length) per block.
    blocks: Vec<(u64, u32, u32)>,
}

impl Writer {
    fn new() -> std::io::Result<Writer> {
        let mut zstd = zstd::bulk::Compressor::new(ZSTD_LEVEL)?;
        zstd.set_parameter(zstd::stream::raw::CParameter::ChecksumFlag(true))?;
        Ok(Writer {
            zstd,
            out: Vec::new(),
            raw: Vec::new(),
            blocks: Vec::new(),
        })
    }

    fn push(&mut self, line: &[u8]) -> std::io::Result<Slot> {
        if !self.raw.is_empty() && self.raw.len() + line.len() > BLOCK_RAW {
            self.flush()?;
        }
        let slot = (
            self.blocks.len() as u32,
            self.raw.len() as u32,
            line.len() as u32,
        );
        self.raw.extend_from_slice(line);
        self.raw.push(b'\n');
        Ok(slot)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.raw.is_empty() {
            return Ok(());
        }
        let off = self.out.len() as u64;
        let compressed = self.zstd.compress(&self.raw)?;
        self.out.extend_from_slice(&compressed);
        self.blocks
            .push((off, compressed.len() as u32, self.raw.len() as u32));
        self.raw.clear();
        Ok(())
    }
}

fn put_table(out: &mut Vec<u8>, rows: &[(&str, Slot)]) {
    out.extend_from_slice(&(rows.len() as u32).to_le_bytes());
    for (name, (block, off, len)) in rows {
        let name = &name.as_bytes()[..name.len().min(u16::MAX as usize)];
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(name);
        out.extend_from_slice(&block.to_le_bytes());
        out.extend_from_slice(&off.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
    }
}
