//! ARM semihosting, a debugger's channel to the host: text to the host's standard output
//! (`SYS_WRITE0`) and the program's exit status (`SYS_EXIT`). QEMU answers it when run with
//! `-semihosting-config enable=on,target=native`.
//!
//! Contract: call these only under a debugger or an emulator that handles semihosting. On a
//! device without one, the `bkpt` instruction that makes the call stops the core (a HardFault,
//! or a lockup).
//!
//! Two calls are all the programs need, so they are written here rather than taken from the
//! `cortex-m-semihosting` crate, which would bring `cortex-m` along for them.

use core::fmt;

/// Writes a NUL-terminated string to the host's console.
const SYS_WRITE0: usize = 0x04;
/// Ends the program with the reason code in r1.
const SYS_EXIT: usize = 0x18;
/// The reason code of a program that ran to its end: QEMU exits with status 0.
const ADP_STOPPED_APPLICATION_EXIT: usize = 0x2_0026;
/// The reason code of a run-time error: QEMU exits with status 1 (on any code but the one
/// above).
const ADP_STOPPED_RUN_TIME_ERROR_UNKNOWN: usize = 0x2_0023;

/// Makes the semihosting call `operation` with `parameter`; returns r0 as the host left it.
fn call(operation: usize, parameter: usize) -> usize {
    let mut result = operation;
    // SAFETY: on M-profile cores, `bkpt 0xab` with the operation in r0 and its parameter in r1
    // is the semihosting call. The host reads only what the operation names (for SYS_WRITE0 the
    // NUL-terminated string at r1, which the caller keeps alive across the call) and writes
    // only r0.
    unsafe {
        core::arch::asm!(
            "bkpt #0xab",
            inout("r0") result,
            in("r1") parameter,
            options(nostack, preserves_flags),
        );
    }
    result
}

/// Ends the program: QEMU exits with status 0 if `success`, otherwise 1.
pub fn exit(success: bool) -> ! {
    let reason = if success {
        ADP_STOPPED_APPLICATION_EXIT
    } else {
        ADP_STOPPED_RUN_TIME_ERROR_UNKNOWN
    };
    call(SYS_EXIT, reason);
    // A host that ignores SYS_EXIT leaves the program here.
    loop {
        core::hint::spin_loop();
    }
}

/// Bytes of one line, its NUL included; longer lines go out in pieces.
const LINE: usize = 128;

/// The host's standard output: text is gathered into a line and sent at each newline, when the
/// line is full, and when the console is dropped.
pub struct Console {
    line: [u8; LINE],
    len: usize,
}

impl Console {
    /// An empty console.
    pub const fn new() -> Self {
        Self {
            line: [0; LINE],
            len: 0,
        }
    }

    /// Sends what has been gathered.
    pub fn flush(&mut self) {
        if self.len == 0 {
            return;
        }
        if let Some(end) = self.line.get_mut(self.len) {
            *end = 0;
        }
        call(SYS_WRITE0, self.line.as_ptr() as usize);
        self.len = 0;
    }
}

impl Default for Console {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Write for Console {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for &byte in text.as_bytes() {
            // A NUL would end SYS_WRITE0's string early.
            let byte = if byte == 0 { b'?' } else { byte };
            if let Some(slot) = self.line.get_mut(self.len) {
                *slot = byte;
                self.len += 1;
            }
            if byte == b'\n' || self.len >= LINE - 1 {
                self.flush();
            }
        }
        Ok(())
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        self.flush();
    }
}
