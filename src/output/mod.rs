//! Output: CSV writers, charts and `trace.json`. Exporters return bytes; `write_atomic`
//! puts them on disk whole (a temporary name, then a rename), and only under the output
//! folder.

pub mod charts;
pub mod csv;
pub mod recommend;
pub mod trace;

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `dir/name` atomically: a failed run never leaves half a file.
/// `name` must be a plain file name (no separators), so nothing lands outside `dir`.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("not a plain file name: {name}"),
        ));
    }
    std::fs::create_dir_all(dir)?;
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_files_and_refuses_paths() {
        let d = tempfile::tempdir().unwrap();
        write_atomic(d.path(), "a.csv", b"one").unwrap();
        write_atomic(d.path(), "a.csv", b"two").unwrap();
        assert_eq!(std::fs::read(d.path().join("a.csv")).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(d.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
        assert!(write_atomic(d.path(), "../x.csv", b"x").is_err());
    }
}
