//! Small `memcpy`, `memmove`, `memset` and `memcmp` (and the ARM EABI entry points the compiler calls),
//! in place of `compiler_builtins`' versions, which are unrolled for speed: about 4 KiB of
//! flash against a few hundred bytes here.
//!
//! A word at a time when the addresses and the length allow, else a byte at a time. The
//! accesses are volatile so that the compiler cannot recognise the loops as copies and call
//! these very functions from them, and the functions call each other only through private
//! names, for the same reason. Slower than the built-ins on long copies; the programs copy
//! a few KiB per request at most.
//!
//! Contract (C's): `memcpy`'s regions do not overlap, `memmove`'s may; every pointer is valid
//! for its length. Each function is `unsafe` for that reason.

use core::ptr::{read_volatile, write_volatile};

/// Whether `n` bytes at `a` and `b` can be moved as whole words.
fn word_aligned(a: usize, b: usize, n: usize) -> bool {
    (a | b | n) & 3 == 0
}

/// Copies `n` bytes from `src` to `dest`, upwards.
///
/// # Safety
/// As `memmove`, and a region that overlaps must have `dest` below `src`.
unsafe fn copy_up(dest: *mut u8, src: *const u8, n: usize) {
    let mut i = 0;
    if word_aligned(dest as usize, src as usize, n) {
        while i < n {
            // SAFETY: both are word-aligned and valid for `n` bytes, `i + 4 <= n`.
            unsafe {
                let word = read_volatile(src.add(i).cast::<u32>());
                write_volatile(dest.add(i).cast::<u32>(), word);
            }
            i += 4;
        }
    } else {
        while i < n {
            // SAFETY: both are valid for `n` bytes.
            unsafe { write_volatile(dest.add(i), read_volatile(src.add(i))) };
            i += 1;
        }
    }
}

/// Copies `n` bytes from `src` to `dest`, downwards (for `dest` above `src`).
///
/// # Safety
/// As `memmove`.
unsafe fn copy_down(dest: *mut u8, src: *const u8, n: usize) {
    let mut i = n;
    while i > 0 {
        i -= 1;
        // SAFETY: both are valid for `n` bytes, `i < n`.
        unsafe { write_volatile(dest.add(i), read_volatile(src.add(i))) };
    }
}

/// Fills `n` bytes at `dest` with `byte`.
///
/// # Safety
/// `dest` is valid for `n` bytes.
unsafe fn fill(dest: *mut u8, byte: u8, n: usize) {
    let mut i = 0;
    if word_aligned(dest as usize, 0, n) {
        let word = u32::from_ne_bytes([byte; 4]);
        while i < n {
            // SAFETY: word-aligned and valid for `n` bytes, `i + 4 <= n`.
            unsafe { write_volatile(dest.add(i).cast::<u32>(), word) };
            i += 4;
        }
    } else {
        while i < n {
            // SAFETY: valid for `n` bytes.
            unsafe { write_volatile(dest.add(i), byte) };
            i += 1;
        }
    }
}

/// C's `memcpy`.
///
/// # Safety
/// `dest` and `src` are valid for `n` bytes and do not overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract.
    unsafe { copy_up(dest, src, n) };
    dest
}

/// C's `memmove`.
///
/// # Safety
/// `dest` and `src` are valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract.
    unsafe { move_bytes(dest, src, n) };
    dest
}

/// `memmove`'s work, under a name the compiler does not know: a call to `memmove` itself from
/// the EABI entry point would be turned back into a call to that entry point.
///
/// # Safety
/// As `memmove`.
unsafe fn move_bytes(dest: *mut u8, src: *const u8, n: usize) {
    if (dest as usize) <= (src as usize) {
        // SAFETY: the caller's contract; upwards is safe with `dest` below `src`.
        unsafe { copy_up(dest, src, n) };
    } else {
        // SAFETY: the caller's contract.
        unsafe { copy_down(dest, src, n) };
    }
}

/// C's `memset` (the low byte of `c`).
///
/// # Safety
/// `dest` is valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    // SAFETY: the caller's contract.
    unsafe { fill(dest, c as u8, n) };
    dest
}

/// C's `memcmp`: the difference of the first differing bytes, or 0.
///
/// # Safety
/// `a` and `b` are valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: both are valid for `n` bytes, `i < n`.
        let (x, y) = unsafe { (read_volatile(a.add(i)), read_volatile(b.add(i))) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// The ARM EABI's entry points (RTABI §4.3.4): `memcpy` and `memmove` with their arguments,
/// `memset` with the length before the byte, `memclr` without the byte; the `4` and `8`
/// variants promise that much alignment, which the word loop checks for itself.
mod aeabi {
    use super::{copy_up, fill, move_bytes};

    /// Defines each name as an entry point with these parameters that runs `body`.
    macro_rules! entry_points {
        ($what:literal $params:tt => $body:expr; $($name:ident),*) => {$(
            #[doc = $what]
            ///
            /// # Safety
            /// As the C function.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn $name $params {
                // SAFETY: the caller's contract.
                unsafe { $body };
            }
        )*};
    }
    entry_points!("The EABI's `memcpy`." (dest: *mut u8, src: *const u8, n: usize)
        => copy_up(dest, src, n); __aeabi_memcpy, __aeabi_memcpy4, __aeabi_memcpy8);
    entry_points!("The EABI's `memmove`." (dest: *mut u8, src: *const u8, n: usize)
        => move_bytes(dest, src, n); __aeabi_memmove, __aeabi_memmove4, __aeabi_memmove8);
    entry_points!("The EABI's `memset`: the length before the byte." (dest: *mut u8, n: usize, c: i32)
        => fill(dest, c as u8, n); __aeabi_memset, __aeabi_memset4, __aeabi_memset8);
    entry_points!("The EABI's `memclr`: `memset` with zero." (dest: *mut u8, n: usize)
        => fill(dest, 0, n); __aeabi_memclr, __aeabi_memclr4, __aeabi_memclr8);
}
