//! What the binary guarantees about the files it writes: a folder is replaced whole or not
//! at all, an interrupted run cleans up and says so in its exit status, a second writer of
//! the same folder is refused, and a place that cannot be written is found before the run.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn lambdasim() -> Command {
    Command::cargo_bin("lambdasim").expect("binary built")
}

/// A few seconds of simulation: the folder the interruption tests find intact.
const QUICK: &str = r#"
name = "s"
duration = "1m"
seed = 1
[[functions]]
name = "api"
memory_mb = 256
duration = "50ms"
[[sources]]
service = "api_gateway"
arrival = { process = "poisson", rate = 20.0 }
[output]
charts = false
"#;

/// A run that would take minutes: it is interrupted long before it ends.
const LONG: &str = r#"
name = "s"
duration = "30d"
seed = 2
[[functions]]
name = "api"
memory_mb = 256
duration = "50ms"
[[sources]]
service = "api_gateway"
arrival = { process = "poisson", rate = 1000.0 }
[output]
charts = false
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Every file under `dir`, relative, with its bytes.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The staging folders under `root` (a run's temporary sibling of its folder).
fn staging(root: &Path) -> Vec<String> {
    std::fs::read_dir(root)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains("lambdasim-tmp"))
                .collect()
        })
        .unwrap_or_default()
}

/// Starts the long run writing under `root`, and waits until it has staged its folder.
fn start_long(dir: &Path, root: &Path) -> std::process::Child {
    let long = write(dir, "long.toml", LONG);
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("lambdasim"))
        .arg(&long)
        .arg("-o")
        .arg(root)
        .arg("-q")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while staging(root).is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the run never staged its folder"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[cfg(unix)]
fn signal(child: &std::process::Child, sig: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, sig).unwrap();
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_the_old_folder_whole_removes_its_staging_and_exits_128_plus_the_signal()
 {
    use rustix::process::Signal;
    for (sig, code) in [(Signal::INT, 130), (Signal::TERM, 143)] {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("o");
        let quick = write(d.path(), "quick.toml", QUICK);
        lambdasim()
            .arg(&quick)
            .arg("-o")
            .arg(&root)
            .arg("-q")
            .assert()
            .success();
        let before = contents(&root.join("s"));
        assert!(before.iter().any(|(n, _)| n == "summary.csv"));
        let mut child = start_long(d.path(), &root);
        signal(&child, sig);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "{sig:?}");
        assert_eq!(
            contents(&root.join("s")),
            before,
            "the folder is the old one, whole"
        );
        assert!(staging(&root).is_empty(), "{:?}", staging(&root));
    }
}

#[cfg(unix)]
#[test]
fn a_second_run_writing_the_same_folder_is_refused_while_the_first_runs() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("o");
    let mut first = start_long(d.path(), &root);
    let quick = write(d.path(), "quick.toml", QUICK);
    let out = lambdasim()
        .arg(&quick)
        .arg("-o")
        .arg(&root)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    signal(&first, rustix::process::Signal::TERM);
    first.wait().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("another lambdasim run is writing") && err.contains(".s.lock"),
        "{err}"
    );
    assert!(!root.join("s").exists(), "neither run wrote the folder");
    // Once the first is gone, the folder is free again.
    lambdasim()
        .arg(&quick)
        .arg("-o")
        .arg(&root)
        .arg("-q")
        .assert()
        .success();
}

#[test]
fn two_runs_at_once_of_one_scenario_never_leave_a_mixed_folder() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("o");
    let quick = write(d.path(), "quick.toml", QUICK);
    let spawn = |seed: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("lambdasim"))
            .arg(&quick)
            .arg("-o")
            .arg(&root)
            .args(["-q", "--seed", seed])
            .output()
            .unwrap()
    };
    // Each alone, for the folder each one writes.
    let alone = |seed: &str| {
        assert!(spawn(seed).status.success());
        contents(&root.join("s"))
    };
    let one = alone("1");
    let two = alone("2");
    assert_ne!(one, two);
    for _ in 0..4 {
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| spawn("1"));
            let b = s.spawn(|| spawn("2"));
            (a.join().unwrap(), b.join().unwrap())
        });
        let now = contents(&root.join("s"));
        assert!(now == one || now == two, "a mixed folder");
        // A run that was refused says so; at least one of them wrote.
        for o in [&a, &b] {
            if !o.status.success() {
                assert!(String::from_utf8_lossy(&o.stderr).contains("another lambdasim run"));
            }
        }
        assert!(a.status.success() || b.status.success());
        assert!(staging(&root).is_empty());
    }
}

#[test]
fn an_output_folder_under_a_file_is_refused_before_the_run_and_by_check() {
    let d = tempfile::tempdir().unwrap();
    let long = write(d.path(), "long.toml", LONG);
    let file = write(d.path(), "f", "");
    for check in [false, true] {
        let mut cmd = lambdasim();
        cmd.arg(&long).arg("-o").arg(file.join("o"));
        if check {
            cmd.arg("--check");
        }
        // The long run would take minutes: refused within the timeout, it was not run.
        let out = cmd.timeout(Duration::from_secs(30)).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("--out") && err.contains("is a file, not a folder"),
            "{err}"
        );
    }
    // `[output] dir` is named when it is the file's own key.
    let under = write(
        d.path(),
        "under.toml",
        &format!(
            "{QUICK}dir = \"{}\"\n",
            file.join("x").display().to_string().replace('\\', "/")
        ),
    );
    lambdasim()
        .arg(&under)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("output.dir"));
}

#[cfg(target_os = "linux")]
#[test]
fn an_output_folder_on_a_read_only_file_system_is_refused_before_the_run() {
    // /proc takes no new files, even for root (whom permission bits do not stop).
    let d = tempfile::tempdir().unwrap();
    let long = write(d.path(), "long.toml", LONG);
    let out = lambdasim()
        .arg(&long)
        .args(["-o", "/proc/lambdasim-out", "--check"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write in /proc"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_link_planted_in_the_output_folder_is_replaced_not_written_through() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("o");
    std::fs::create_dir_all(root.join("s")).unwrap();
    let victim = write(d.path(), "victim", "precious");
    std::os::unix::fs::symlink(&victim, root.join("s/summary.csv")).unwrap();
    let pid_guess = std::process::id() + 1;
    std::os::unix::fs::symlink(&victim, root.join(format!("s/.summary.csv.tmp{pid_guess}")))
        .unwrap();
    let quick = write(d.path(), "quick.toml", QUICK);
    lambdasim()
        .arg(&quick)
        .arg("-o")
        .arg(&root)
        .arg("-q")
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let meta = std::fs::symlink_metadata(root.join("s/summary.csv")).unwrap();
    assert!(meta.is_file(), "summary.csv is a file of its own");
}

#[test]
fn a_broken_pipe_on_stdout_exits_quietly() {
    let d = tempfile::tempdir().unwrap();
    let quick = write(d.path(), "quick.toml", QUICK);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("lambdasim"))
        .arg(&quick)
        .arg("--check")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before anything is read: every write meets a closed pipe.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "nothing said about the pipe"
    );
    assert!(out.status.success(), "{:?}", out.status);
}

#[cfg(unix)]
#[test]
fn a_scenario_path_that_is_a_device_is_refused_without_reading_it() {
    let out = lambdasim()
        .args(["/dev/zero", "--check"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("/dev/zero") && err.contains("not a regular file"),
        "{err}"
    );
}
