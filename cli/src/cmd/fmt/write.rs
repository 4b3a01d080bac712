//! Reading and replacing one `.air` file without following anything a
//! repository may have planted: the read refuses links and never blocks on
//! a FIFO; the new text goes to a fresh temporary created exclusively
//! (`O_CREAT | O_EXCL`, random name) in the file's own folder, takes the
//! file's mode, and is renamed over the file.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

/// Files bigger than this are not formatted (as the compiler's disk source).
const MAX_FILE_BYTES: u64 = air_reconciler::disk::MAX_FILE_BYTES;

/// Why a file was left alone or could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Not something `air fmt` formats (skipped with a note).
    #[error("{0}")]
    Skip(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Open `real` (a canonical path) only if it is a regular file, and read it.
pub fn read_regular(real: &Path) -> Result<(String, std::fs::Permissions), FileError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO swapped in after the walk returns at
        // once instead of waiting for a writer; O_NOFOLLOW: no link either.
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let mut file = options.open(real)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(FileError::Skip("not a regular file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(FileError::Skip(format!(
            "{} bytes, over the limit of {MAX_FILE_BYTES}",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    Read::by_ref(&mut file)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not valid UTF-8"))?;
    Ok((text, meta.permissions()))
}

/// Replace `real` with `text`, keeping its permissions. An interrupted run
/// leaves either the old file or the new one, never half of one.
pub fn replace(real: &Path, text: &str, mode: std::fs::Permissions) -> std::io::Result<()> {
    let dir = real.parent().unwrap_or(Path::new("."));
    let name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A hidden name: the walk skips it if a run is interrupted.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".fmt-tmp")
        .tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    let file: &File = tmp.as_file();
    file.set_permissions(mode)?;
    file.sync_all()?;
    tmp.persist(real).map_err(|e| e.error)?;
    Ok(())
}
