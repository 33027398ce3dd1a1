//! Permissions of the files that hold the embedded database and its backups: readable by the
//! account that runs Hygeia only (folder 0700, files 0600), since they contain password and
//! token hashes, evidence and the whole map of the organisation's weaknesses.

use std::path::Path;

use crate::error::{Result, StoreError};

fn file_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::File {
        path: path.display().to_string(),
        source,
    }
}

/// Creates the data folder (0700) if it is missing; an existing folder is left as it is (its
/// owner chose it).
pub(crate) fn private_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(file_error(dir))
}

/// Restricts a file to its owner (0600).
pub(crate) fn make_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(file_error(path))?;
    }
    let _ = path;
    Ok(())
}

/// Creates an empty private file; fails if it exists.
pub(crate) fn new_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop).map_err(file_error(path))
}

/// Makes the database file private before SQLite opens it (creating it empty if absent; SQLite
/// gives its `-wal` and `-shm` files the same permissions), and tightens those that exist.
pub(crate) fn private_database(path: &Path) -> Result<()> {
    if !path.exists() {
        new_private_file(path)?;
    }
    make_private(path)?;
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let side = std::path::PathBuf::from(name);
        // SQLite removes these when its last connection closes, possibly between the check
        // and the change: a file gone meanwhile needs no tightening.
        match make_private(&side) {
            Err(StoreError::File { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    Ok(())
}
