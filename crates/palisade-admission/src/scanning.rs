//! Scan on admission (`unscannedImages: scan`): an image the store does not have is scanned by
//! `palisade scan image` in a child process (its memory and any crash its own), and the review
//! waits until the review's deadline (one for all its images). A scan that outlives the deadline
//! goes on and is stored, so the retry the controller makes is admitted or refused on the
//! image's findings. Reviews of an image being scanned wait for that one scan; at most
//! [`SLOTS`] scans run at once and [`QUEUED`] wait; a scan is killed after [`SCAN_LIMIT`].
//! Only registry references are scanned (`docker://` is put before them): a pod cannot make
//! the webhook read a local path.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Read as _;
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use palisade_policy::admit::ImageFacts;

use crate::images::StoreImages;
use crate::say;
use crate::webhook::{Images, Lookup};

/// Scans run at once.
pub const SLOTS: usize = 2;
/// Scans started or waiting at once; past this an image stays unscanned.
pub const QUEUED: usize = 16;
/// The longest a scan may take.
pub const SCAN_LIMIT: Duration = Duration::from_secs(300);

pub struct Scanning {
    store: StoreImages,
    /// The program and its arguments, the image reference appended.
    command: Vec<OsString>,
    running: Mutex<HashMap<String, Arc<Flight>>>,
    slots: Arc<(Mutex<usize>, Condvar)>,
}

/// One scan, waited for by every review of its image.
#[derive(Default)]
struct Flight {
    done: Mutex<bool>,
    finished: Condvar,
}

impl Scanning {
    /// `command`: the scanner and its arguments before the image reference (`palisade scan
    /// image --store FILE -o /dev/null`).
    pub fn new(store: StoreImages, command: Vec<OsString>) -> Scanning {
        Scanning {
            store,
            command,
            running: Mutex::new(HashMap::new()),
            slots: Arc::new((Mutex::new(0), Condvar::new())),
        }
    }

    /// The scan of `image`: the one running, else a new one (`None`: too many queued).
    fn flight(self: &Scanning, image: &str) -> Option<Arc<Flight>> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = running.get(image) {
            return Some(f.clone());
        }
        // Scans that ended with no review waiting: what they stored is read from the store.
        let before = running.len();
        running.retain(|_, f| !*f.done.lock().unwrap_or_else(|e| e.into_inner()));
        if running.len() < before {
            self.store.forget();
        }
        if running.len() >= QUEUED {
            say(&format!(
                "not scanning {image}: {QUEUED} scans already queued"
            ));
            return None;
        }
        let flight = Arc::new(Flight::default());
        running.insert(image.to_string(), flight.clone());
        drop(running);
        let (command, slots, image) = (self.command.clone(), self.slots.clone(), image.to_string());
        let f = flight.clone();
        // The thread owns what it needs; it tells `running` nothing, the waiters see `done`.
        let spawned = std::thread::Builder::new()
            .name("admission-scan".into())
            .spawn(move || {
                run(&command, &image, &slots);
                *f.done.lock().unwrap_or_else(|e| e.into_inner()) = true;
                f.finished.notify_all();
            });
        if spawned.is_err() {
            *flight.done.lock().unwrap_or_else(|e| e.into_inner()) = true;
        }
        Some(flight)
    }
}

/// Runs one scan in a free slot, saying how it went on stderr.
fn run(command: &[OsString], image: &str, slots: &(Mutex<usize>, Condvar)) {
    {
        let (busy, freed) = slots;
        let mut n = busy.lock().unwrap_or_else(|e| e.into_inner());
        while *n >= SLOTS {
            n = freed.wait(n).unwrap_or_else(|e| e.into_inner());
        }
        *n += 1;
    }
    let started = Instant::now();
    say(&format!("scanning {image} (not in the store)"));
    let child = command.split_first().map(|(program, args)| {
        Command::new(program)
            .args(args)
            .arg(format!("docker://{image}"))
            // Pods name any registry: only the docker login's per-registry credentials go to
            // one, never credentials meant for all.
            .env_remove("PALISADE_REGISTRY_USER")
            .env_remove("PALISADE_REGISTRY_PASSWORD")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
    });
    match child {
        Some(Ok(mut child)) => {
            // The scanner's messages, read beside the wait so a chatty child never blocks.
            let err = child.stderr.take().map(|mut e| {
                std::thread::spawn(move || {
                    let mut text = String::new();
                    let _ = e.by_ref().take(64 << 10).read_to_string(&mut text);
                    let _ = std::io::copy(&mut e, &mut std::io::sink());
                    text
                })
            });
            let status = loop {
                match child.try_wait() {
                    Ok(Some(status)) => break Ok(status),
                    Ok(None) if started.elapsed() > SCAN_LIMIT => {
                        let _ = child.kill();
                        break child.wait();
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                    Err(e) => break Err(e),
                }
            };
            let err = err.and_then(|t| t.join().ok()).unwrap_or_default();
            match status {
                Ok(status) if status.success() || status.code() == Some(1) => say(&format!(
                    "scanned {image} in {:.1} s",
                    started.elapsed().as_secs_f64()
                )),
                Ok(status) => say(&format!(
                    "scan of {image} failed ({status}): {}",
                    err.lines().last().unwrap_or("")
                )),
                Err(e) => say(&format!("scan of {image}: {e}")),
            }
        }
        Some(Err(e)) => say(&format!("scan of {image} could not start: {e}")),
        None => {}
    }
    let (busy, freed) = slots;
    *busy.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
    freed.notify_one();
}

/// Whether `image` names a registry image (not a local path, not a flag).
fn registry_reference(image: &str) -> bool {
    !image.starts_with('-')
        && !image.contains("://")
        && palisade_image::registry::ImageName::parse(image).is_ok()
        && !["oci:", "oci-archive:", "docker-archive:", "rootfs:", "dir:"]
            .iter()
            .any(|t| image.starts_with(t))
}

impl Images for Scanning {
    fn facts(&self, image: &str, how: Lookup) -> Option<ImageFacts> {
        if let Some(f) = self.store.facts(image, how) {
            return Some(f);
        }
        let until = how.scan_until?;
        if !registry_reference(image) {
            return None;
        }
        let flight = self.flight(image)?;
        let done = {
            let guard = flight.done.lock().unwrap_or_else(|e| e.into_inner());
            let left = until.saturating_duration_since(Instant::now());
            let (guard, _) = flight
                .finished
                .wait_timeout_while(guard, left, |done| !*done)
                .unwrap_or_else(|e| e.into_inner());
            *guard
        };
        if !done {
            return None;
        }
        // Finished: the next review starts a new scan only if this one stored nothing.
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if running.get(image).is_some_and(|f| Arc::ptr_eq(f, &flight)) {
            running.remove(image);
        }
        drop(running);
        self.store.forget();
        self.store.facts(image, Lookup::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_registry_references_are_scanned() {
        assert!(registry_reference("127.0.0.1:5000/app:1"));
        assert!(registry_reference("nginx"));
        for bad in [
            "oci:/etc",
            "docker-archive:/x.tar",
            "-o/etc/passwd",
            "docker://x/y",
            "rootfs:/",
        ] {
            assert!(!registry_reference(bad), "{bad}");
        }
    }
}
