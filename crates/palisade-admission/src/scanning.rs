//! Scan on admission (`unscannedImages: scan`): an image the store does not have is scanned by
//! `palisade scan image` in a child process (its memory and any crash its own), and the review
//! waits up to the deadline. A scan that outlives the deadline goes on and is stored, so the
//! retry the controller makes is admitted or refused on the image's findings. Reviews of an
//! image being scanned wait for that one scan; at most [`SLOTS`] scans run at once.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Read as _;
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use palisade_policy::admit::ImageFacts;

use crate::images::StoreImages;
use crate::say;
use crate::webhook::Images;

/// Scans run at once.
pub const SLOTS: usize = 2;

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

    /// The scan of `image`: the one running, else a new one.
    fn flight(self: &Scanning, image: &str) -> Arc<Flight> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = running.get(image) {
            return f.clone();
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
        flight
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
            .arg(image)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
    });
    match child {
        Some(Ok(mut child)) => {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                // Bounded: the scanner's messages, not its output.
                let _ = e.by_ref().take(64 << 10).read_to_string(&mut err);
            }
            match child.wait() {
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

impl Images for Scanning {
    fn facts(&self, image: &str, scan: Option<Duration>) -> Option<ImageFacts> {
        if let Some(f) = self.store.facts(image, None) {
            return Some(f);
        }
        let deadline = scan?;
        let flight = self.flight(image);
        let done = {
            let guard = flight.done.lock().unwrap_or_else(|e| e.into_inner());
            let (guard, _) = flight
                .finished
                .wait_timeout_while(guard, deadline, |done| !*done)
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
        self.store.facts(image, None)
    }
}
