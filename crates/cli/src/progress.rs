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
