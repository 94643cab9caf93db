//! A per-profile lock file, so two processes running `up` (or `down`) for one profile at once
//! take turns instead of both starting a broker.

use std::fs::File;

use super::error::{Error, Result};
use super::layout::{ProfileLayout, kafka_dir};

/// Holds the profile's lock until dropped.
#[derive(Debug)]
pub(crate) struct ProfileLock {
    _file: File,
}

impl ProfileLock {
    /// Waits for and takes the exclusive lock of `layout`'s profile.
    pub(crate) fn acquire(layout: &ProfileLayout) -> Result<Self> {
        let dir = kafka_dir();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
        let path = layout.lock_file();
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io("opening", &path, e))?;
        file.lock().map_err(|e| Error::io("locking", &path, e))?;
        Ok(Self { _file: file })
    }
}
