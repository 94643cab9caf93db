//! The interrupt part of the vector table: the 32 external interrupts of the board the programs
//! run on (QEMU's `mps2-an386`, whose NVIC has 32 lines), each to cortex-m-rt's
//! `DefaultHandler`.
//!
//! A device program gets this table from its device crate (an svd2rust PAC), sized to its
//! chip's interrupts. Without one, cortex-m-rt would link its generic table of 240 entries
//! (960 bytes of flash); with its `device` feature on, this table takes that place (128 bytes),
//! so the flash figures count what a program on this board carries. The programs enable no
//! interrupt, so no entry is ever taken.

/// The board's external interrupts (`mps2-an386`'s NVIC lines).
const INTERRUPTS: usize = 32;

unsafe extern "C" {
    /// cortex-m-rt's handler for every exception and interrupt without its own (it loops).
    fn DefaultHandler();
}

/// The table cortex-m-rt's `link.x` places after the exceptions (`EXTERN(__INTERRUPTS)` pulls it
/// in from this library).
// SAFETY: the section and symbol name are the ones cortex-m-rt's link.x expects for the device
// interrupts; each entry is a handler the runtime defines.
#[unsafe(link_section = ".vector_table.interrupts")]
#[unsafe(no_mangle)]
static __INTERRUPTS: [unsafe extern "C" fn(); INTERRUPTS] = [DefaultHandler; INTERRUPTS];
