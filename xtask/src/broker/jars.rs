//! The Apache Kafka jars: copied from Maven Central by `mvn dependency:copy-dependencies` into a
//! cache shared by every checkout on the machine.
//!
//! The cache is `$FRANZL_KAFKA_CACHE`, or `~/.cache/franzl/kafka-<version>/lib` with the version
//! pinned in `xtask/kafka/pom.xml`. Maven writes into a temporary sibling folder that is renamed
//! into place only when complete, so an interrupted download is never taken for a cache.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, PoisonError};

use super::error::{Error, Result};
use crate::workspace;

/// The pinned Kafka version, read from `xtask/kafka/pom.xml`.
///
/// # Errors
///
/// The pom cannot be read or has no `<kafka.version>`.
pub fn kafka_version() -> Result<String> {
    let pom = pom_path();
    let text = std::fs::read_to_string(&pom).map_err(|e| Error::io("reading", &pom, e))?;
    let version = text
        .split_once("<kafka.version>")
        .and_then(|(_, rest)| rest.split_once("</kafka.version>"))
        .map(|(version, _)| version.trim().to_string())
        .filter(|version| !version.is_empty());
    version.ok_or_else(|| Error::new(format!("{} has no <kafka.version>", pom.display())))
}

/// The folder the jars are cached in (it may not exist yet).
///
/// # Errors
///
/// Neither `FRANZL_KAFKA_CACHE` nor `HOME` is set, or the version cannot be read.
pub fn cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("FRANZL_KAFKA_CACHE") {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME")
        .ok_or_else(|| Error::new("neither FRANZL_KAFKA_CACHE nor HOME is set"))?;
    let version = kafka_version()?;
    Ok(PathBuf::from(home).join(format!(".cache/franzl/kafka-{version}/lib")))
}

/// The jar folder, downloaded first if the cache is empty.
///
/// # Errors
///
/// Maven is missing or fails (no network, unknown version), or the cache cannot be written.
pub fn ensure_jars() -> Result<PathBuf> {
    // Threads of one process (parallel tests) share a PID, hence a temporary folder: one at a
    // time. Other processes use folders of their own, and the first complete rename wins.
    static DOWNLOAD: Mutex<()> = Mutex::new(());
    let _turn = DOWNLOAD.lock().unwrap_or_else(PoisonError::into_inner);
    let lib = cache_dir()?;
    if lib.is_dir() {
        return Ok(lib);
    }
    let parent = lib.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io("creating", parent, e))?;
    let partial = PathBuf::from(format!("{}.partial-{}", lib.display(), std::process::id()));
    let _ = std::fs::remove_dir_all(&partial);
    eprintln!("xtask: fetching Apache Kafka jars into {}", lib.display());
    let status = Command::new("mvn")
        .args(["-q", "-B", "-Dstyle.color=never", "-f"])
        .arg(pom_path())
        .args(["dependency:copy-dependencies", "-DincludeScope=runtime"])
        .arg(format!("-DoutputDirectory={}", partial.display()))
        // Our stdout carries a tool's output or the bootstrap address: Maven's goes to stderr.
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| Error::new(format!("cannot run mvn (is Maven installed?): {e}")))?;
    if !status.success() {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(Error::new(format!(
            "mvn failed ({status}) fetching the Kafka jars"
        )));
    }
    // Another process may have completed the same download meanwhile: its copy is as good.
    if let Err(error) = std::fs::rename(&partial, &lib) {
        let _ = std::fs::remove_dir_all(&partial);
        if !lib.is_dir() {
            return Err(Error::io("renaming the jar download to", &lib, error));
        }
    }
    Ok(lib)
}

/// The Java class path for the jars in `lib`.
pub(crate) fn class_path(lib: &Path) -> String {
    format!("{}/*", lib.display())
}

fn pom_path() -> PathBuf {
    workspace::root().join("xtask/kafka/pom.xml")
}
