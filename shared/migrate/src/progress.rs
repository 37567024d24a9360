//! Progress while an import writes: an indicatif bar when stderr is a terminal, otherwise
//! (logs, CI, pipes) a plain line every few seconds, so that a long import never looks hung
//! and never fills a log with bar redraws.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often the plain (not a terminal) form prints a line.
const LINE_EVERY: Duration = Duration::from_secs(5);

/// Progress of one phase counted in items.
pub struct Progress {
    label: &'static str,
    total: u64,
    bar: Option<ProgressBar>,
    /// Items done and when the last plain line was printed.
    plain: Mutex<(u64, Instant)>,
}

impl Progress {
    /// Progress of `total` items, shown on stderr.
    pub fn new(label: &'static str, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} items ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(label);
            bar
        });
        Progress {
            label,
            total,
            bar,
            plain: Mutex::new((0, Instant::now())),
        }
    }

    /// `n` more items are done.
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
            return;
        }
        let mut plain = self.plain.lock().unwrap_or_else(|e| e.into_inner());
        plain.0 += n;
        if plain.1.elapsed() >= LINE_EVERY {
            plain.1 = Instant::now();
            eprintln!("{}: {}/{} items", self.label, plain.0, self.total);
        }
    }

    /// The phase is over (the bar is cleared; the summary follows).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
