//! franzl's log lines during a soak, kept in `client.log` beside the report with the time since
//! the start, so a finding can be matched with what the client saw and did.
//!
//! Contract: [`install`] sets the process's logger once; lines of the given targets at `level`
//! and above are written (a failed write is ignored: the log helps, it is not the result).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Instant;

struct FileLog {
    start: Instant,
    level: log::LevelFilter,
    target: String,
    out: Mutex<BufWriter<File>>,
}

impl log::Log for FileLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= self.level && metadata.target().starts_with(&self.target)
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = writeln!(
                out,
                "{:9.3} {:5} {}: {}",
                self.start.elapsed().as_secs_f64(),
                record.level(),
                record.target(),
                record.args()
            );
        }
    }

    fn flush(&self) {
        let _ = self
            .out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush();
    }
}

static LOGGER: OnceLock<FileLog> = OnceLock::new();

/// Sends the log lines of targets starting with `target` (`franzl`, or narrower such as
/// `franzl::producer`) at `level` and above to `path` from now on.
///
/// # Errors
///
/// The file cannot be created, or another logger is already set.
pub fn install(path: &Path, level: log::LevelFilter, target: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let logger = LOGGER.get_or_init(|| FileLog {
        start: Instant::now(),
        level,
        target: target.to_string(),
        out: Mutex::new(BufWriter::new(file)),
    });
    log::set_logger(logger).map_err(|e| format!("logger: {e}"))?;
    log::set_max_level(level);
    Ok(())
}

/// Writes out what is buffered.
pub fn flush() {
    log::logger().flush();
}
