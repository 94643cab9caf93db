//! Checks that report each result on the host's console, and end the program with an exit
//! status that says whether all of them held.
//!
//! Each check prints one line, `ok   <what>` or `FAIL <what>` with what was found; then
//! [`Checks::finish`] prints `<program>: N checks passed, M failed` and exits with status 0
//! only when none failed and at least one ran. A panic ends the program with status 1
//! ([`exit_on_panic`]), as does a host timeout (the runner's), so every way of not reaching
//! the end is a failure.

use core::fmt::{Debug, Display, Write};
use core::panic::PanicInfo;

use crate::semihosting::{Console, exit};
use crate::stack::StackUse;

/// The checks of one program, counted as they run.
pub struct Checks {
    program: &'static str,
    passed: u32,
    failed: u32,
    console: Console,
}

impl Checks {
    /// Starts the checks of `program`, saying so on the console.
    pub fn new(program: &'static str) -> Self {
        let mut checks = Self {
            program,
            passed: 0,
            failed: 0,
            console: Console::new(),
        };
        let _ = writeln!(checks.console, "{program}: running on the target");
        checks
    }

    /// Counts and prints one check: `holds` is whether `what` is true.
    pub fn check(&mut self, what: impl Display, holds: bool) -> bool {
        if holds {
            self.passed += 1;
            let _ = writeln!(self.console, "ok   {what}");
        } else {
            self.failed += 1;
            let _ = writeln!(self.console, "FAIL {what}");
        }
        holds
    }

    /// Counts and prints one check that `got` equals `want`, with both on failure.
    pub fn check_eq<T: Debug + PartialEq>(
        &mut self,
        what: impl Display,
        got: &T,
        want: &T,
    ) -> bool {
        if got == want {
            return self.check(what, true);
        }
        self.failed += 1;
        let _ = writeln!(
            self.console,
            "FAIL {what}\n       got:  {got:?}\n       want: {want:?}"
        );
        false
    }

    /// Prints the stack's high-water mark, and checks that the stack was painted and stayed
    /// in its region. Returns the peak in bytes (0 when not measured).
    pub fn check_stack(&mut self, what: &str, mark: Option<StackUse>) -> usize {
        let Some(mark) = mark else {
            self.check(
                "the stack was painted at reset (built without the `qemu` feature?)",
                false,
            );
            return 0;
        };
        let _ = writeln!(
            self.console,
            "{what}: peak stack {} B of a {} B stack region",
            mark.peak, mark.region
        );
        self.check(
            "the stack stayed above the statics (paint left at its bottom)",
            !mark.overflowed(),
        );
        mark.peak
    }

    /// The console, for figures between the checks.
    pub fn console(&mut self) -> &mut Console {
        &mut self.console
    }

    /// Prints the count and ends the program: status 0 if every check held (and there was at
    /// least one), 1 otherwise.
    pub fn finish(mut self) -> ! {
        let success = self.failed == 0 && self.passed > 0;
        let _ = writeln!(
            self.console,
            "{}: {} checks passed, {} failed",
            self.program, self.passed, self.failed
        );
        self.console.flush();
        exit(success)
    }
}

/// What a run program's panic handler does: prints the panic on the console and ends the
/// program with status 1.
pub fn exit_on_panic(info: &PanicInfo<'_>) -> ! {
    fail_and_exit(info)
}

/// Ends the program with status 1, saying why, when it cannot go on to its remaining checks.
pub fn fail_and_exit(why: impl Display) -> ! {
    let mut console = Console::new();
    let _ = writeln!(console, "FAIL {why}");
    console.flush();
    exit(false)
}
