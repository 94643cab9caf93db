//! Puts `memory.x` (and an empty `device.x`) where cortex-m-rt's `link.x` finds them, and links
//! with `link.x`.

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::copy("memory.x", out.join("memory.x")).expect("memory.x is beside Cargo.toml");
    // cortex-m-rt's `device` feature includes `device.x`, where a device crate names its
    // interrupt handlers; the table here (src/vectors.rs) points every entry at the default.
    std::fs::write(out.join("device.x"), "").expect("OUT_DIR is writable");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg=-Tlink.x");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
}
