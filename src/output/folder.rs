//! A scenario's output folder written as one unit: locked against a second writer, built
//! in a temporary sibling folder, and swapped in whole, so a reader sees the old folder or
//! the new one, never a mix. An interrupted run removes what it staged.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a staged folder's temporary sibling is called: `.<name><STAGING><6 random>`.
const STAGING: &str = ".lambdasim-tmp-";

/// Temporary folders and files to remove if the process is interrupted.
static STAGED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Why a folder could not be staged.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// Another process holds the folder's lock.
    #[error(
        "another lambdasim run is writing {dir} (it holds {lock}); wait for it to finish, or write elsewhere with --out"
    )]
    Busy {
        /// The folder.
        dir: PathBuf,
        /// Its lock file.
        lock: PathBuf,
    },
    /// The file system refused.
    #[error("cannot write {path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> StageError + '_ {
    move |source| StageError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A scenario's output folder being written: files go to a temporary sibling until
/// [`Staged::commit`] swaps it in. Dropped without a commit, it removes what it wrote.
#[derive(Debug)]
pub struct Staged {
    dir: PathBuf,
    tmp: PathBuf,
    // Held until the folder is committed or abandoned; the OS releases it if we die.
    _lock: File,
    committed: bool,
    /// Parts written so far, by file name and key: see [`Staged::write_part`].
    parts: Mutex<Vec<(String, Part, PathBuf)>>,
}

/// What orders the parts of a file: the run's scenario (variant) and replication.
pub type Part = (usize, u32);

/// Where parts wait to be joined, inside the staged folder.
const PARTS: &str = ".parts";

impl Staged {
    /// Locks `dir` (through `.<name>.lock` beside it), removes what a killed run left
    /// staged there, and creates the temporary sibling to write into.
    pub fn begin(dir: &Path) -> Result<Staged, StageError> {
        let (parent, name) = split(dir).map_err(io_at(dir))?;
        std::fs::create_dir_all(&parent).map_err(io_at(&parent))?;
        let lock_path = parent.join(format!(".{name}.lock"));
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_at(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StageError::Busy {
                    dir: dir.to_path_buf(),
                    lock: lock_path,
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io_at(&lock_path)(e)),
        }
        // With the lock held, any staging folder of this name belongs to a dead run.
        remove_stale(&parent, &name);
        let mut registry = STAGED.lock().unwrap_or_else(|p| p.into_inner());
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}{STAGING}"))
            .rand_bytes(6)
            .tempdir_in(&parent)
            .map_err(io_at(&parent))?
            .keep();
        registry.push(tmp.clone());
        Ok(Staged {
            dir: dir.to_path_buf(),
            tmp,
            _lock: lock,
            committed: false,
            parts: Mutex::new(Vec::new()),
        })
    }

    /// The folder this will become.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` as `name` in the staged folder; returns the path it will have once
    /// committed. `name` must be a plain file name.
    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
        plain(name)?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.tmp.join(name))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        Ok(self.dir.join(name))
    }

    /// Writes part `key` of the file `name` through `write`, buffered, to be joined in key
    /// order by [`Staged::join`]: finished runs write their rows as they end, in whatever
    /// order, and nothing holds them all in memory.
    pub fn write_part(
        &self,
        name: &str,
        key: Part,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        plain(name)?;
        let dir = self.tmp.join(PARTS).join(name);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}-{}", key.0, key.1));
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        let mut w = io::BufWriter::new(f);
        write(&mut w)?;
        w.flush()?;
        let mut parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
        parts.push((name.to_string(), key, path));
        Ok(())
    }

    /// How many parts of `name` have been written.
    pub fn parts(&self, name: &str) -> usize {
        let parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
        parts.iter().filter(|(n, ..)| n == name).count()
    }

    /// Writes the file `name`: `head`, then its parts in key order, copied through a
    /// small buffer; the parts are removed. Returns the path it will have once committed.
    pub fn join(&self, name: &str, head: &[u8]) -> io::Result<PathBuf> {
        plain(name)?;
        let mine: Vec<(Part, PathBuf)> = {
            let mut parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
            let (mine, rest) = std::mem::take(&mut *parts)
                .into_iter()
                .partition(|(n, ..)| n == name);
            *parts = rest;
            let mut mine: Vec<(Part, PathBuf)> = mine.into_iter().map(|(_, k, p)| (k, p)).collect();
            mine.sort_unstable_by_key(|&(k, _)| k);
            mine
        };
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(self.tmp.join(name))?;
        let mut w = io::BufWriter::new(f);
        w.write_all(head)?;
        for (_, path) in &mine {
            io::copy(&mut File::open(path)?, &mut w)?;
            std::fs::remove_file(path)?;
        }
        w.into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_all()?;
        let _ = std::fs::remove_dir(self.tmp.join(PARTS).join(name));
        Ok(self.dir.join(name))
    }

    /// Swaps the staged folder in for the old one (atomically where the system can
    /// exchange two names, Linux), then removes the old one.
    pub fn commit(mut self) -> Result<(), StageError> {
        // Parts never joined (none, when every file was written) are not outputs.
        let parts = self.tmp.join(PARTS);
        if parts.exists() {
            std::fs::remove_dir_all(&parts).map_err(io_at(&parts))?;
        }
        let mut registry = STAGED.lock().unwrap_or_else(|p| p.into_inner());
        swap_in(&self.tmp, &self.dir).map_err(io_at(&self.dir))?;
        // `tmp` now holds the old folder, if there was one.
        let _ = std::fs::remove_dir_all(&self.tmp);
        registry.retain(|p| p != &self.tmp);
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let mut registry = STAGED.lock().unwrap_or_else(|p| p.into_inner());
            let _ = std::fs::remove_dir_all(&self.tmp);
            registry.retain(|p| p != &self.tmp);
        }
    }
}

/// Puts `from` at `to`: an exchange when `to` is a folder already (so `from` then holds
/// the old one), a rename otherwise.
fn swap_in(from: &Path, to: &Path) -> io::Result<()> {
    match std::fs::symlink_metadata(to) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => std::fs::rename(from, to),
        Err(e) => Err(e),
        Ok(m) if !m.is_dir() => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "it exists and is not a folder",
        )),
        Ok(_) => exchange(from, to),
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        // A file system without RENAME_EXCHANGE: two renames instead.
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => exchange_by_renames(a, b),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    exchange_by_renames(a, b)
}

/// The old folder moved aside, the new one put in its place, the old one left at `a`.
/// Between the renames the folder is absent for an instant, never mixed.
fn exchange_by_renames(a: &Path, b: &Path) -> io::Result<()> {
    let aside = PathBuf::from(format!("{}.old", a.display()));
    std::fs::rename(b, &aside)?;
    if let Err(e) = std::fs::rename(a, b) {
        let _ = std::fs::rename(&aside, b);
        return Err(e);
    }
    std::fs::rename(&aside, a)
}

/// The parent folder and the last name of `dir`.
fn split(dir: &Path) -> io::Result<(PathBuf, String)> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a folder name"))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name.to_string()))
}

/// Removes the staging folders of `name` under `parent` (a killed run's).
fn remove_stale(parent: &Path, name: &str) {
    let prefix = format!(".{name}{STAGING}");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let rest = rest.strip_suffix(".old").unwrap_or(rest);
        let ours = rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric());
        if ours && e.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn plain(name: &str) -> io::Result<()> {
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a plain file name: {name}"),
        ));
    }
    Ok(())
}

/// Writes `bytes` to `dir/name` whole: a randomly named temporary file created new
/// (never through a link planted in its place), then renamed over the target. `name` must
/// be a plain file name, so nothing lands outside `dir`.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    plain(name)?;
    std::fs::create_dir_all(dir)?;
    let target = dir.join(name);
    let mut registry = STAGED.lock().unwrap_or_else(|p| p.into_inner());
    let prefix = format!(".{name}{STAGING}");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).rand_bytes(6);
    // Readable like any file the user creates (tempfile's own default is 0600).
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut f = builder.tempfile_in(dir)?;
    let tmp = f.path().to_path_buf();
    registry.push(tmp.clone());
    drop(registry);
    let result = f
        .write_all(bytes)
        .and_then(|()| f.as_file().sync_all())
        .and_then(|()| f.persist(&target).map(|_| ()).map_err(|e| e.error));
    // On failure the temporary file was removed when `f` (or the error holding it) dropped.
    let mut registry = STAGED.lock().unwrap_or_else(|p| p.into_inner());
    registry.retain(|p| p != &tmp);
    result.map(|()| target)
}

/// Removes everything staged and not yet committed: what an interrupted process does
/// before it exits.
pub fn remove_staged() {
    let registry = STAGED.lock().unwrap_or_else(|p| p.into_inner());
    for p in registry.iter() {
        if p.is_dir() {
            let _ = std::fs::remove_dir_all(p);
        } else {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// On SIGINT or SIGTERM, removes what is staged and exits with 128 + the signal (130,
/// 143), as shells report a process killed by it.
pub fn remove_staged_on_interrupt() -> io::Result<()> {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
        std::thread::Builder::new()
            .name("interrupt".into())
            .spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    remove_staged();
                    std::process::exit(128 + sig);
                }
            })?;
    }
    Ok(())
}

/// Checks, creating nothing, that `dir` can be written: every part of it that exists is
/// a folder, and the deepest one that exists accepts a new file.
pub fn check_writable(dir: &Path) -> Result<(), String> {
    let mut probe = dir.to_path_buf();
    loop {
        match std::fs::metadata(&probe) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => return Err(format!("{} is a file, not a folder", probe.display())),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                if !probe.pop() || probe.as_os_str().is_empty() {
                    probe = PathBuf::from(".");
                    break;
                }
            }
            Err(e) => return Err(format!("cannot read {}: {e}", probe.display())),
        }
    }
    // The output is staged beside the folder: its parent (or the deepest folder that
    // exists) must take a new file. An unnamed temporary file leaves nothing behind.
    let place = if probe == dir {
        split(dir).map(|(p, _)| p).unwrap_or(probe)
    } else {
        probe
    };
    tempfile::tempfile_in(&place)
        .map(|_| ())
        .map_err(|e| format!("cannot write in {}: {e}", place.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_commit_forgets_its_own_staging_folder_and_no_other() {
        // What an interrupt would remove: after `a` commits, `b`'s staging, not `a`'s.
        let root = tempfile::tempdir().unwrap();
        let a = Staged::begin(&root.path().join("a")).unwrap();
        let b = Staged::begin(&root.path().join("b")).unwrap();
        let (ta, tb) = (a.tmp.clone(), b.tmp.clone());
        let staged = || STAGED.lock().unwrap_or_else(|p| p.into_inner()).clone();
        assert!(staged().contains(&ta) && staged().contains(&tb));
        a.commit().unwrap();
        assert!(!staged().contains(&ta));
        assert!(staged().contains(&tb));
        drop(b);
        assert!(!staged().contains(&tb));
        assert!(!tb.exists());
    }

    #[test]
    fn parts_written_in_any_order_are_joined_in_key_order_and_leave_nothing_behind() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("s");
        let s = Staged::begin(&dir).unwrap();
        let text = |t: &'static str| move |w: &mut dyn Write| w.write_all(t.as_bytes());
        s.write_part("t.csv", (1, 0), text("c\n")).unwrap();
        s.write_part("t.csv", (0, 1), text("b\n")).unwrap();
        s.write_part("u.csv", (0, 0), text("x\n")).unwrap();
        s.write_part("t.csv", (0, 0), text("a\n")).unwrap();
        s.write_part("t.csv", (0, 10), text("b10\n")).unwrap();
        s.write_part("t.csv", (0, 2), text("b2\n")).unwrap();
        // A part that was never joined is not an output.
        s.write_part("v.csv", (0, 0), text("gone\n")).unwrap();
        assert_eq!(
            (s.parts("t.csv"), s.parts("u.csv"), s.parts("w.csv")),
            (5, 1, 0)
        );
        assert!(s.write_part("../t.csv", (0, 0), text("")).is_err());
        assert!(
            s.write_part("t.csv", (0, 0), text("again")).is_err(),
            "one part per key"
        );
        assert_eq!(s.join("t.csv", b"h\n").unwrap(), dir.join("t.csv"));
        assert_eq!(s.parts("t.csv"), 0);
        s.join("u.csv", b"").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&dir), ["t.csv", "u.csv"]);
        assert_eq!(
            std::fs::read_to_string(dir.join("t.csv")).unwrap(),
            "h\na\nb\nb2\nb10\nc\n"
        );
        assert_eq!(std::fs::read_to_string(dir.join("u.csv")).unwrap(), "x\n");
        assert_eq!(names(root.path()), [".s.lock", "s"]);
    }

    #[test]
    fn a_committed_folder_replaces_the_old_one_whole() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("s");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("old.csv"), "old").unwrap();
        let st = Staged::begin(&dir).unwrap();
        st.write("new.csv", b"new").unwrap();
        // Until the commit, the old folder is untouched.
        assert_eq!(names(&dir), ["old.csv"]);
        st.commit().unwrap();
        assert_eq!(
            names(&dir),
            ["new.csv"],
            "nothing of the old generation left"
        );
        assert_eq!(
            names(root.path()),
            [".s.lock", "s"],
            "no staging folder left"
        );
    }

    #[test]
    fn an_abandoned_folder_leaves_the_old_one_and_nothing_else() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("s");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("old.csv"), "old").unwrap();
        {
            let st = Staged::begin(&dir).unwrap();
            st.write("new.csv", b"new").unwrap();
        }
        assert_eq!(names(&dir), ["old.csv"]);
        assert_eq!(names(root.path()), [".s.lock", "s"]);
    }

    #[test]
    fn a_second_writer_of_the_same_folder_is_refused_while_the_first_holds_it() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("s");
        let first = Staged::begin(&dir).unwrap();
        let second = Staged::begin(&dir).unwrap_err();
        assert!(matches!(second, StageError::Busy { .. }), "{second}");
        assert!(
            second
                .to_string()
                .contains("another lambdasim run is writing")
        );
        first.commit().unwrap();
        Staged::begin(&dir).unwrap().commit().unwrap();
    }

    #[test]
    fn a_killed_runs_staging_folder_is_removed_by_the_next_run() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("s");
        let stale = root.path().join(format!(".s{STAGING}aB3dE9"));
        std::fs::create_dir(&stale).unwrap();
        std::fs::write(stale.join("summary.csv"), "half").unwrap();
        // Another scenario's staging folder is not touched.
        let other = root.path().join(format!(".t{STAGING}aB3dE9"));
        std::fs::create_dir(&other).unwrap();
        Staged::begin(&dir).unwrap().commit().unwrap();
        assert!(!stale.exists());
        assert!(other.exists());
    }

    #[test]
    fn a_file_planted_at_a_staged_name_is_not_written_through() {
        let root = tempfile::tempdir().unwrap();
        let st = Staged::begin(&root.path().join("s")).unwrap();
        let victim = root.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, st.tmp.join("summary.csv")).unwrap();
        #[cfg(unix)]
        assert!(st.write("summary.csv", b"x").is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(st.write("../x.csv", b"x").is_err());
        assert!(st.write(".hidden", b"x").is_err());
    }

    #[test]
    fn write_file_replaces_whole_files_with_random_temporary_names() {
        let d = tempfile::tempdir().unwrap();
        write_file(d.path(), "a.csv", b"one").unwrap();
        write_file(d.path(), "a.csv", b"two").unwrap();
        assert_eq!(std::fs::read(d.path().join("a.csv")).unwrap(), b"two");
        assert_eq!(names(d.path()), ["a.csv"], "no temporary file left");
        assert!(write_file(d.path(), "../x.csv", b"x").is_err());
        // The old predictable name, planted as a link, is not followed.
        #[cfg(unix)]
        {
            let victim = d.path().join("victim");
            std::fs::write(&victim, "precious").unwrap();
            let planted = format!(".b.csv.tmp{}", std::process::id());
            std::os::unix::fs::symlink(&victim, d.path().join(planted)).unwrap();
            write_file(d.path(), "b.csv", b"b").unwrap();
            assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
            assert!(
                !std::fs::symlink_metadata(d.path().join("b.csv"))
                    .unwrap()
                    .is_symlink()
            );
        }
    }

    #[test]
    fn an_output_place_that_is_a_file_or_cannot_take_files_is_found_before_the_run() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("f");
        std::fs::write(&file, "").unwrap();
        let e = check_writable(&file.join("s")).unwrap_err();
        assert!(e.contains("is a file, not a folder"), "{e}");
        let e = check_writable(&file.join("deeper/s")).unwrap_err();
        assert!(e.contains("is a file"), "{e}");
        check_writable(&d.path().join("new/deeper/s")).unwrap();
        check_writable(d.path()).unwrap();
        assert_eq!(names(d.path()), ["f"], "the check creates nothing");
    }

    #[test]
    fn a_folder_is_not_swapped_in_over_a_file() {
        let root = tempfile::tempdir().unwrap();
        let (new, file) = (root.path().join("new"), root.path().join("s"));
        std::fs::create_dir(&new).unwrap();
        std::fs::write(&file, "a user's file").unwrap();
        let e = swap_in(&new, &file).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists, "{e}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "a user's file");
        assert!(new.is_dir());
    }

    #[test]
    fn the_exchange_by_two_renames_leaves_each_folder_at_the_others_name() {
        // Where the file system cannot exchange two names at once.
        let root = tempfile::tempdir().unwrap();
        let (a, b) = (root.path().join("a"), root.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        std::fs::write(a.join("new.csv"), "new").unwrap();
        std::fs::write(b.join("old.csv"), "old").unwrap();
        exchange_by_renames(&a, &b).unwrap();
        assert_eq!(names(&b), ["new.csv"]);
        assert_eq!(names(&a), ["old.csv"]);
        assert_eq!(names(root.path()), ["a", "b"], "nothing left aside");
    }

    #[test]
    fn a_bare_folder_name_is_split_under_the_current_folder() {
        assert_eq!(
            split(Path::new("out")).unwrap(),
            (PathBuf::from("."), "out".into())
        );
        assert_eq!(
            split(Path::new("results/out")).unwrap(),
            (PathBuf::from("results"), "out".into())
        );
        assert!(split(Path::new("/")).is_err());
    }

    #[test]
    fn only_staging_folders_of_our_own_shape_are_removed_as_stale() {
        let root = tempfile::tempdir().unwrap();
        let at = |rest: &str| root.path().join(format!(".s{STAGING}{rest}"));
        for ours in ["aB3dE9", "aB3dE9.old"] {
            std::fs::create_dir(at(ours)).unwrap();
        }
        // Not of the shape tempfile gives ours: another length, another character, a
        // file rather than a folder.
        std::fs::create_dir(at("abc")).unwrap();
        std::fs::create_dir(at("ab-dE9")).unwrap();
        std::fs::write(at("zZ9yY8"), "a file").unwrap();
        remove_stale(root.path(), "s");
        let left = names(root.path());
        let want: Vec<String> = ["ab-dE9", "abc", "zZ9yY8"]
            .iter()
            .map(|r| format!(".s{STAGING}{r}"))
            .collect();
        assert_eq!(left, want);
    }

    #[test]
    fn only_plain_file_names_are_written() {
        for bad in ["", "a/b", "a\\b", ".hidden", "../x"] {
            assert!(plain(bad).is_err(), "{bad:?}");
        }
        for good in ["summary.csv", "a.b-c_d"] {
            assert!(plain(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn a_written_file_forgets_its_own_temporary_name_and_no_other() {
        let root = tempfile::tempdir().unwrap();
        let st = Staged::begin(&root.path().join("s")).unwrap();
        write_file(root.path(), "index.html", b"<html>").unwrap();
        let staged = STAGED.lock().unwrap_or_else(|p| p.into_inner()).clone();
        assert!(
            staged.contains(&st.tmp),
            "the staged folder is still registered"
        );
        assert!(
            !staged
                .iter()
                .any(|p| p.starts_with(root.path()) && p != &st.tmp)
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_behind_a_link_loop_is_refused_not_taken_for_missing() {
        let root = tempfile::tempdir().unwrap();
        let lp = root.path().join("loop");
        std::os::unix::fs::symlink(&lp, &lp).unwrap();
        let why = check_writable(&lp.join("out")).unwrap_err();
        assert!(why.contains("cannot read"), "{why}");
    }
}
