//! Every log line of a test process, kept in memory, so a test can check what franzl logged
//! (a secret never shown, the requests a run sent).
//!
//! Contract: [`install`] sets the process's logger on first call (later calls do nothing; if
//! another logger is set already, nothing is captured and [`logged`] stays empty). Lines of
//! every target and level are kept, as (target, message).

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Every line logged since [`install`], as (target, message).
static LOGGED: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let entry = (record.target().to_owned(), record.args().to_string());
        LOGGED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    }

    fn flush(&self) {}
}

/// Captures every log line of this process from now on, at every level.
pub fn install() {
    static CAPTURE: Capture = Capture;
    if log::set_logger(&CAPTURE).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
    }
}

/// The lines logged so far, as (target, message), locked while the guard lives.
pub fn logged() -> MutexGuard<'static, Vec<(String, String)>> {
    LOGGED.lock().unwrap_or_else(PoisonError::into_inner)
}
