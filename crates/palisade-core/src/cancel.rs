//! Bounding long work: a scan started for an admission request or a controller job carries a
//! [`Cancel`] (a deadline, and a flag another thread can set), and the loops that take time
//! (reading layers, pulling blobs) ask it between steps.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why work stopped before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Stopped {
    #[error("cancelled")]
    Cancelled,
    #[error("deadline exceeded (the limit was {}s)", limit.as_secs_f64())]
    DeadlineExceeded { limit: Duration },
}

/// A cancellation flag and an optional deadline, cheap to clone and shared by every thread of
/// one piece of work. The default never stops.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    deadline: Option<(Instant, Duration)>,
    /// Set when a check found the work stopped: the failure that follows is the stop's.
    fired: Arc<AtomicBool>,
}

impl Cancel {
    /// Never stops unless cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Stops `limit` from now (and when cancelled).
    pub fn within(limit: Duration) -> Cancel {
        Cancel {
            flag: Arc::default(),
            // A limit too far ahead to represent is no limit.
            deadline: Instant::now().checked_add(limit).map(|at| (at, limit)),
            fired: Arc::default(),
        }
    }

    /// Asks every holder to stop at its next check.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// `Err` once cancelled or past the deadline.
    pub fn check(&self) -> Result<(), Stopped> {
        let stopped = self.state();
        if stopped.is_err() {
            self.fired.store(true, Ordering::Relaxed);
        }
        stopped
    }

    fn state(&self) -> Result<(), Stopped> {
        if self.flag.load(Ordering::Relaxed) {
            return Err(Stopped::Cancelled);
        }
        match self.deadline {
            Some((at, limit)) if Instant::now() >= at => Err(Stopped::DeadlineExceeded { limit }),
            _ => Ok(()),
        }
    }

    /// Why the work stopped, if a check has found it stopped: an error that follows a fired
    /// check is the stop's doing, while one that merely comes late (a digest mismatch found
    /// after the deadline) is its own.
    pub fn fired(&self) -> Option<Stopped> {
        match self.fired.load(Ordering::Relaxed) {
            true => self.state().err(),
            false => None,
        }
    }

    /// Time left before the deadline, if there is one.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|(at, _)| at.saturating_duration_since(Instant::now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_when_cancelled_or_late() {
        let c = Cancel::new();
        assert_eq!(c.check(), Ok(()));
        let shared = c.clone();
        shared.cancel();
        assert_eq!(c.check(), Err(Stopped::Cancelled));
        let late = Cancel::within(Duration::ZERO);
        assert!(matches!(
            late.check(),
            Err(Stopped::DeadlineExceeded { .. })
        ));
        let later = Cancel::within(Duration::from_secs(3600));
        assert_eq!(later.check(), Ok(()));
        assert!(later.remaining().unwrap() > Duration::from_secs(3500));
        assert_eq!(Cancel::within(Duration::MAX).check(), Ok(()));
        // Late but never asked: not the stop's doing.
        let unasked = Cancel::within(Duration::ZERO);
        assert_eq!(unasked.fired(), None);
        assert!(unasked.check().is_err());
        assert!(matches!(
            unasked.fired(),
            Some(Stopped::DeadlineExceeded { .. })
        ));
    }
}
