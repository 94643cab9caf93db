//! `cargo xtask size [--release]`: builds the bare-metal link checks (`examples/bare-metal`) for
//! `thumbv7em-none-eabihf` and prints the text, data and bss sizes of each program: the record
//! batch round trip and the embedded client's produce-and-fetch example. The client is built
//! four ways: as the package's config sets it up (`--cfg franzl_flexible_only`) with SASL PLAIN
//! only (no SCRAM features) and without `gzip`, the configuration its flash goal (48 KiB)
//! counts; the same with every SASL mechanism (SCRAM-SHA-256 and SCRAM-SHA-512); that one
//! speaking every protocol version; and with every mechanism and gzip. The client over TLS 1.3
//! (`franzl-tls-client`, with every mechanism) is built too, and what TLS adds in flash and RAM
//! printed (no ceiling holds it); its build compiles the device program of the embedded client's
//! docs too (the package's `device` feature: embassy-net and embedded-tls). A release build fails
//! when the first or the second outgrows its ceiling (48 KiB each).
//!
//! The sizes come from the ELF section headers, read here, with Berkeley `size` accounting:
//! text is every allocated read-only section (code, vector table, constants), data every
//! allocated writable section with contents, bss every allocated section without contents. So no
//! binutils for ARM are needed.

use std::path::Path;
use std::process::Command;

use crate::workspace;

/// The bare-metal target the programs build for.
pub(crate) const TARGET: &str = "thumbv7em-none-eabihf";
const PACKAGE: &str = "franzl-bare-metal";
/// The package's programs, by binary name.
const PROGRAMS: [&str; 2] = ["franzl-bare-metal", CLIENT];
/// The embedded client's produce-and-fetch program.
const CLIENT: &str = "franzl-embedded-client";
/// The same over TLS 1.3 (embedded-tls), built with [`TLS_FEATURES`].
const TLS_CLIENT: &str = "franzl-tls-client";
/// The TLS program's build: the docs' device program (`device`, whose TLS provider it uses, so
/// that program compiles for the target in this build too), and both SCRAM mechanisms, like the second build of [`CLIENT`], so the difference between the two is what
/// TLS adds.
const TLS_FEATURES: &str = "device,scram-sha256,scram-sha512";

/// Section sizes in Berkeley `size` accounting.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sizes {
    pub(crate) text: u64,
    pub(crate) data: u64,
    pub(crate) bss: u64,
}

const SHT_NOBITS: u32 = 8;
const SHF_WRITE: u64 = 0x1;
const SHF_ALLOC: u64 = 0x2;

fn bytes<const N: usize>(elf: &[u8], at: u64) -> Result<[u8; N], String> {
    let at = usize::try_from(at).map_err(|_| "ELF offset out of range".to_string())?;
    elf.get(at..at + N)
        .and_then(|slice| slice.try_into().ok())
        .ok_or_else(|| format!("ELF truncated at byte {at}"))
}

/// Reads the section headers of a little-endian ELF (32- or 64-bit) and adds up the sizes.
pub(crate) fn section_sizes(elf: &[u8]) -> Result<Sizes, String> {
    if elf.get(..4) != Some(b"\x7fELF") {
        return Err("not an ELF file".into());
    }
    let is_64 = match elf.get(4) {
        Some(1) => false,
        Some(2) => true,
        _ => return Err("unknown ELF class".into()),
    };
    if elf.get(5) != Some(&1) {
        return Err("only little-endian ELF files are supported".into());
    }
    let u16_at = |at: u64| bytes::<2>(elf, at).map(u16::from_le_bytes);
    let u32_at = |at: u64| bytes::<4>(elf, at).map(u32::from_le_bytes);
    let u64_at = |at: u64| bytes::<8>(elf, at).map(u64::from_le_bytes);
    // Word-sized fields are 4 bytes in ELF32 and 8 in ELF64.
    let word_at = |at: u64| {
        if is_64 {
            u64_at(at)
        } else {
            u32_at(at).map(u64::from)
        }
    };
    let (shoff, shentsize, shnum) = if is_64 {
        (u64_at(0x28)?, u16_at(0x3A)?, u16_at(0x3C)?)
    } else {
        (u64::from(u32_at(0x20)?), u16_at(0x2E)?, u16_at(0x30)?)
    };
    let (flags_at, size_at) = if is_64 { (8, 32) } else { (8, 20) };
    let mut sizes = Sizes::default();
    for index in 0..u64::from(shnum) {
        let header = shoff + index * u64::from(shentsize);
        let kind = u32_at(header + 4)?;
        let flags = word_at(header + flags_at)?;
        let size = word_at(header + size_at)?;
        if flags & SHF_ALLOC == 0 {
            continue;
        }
        if kind == SHT_NOBITS {
            sizes.bss += size;
        } else if flags & SHF_WRITE != 0 {
            sizes.data += size;
        } else {
            sizes.text += size;
        }
    }
    Ok(sizes)
}

/// The step of `cargo xtask test`: builds the bare-metal programs optimised for size, as they
/// would ship, prints their sizes, and checks the client's flash against its ceiling.
///
/// # Errors
/// The build fails (a stray allocation fails the link), a program cannot be read, or the
/// client outgrew its ceiling.
pub fn bare_metal_size_report() -> Result<(), String> {
    build_and_report(true)
}

/// `cargo xtask size [--release]`: builds the bare-metal programs and prints their sizes.
///
/// # Errors
/// Bad arguments, or as [`bare_metal_size_report`].
pub fn run(args: &[String]) -> Result<(), String> {
    let release = match args {
        [] => false,
        [flag] if flag == "--release" => true,
        _ => return Err("usage: cargo xtask size [--release]".into()),
    };
    build_and_report(release)
}

/// The ceiling of the embedded client's flash (text), as the package's config builds it without
/// features (SASL PLAIN only, no gzip): the goal of a produce-and-fetch client in 48 KiB, now
/// met, so that growth past it fails `cargo xtask test` instead of going unnoticed.
const PLAIN_CEILING: Ceiling = Ceiling {
    kib: 48,
    build: "SASL PLAIN only, no gzip",
};

/// The ceiling of the same client with both SCRAM mechanisms: 48 KiB like the PLAIN build, the
/// goal of issue 17, met (47,196 B), so that SCRAM's growth past it fails too.
const SCRAM_CEILING: Ceiling = Ceiling {
    kib: 48,
    build: "SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, no gzip",
};

/// A flash ceiling of one build of the client.
struct Ceiling {
    kib: u64,
    /// The build, as the report names it.
    build: &'static str,
}

/// The package's features that link both SCRAM mechanisms.
const EVERY_MECHANISM: &str = "scram-sha256,scram-sha512";
/// The same with gzip inflation.
const EVERY_MECHANISM_AND_GZIP: &str = "scram-sha256,scram-sha512,gzip";

/// The rustflags of `examples/bare-metal/.cargo/config.toml` less `--cfg franzl_flexible_only`
/// (its only flag, so none): the client that speaks every protocol version, measured for
/// comparison. Set, even empty, the variable replaces the config file's flags.
const EVERY_VERSION_RUSTFLAGS: &str = "";

fn build_and_report(release: bool) -> Result<(), String> {
    let profile = if release { "release" } else { "debug" };
    let target_dir = workspace::target_dir().join("bare-metal");
    // Other rustflags rebuild everything, so that build keeps its own folder.
    let every_version_dir = target_dir.join("every-version");
    let elf = |dir: &Path, program: &str| dir.join(TARGET).join(profile).join(program);
    println!("   text    data     bss     dec     hex filename");
    // The client as the flash goal counts it: the package's config (flexible versions only),
    // SASL PLAIN only, without gzip.
    build(release, &[], None, &target_dir)?;
    let plain = print_sizes(&elf(&target_dir, CLIENT), " (SASL PLAIN only)")?;
    let every_mechanism = ["--features", EVERY_MECHANISM];
    build(release, &every_mechanism, None, &target_dir)?;
    let scram = print_sizes(
        &elf(&target_dir, CLIENT),
        " (features: scram-sha256, scram-sha512)",
    )?;
    build(
        release,
        &every_mechanism,
        Some(EVERY_VERSION_RUSTFLAGS),
        &every_version_dir,
    )?;
    print_sizes(
        &elf(&every_version_dir, CLIENT),
        " (features: scram-sha256, scram-sha512; every protocol version)",
    )?;
    build(
        release,
        &["--features", EVERY_MECHANISM_AND_GZIP],
        None,
        &target_dir,
    )?;
    for program in PROGRAMS {
        print_sizes(
            &elf(&target_dir, program),
            " (features: scram-sha256, scram-sha512, gzip)",
        )?;
    }
    build(release, &["--features", TLS_FEATURES], None, &target_dir)?;
    let tls = print_sizes(
        &elf(&target_dir, TLS_CLIENT),
        " (features: device, scram-sha256, scram-sha512)",
    )?;
    println!("{}", tls_cost(&scram, &tls));
    if release {
        // Both are checked and reported before either fails the step.
        let checks = [
            check_client(plain.text, &PLAIN_CEILING),
            check_client(scram.text, &SCRAM_CEILING),
        ];
        for check in &checks {
            match check {
                Ok(line) | Err(line) => println!("{line}"),
            }
        }
        for check in checks {
            check?;
        }
    }
    Ok(())
}

/// The line that reports a release build of the client (flexible versions only, without gzip)
/// under its ceiling, or the error when it outgrew it.
fn check_client(text: u64, ceiling: &Ceiling) -> Result<String, String> {
    let Ceiling { kib, build } = ceiling;
    if text > kib << 10 {
        return Err(format!(
            "{CLIENT} ({build}) takes {text} bytes of flash, more than its ceiling of {kib} KiB"
        ));
    }
    Ok(format!(
        "{CLIENT}: {text} bytes of flash ({build}), under its ceiling of {kib} KiB"
    ))
}

/// What TLS adds to the client with both SCRAM mechanisms: flash, and RAM in statics (the
/// program keeps its record buffers there); the session's state is on the stack besides.
fn tls_cost(scram: &Sizes, tls: &Sizes) -> String {
    let flash = tls.text.saturating_sub(scram.text);
    let ram = (tls.data + tls.bss).saturating_sub(scram.data + scram.bss);
    format!(
        "{TLS_CLIENT}: TLS 1.3 (embedded-tls, franzl-core's verifier over its rustpki chain check) adds {flash} bytes of flash and \
         {ram} bytes of RAM (the read and write record buffers) to {CLIENT} with SCRAM, plus \
         its session state on the stack (under 1.5 KiB, checked when the program builds)"
    )
}

/// Builds the package with `features`, and with `rustflags` instead of its config's if given.
pub(crate) fn build(
    release: bool,
    features: &[&str],
    rustflags: Option<&str>,
    target_dir: &Path,
) -> Result<(), String> {
    let root = workspace::root();
    let manifest = root.join("examples/bare-metal/Cargo.toml");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    // From the package's folder, so that its `.cargo/config.toml` applies.
    build
        .current_dir(root.join("examples/bare-metal"))
        .arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .args(["--target", TARGET])
        .arg("--target-dir")
        .arg(target_dir)
        .args(features);
    if let Some(flags) = rustflags {
        // RUSTFLAGS replaces the config file's flags (a target's flags from the environment
        // would be merged with them); with --target, it reaches no build script.
        build.env("RUSTFLAGS", flags);
    }
    if release {
        build.arg("--release");
    }
    let status = build
        .status()
        .map_err(|error| format!("running cargo: {error}"))?;
    if !status.success() {
        return Err(format!("building {PACKAGE} {features:?} failed ({status})"));
    }
    Ok(())
}

fn print_sizes(elf_path: &Path, note: &str) -> Result<Sizes, String> {
    let elf = std::fs::read(elf_path)
        .map_err(|error| format!("reading {}: {error}", elf_path.display()))?;
    let sizes = section_sizes(&elf)?;
    let total = sizes.text + sizes.data + sizes.bss;
    println!(
        "{:>7} {:>7} {:>7} {:>7} {:>7x} {}{note}",
        sizes.text,
        sizes.data,
        sizes.bss,
        total,
        total,
        elf_path.display()
    );
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ELF32 with four section headers: null, .text (alloc+exec, 0x100),
    /// .data (alloc+write, 0x20), .bss (alloc+write, nobits, 0x40), and a non-alloc .comment.
    fn elf32() -> Vec<u8> {
        let mut elf = vec![0u8; 52];
        elf[..6].copy_from_slice(b"\x7fELF\x01\x01");
        elf[0x20..0x24].copy_from_slice(&52u32.to_le_bytes()); // e_shoff
        elf[0x2E..0x30].copy_from_slice(&40u16.to_le_bytes()); // e_shentsize
        elf[0x30..0x32].copy_from_slice(&5u16.to_le_bytes()); // e_shnum
        let sections: [(u32, u32, u32); 5] = [
            (0, 0, 0),
            (1, 0x6, 0x100), // PROGBITS, ALLOC | EXECINSTR
            (1, 0x3, 0x20),  // PROGBITS, ALLOC | WRITE
            (8, 0x3, 0x40),  // NOBITS, ALLOC | WRITE
            (1, 0x30, 0x99), // PROGBITS, MERGE | STRINGS, not allocated
        ];
        for (kind, flags, size) in sections {
            let mut header = [0u8; 40];
            header[4..8].copy_from_slice(&kind.to_le_bytes());
            header[8..12].copy_from_slice(&flags.to_le_bytes());
            header[20..24].copy_from_slice(&size.to_le_bytes());
            elf.extend_from_slice(&header);
        }
        elf
    }

    #[test]
    fn berkeley_accounting() {
        assert_eq!(
            section_sizes(&elf32()),
            Ok(Sizes {
                text: 0x100,
                data: 0x20,
                bss: 0x40
            })
        );
    }

    #[test]
    fn a_client_over_its_ceiling_fails() {
        let ceiling = Ceiling {
            kib: 48,
            build: "test",
        };
        assert!(check_client(48 << 10, &ceiling).is_ok());
        assert!(check_client(40_000, &ceiling).is_ok());
        let error = check_client((48 << 10) + 1, &ceiling).unwrap_err();
        assert!(
            error.contains("49153 bytes") && error.contains("48 KiB"),
            "{error}"
        );
        // Both builds are held to 48 KiB.
        for ceiling in [&PLAIN_CEILING, &SCRAM_CEILING] {
            assert!(check_client(48 << 10, ceiling).is_ok());
            assert!(check_client((48 << 10) + 1, ceiling).is_err());
        }
    }

    #[test]
    fn tls_cost_is_the_difference_to_the_scram_build() {
        let scram = Sizes {
            text: 50_000,
            data: 8,
            bss: 100,
        };
        let tls = Sizes {
            text: 90_000,
            data: 16,
            bss: 18_792,
        };
        let line = tls_cost(&scram, &tls);
        assert!(
            line.contains("adds 40000 bytes of flash and 18700 bytes of RAM"),
            "{line}"
        );
    }

    #[test]
    fn bad_files() {
        assert!(section_sizes(b"").is_err());
        assert!(section_sizes(b"\x7fELF\x03\x01").is_err());
        let mut truncated = elf32();
        truncated.truncate(100);
        assert!(section_sizes(&truncated).is_err());
    }

    #[test]
    fn reads_this_test_binary() {
        // The running test is a 64-bit little-endian ELF on the Linux hosts we build on.
        if let Ok(elf) = std::fs::read("/proc/self/exe")
            && elf.get(4) == Some(&2)
            && elf.get(5) == Some(&1)
        {
            let sizes = section_sizes(&elf).unwrap();
            assert!(sizes.text > 0);
        }
    }
}
