//! A progress bar for long offline runs: drawn on stderr when it is a terminal, and nothing
//! at all otherwise (pipes, files, CI), so JSON on stdout stays clean either way.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar fed by a counter that the protocol advances; stops and clears itself on drop.
pub(crate) struct Progress {
    counter: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts a bar of `total` items, or returns `None` when stderr is not a terminal.
    pub(crate) fn start(total: usize, what: &'static str) -> Option<Self> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let counter = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let bar = ProgressBar::new(total as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, eta {eta})",
        ) {
            bar.set_style(style);
        }
        bar.set_message(what);
        let (c, s) = (Arc::clone(&counter), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                bar.set_position(c.load(Ordering::Relaxed) as u64);
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        Some(Self {
            counter,
            stop,
            thread: Some(thread),
        })
    }

    /// The counter the protocol adds to.
    pub(crate) fn counter(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.counter)
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // The drawing thread only sleeps and draws; a panic there must not hide the
            // result, so its outcome is ignored.
            let _ = thread.join();
        }
    }
}

/// One bar through consecutive phases (e.g. offline triples, then training batches), each
/// with its own counter and length: the bar shows the latest phase whose counter has moved
/// (the first one until then), and a phase's `after` message once its counter is full and
/// the next has not started (work nobody counts, e.g. MASCOT's bits after its triples).
/// Drawn on stderr when it is a terminal, nothing otherwise.
pub(crate) struct Phases {
    counters: Vec<Arc<AtomicUsize>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Phases {
    /// Starts the bar, or returns `None` when stderr is not a terminal.
    pub(crate) fn start(phases: &[(usize, &'static str, &'static str)]) -> Option<Self> {
        if !std::io::stderr().is_terminal() || phases.is_empty() {
            return None;
        }
        let counters: Vec<Arc<AtomicUsize>> = phases
            .iter()
            .map(|_| Arc::new(AtomicUsize::new(0)))
            .collect();
        let stop = Arc::new(AtomicBool::new(false));
        let bar = ProgressBar::new(phases[0].0 as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} (eta {eta})",
        ) {
            bar.set_style(style);
        }
        let phases: Vec<(usize, &'static str, &'static str)> = phases.to_vec();
        let (cs, s) = (counters.clone(), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            let mut shown = (usize::MAX, false);
            while !s.load(Ordering::Relaxed) {
                let current = (0..cs.len())
                    .rev()
                    .find(|&i| cs[i].load(Ordering::Relaxed) > 0)
                    .unwrap_or(0);
                let done = cs[current].load(Ordering::Relaxed);
                let full = done >= phases[current].0;
                if (current, full) != shown {
                    shown = (current, full);
                    bar.set_length(phases[current].0 as u64);
                    bar.set_message(if full {
                        phases[current].2
                    } else {
                        phases[current].1
                    });
                    bar.reset_eta();
                }
                bar.set_position(done as u64);
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        Some(Self {
            counters,
            stop,
            thread: Some(thread),
        })
    }

    /// The counter of phase `i` (a fresh, unshown one if there is no such phase).
    pub(crate) fn counter(&self, i: usize) -> Arc<AtomicUsize> {
        self.counters
            .get(i)
            .map_or_else(|| Arc::new(AtomicUsize::new(0)), Arc::clone)
    }
}

impl Drop for Phases {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // As for `Progress`: the drawing thread's outcome is ignored.
            let _ = thread.join();
        }
    }
}
