//! `lambdasim._native`: the Python package's bridge to the lambdasim crate. Each function
//! runs with the GIL released and returns plain values; `lambdasim/__init__.py` turns
//! them into data frames.

use lambdasim::command::{Input, Request};
use lambdasim::import::{Import, import};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

pyo3::create_exception!(
    _native,
    InputError,
    PyValueError,
    "Input lambdasim cannot use: a scenario or log that is not valid. The message is the \
     command line's: the file, line and column, the key, what was expected. The same \
     parts are attributes: file, line, column, key (each None where it does not apply) \
     and help."
);

/// A Rust error as a Python exception: an input error as `InputError` with its parts,
/// anything else (a folder that cannot be written, say) as `RuntimeError`.
fn to_py(py: Python<'_>, e: anyhow::Error) -> PyErr {
    let Some(input) = e.downcast_ref::<lambdasim::InputError>() else {
        return PyRuntimeError::new_err(format!("{e:#}"));
    };
    let err = InputError::new_err(input.to_string());
    let value = err.value(py);
    let parts = [
        (
            "file",
            Some(input.file.clone().into_pyobject(py).map(|o| o.into_any())),
        ),
        (
            "line",
            input
                .position
                .map(|p| p.0.into_pyobject(py).map(|o| o.into_any())),
        ),
        (
            "column",
            input
                .position
                .map(|p| p.1.into_pyobject(py).map(|o| o.into_any())),
        ),
        (
            "key",
            input
                .key
                .clone()
                .map(|k| k.into_pyobject(py).map(|o| o.into_any())),
        ),
        (
            "help",
            input
                .help
                .clone()
                .map(|h| h.into_pyobject(py).map(|o| o.into_any())),
        ),
    ];
    for (name, v) in parts {
        let set = match v {
            Some(Ok(v)) => value.setattr(name, v),
            Some(Err(e)) => Err(e.into()),
            None => value.setattr(name, py.None()),
        };
        if let Err(e) = set {
            return e;
        }
    }
    err
}

fn input(source: String, is_path: bool) -> Result<Input, lambdasim::InputError> {
    if is_path {
        Input::read(source.as_ref())
    } else {
        Ok(Input::text(source))
    }
}

/// How to run, as the Python call gave it.
struct How {
    out: Option<PathBuf>,
    seed: Option<u64>,
    jobs: Option<usize>,
    charts: bool,
    report: bool,
    max_memory_gib: Option<f64>,
}

fn request(source: String, is_path: bool, how: How) -> anyhow::Result<Request> {
    if how.jobs == Some(0) {
        anyhow::bail!("jobs must be at least 1");
    }
    let mut r = Request::new(vec![input(source, is_path)?]);
    r.options.out = how.out;
    r.options.seed = how.seed;
    r.options.jobs = how.jobs;
    r.options.charts = how.charts;
    r.options.report = how.report;
    if let Some(gib) = how.max_memory_gib {
        if !(gib.is_finite() && gib > 0.0) {
            anyhow::bail!("max_memory_gib must be a number of GiB greater than 0, not {gib}");
        }
        r.max_memory_gib = gib;
    }
    Ok(r)
}

/// What `run` returns: the folder, the files written, the warnings, the recommendation.
type Ran = (String, Vec<String>, Vec<String>, Option<String>);

/// Runs a scenario (a path, or TOML text) into `out`/<name>/. Returns the folder, the
/// names of the files written, the warnings (each once) and the recommendation sentence.
#[pyfunction]
#[pyo3(signature = (source, is_path, out, seed=None, jobs=None, charts=true, report=true, max_memory_gib=None))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    source: String,
    is_path: bool,
    out: PathBuf,
    seed: Option<u64>,
    jobs: Option<usize>,
    charts: bool,
    report: bool,
    max_memory_gib: Option<f64>,
) -> PyResult<Ran> {
    let done = interruptible(py, move |cancel| -> anyhow::Result<_> {
        let how = How {
            out: Some(out),
            seed,
            jobs,
            charts,
            report,
            max_memory_gib,
        };
        let mut request = request(source, is_path, how)?;
        request.options.cancel = Some(cancel);
        let loaded = request.load()?;
        let mut warnings = loaded.warnings.clone();
        let outcome = loaded.run()?;
        warnings.extend(outcome.warnings);
        let written = outcome
            .written
            .into_iter()
            .next()
            .expect("one scenario ran, one folder");
        let files = written
            .files
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        Ok((
            written.dir.display().to_string(),
            files,
            warnings,
            written.recommendation,
        ))
    })?;
    done.map_err(|e| to_py(py, e))
}

/// Runs `work` on a thread of its own, the GIL released, while this thread checks for
/// Python's signals every 100 ms: on Ctrl-C (or any signal handler that raises), `work`
/// is told to stop through its flag, and the handler's exception (KeyboardInterrupt) is
/// raised once it has (its staged output folder removed).
fn interruptible<T: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce(Arc<AtomicBool>) -> T + Send + 'static,
) -> PyResult<T> {
    let cancel = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel();
    let flag = Arc::clone(&cancel);
    let handle = std::thread::Builder::new()
        .name("lambdasim".into())
        .spawn(move || {
            let out = work(flag);
            let _ = tx.send(());
            out
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
    let mut rx = rx;
    loop {
        // The receiver goes into the GIL-free closure and comes back (it is Send, not
        // Sync).
        let (got, back) = py.detach(move || (rx.recv_timeout(Duration::from_millis(100)), rx));
        rx = back;
        match got {
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Err(signal) = py.check_signals() {
                    cancel.store(true, Ordering::Relaxed);
                    let _ = py.detach(|| handle.join());
                    return Err(signal);
                }
            }
            _ => break,
        }
    }
    py.detach(|| handle.join()).map_err(|_| {
        PyRuntimeError::new_err("the run failed unexpectedly (a panic): a bug of lambdasim")
    })
}

/// Validates a scenario (a path, or TOML text) and what its runs need, running nothing.
/// Returns what would run (as `lambdasim --check` prints it) and the warnings.
#[pyfunction]
#[pyo3(signature = (source, is_path, out=None, seed=None, jobs=None, max_memory_gib=None))]
fn check(
    py: Python<'_>,
    source: String,
    is_path: bool,
    out: Option<PathBuf>,
    seed: Option<u64>,
    jobs: Option<usize>,
    max_memory_gib: Option<f64>,
) -> PyResult<(String, Vec<String>)> {
    let done = py.detach(move || -> anyhow::Result<_> {
        let how = How {
            out,
            seed,
            jobs,
            charts: true,
            report: true,
            max_memory_gib,
        };
        let loaded = request(source, is_path, how)?.load()?;
        loaded.check()?;
        Ok((loaded.plans.join("\n"), loaded.warnings.clone()))
    });
    done.map_err(|e| to_py(py, e))
}

/// Imports CloudWatch logs into a scenario file. Returns its path, its text and what was
/// found, in lines.
#[pyfunction]
#[pyo3(signature = (logs, name=None, out=None, architecture="x86_64", service="direct", force=false))]
fn import_logs(
    py: Python<'_>,
    logs: Vec<PathBuf>,
    name: Option<String>,
    out: Option<PathBuf>,
    architecture: &str,
    service: &str,
    force: bool,
) -> PyResult<(String, String, Vec<String>)> {
    let architecture = match architecture {
        "x86_64" => lambdasim::billing::Architecture::X86_64,
        "arm64" => lambdasim::billing::Architecture::Arm64,
        other => {
            return Err(PyValueError::new_err(format!(
                "architecture must be \"x86_64\" or \"arm64\", not {other:?}"
            )));
        }
    };
    if logs.is_empty() {
        return Err(PyValueError::new_err(
            "give at least one log file or folder",
        ));
    }
    let request = Import {
        logs,
        name,
        out,
        architecture,
        service: service.to_string(),
        force,
    };
    let done = py.detach(move || import(&request));
    done.map(|d| (d.out.display().to_string(), d.text, d.found))
        .map_err(|e| to_py(py, e))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("InputError", m.py().get_type::<InputError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(import_logs, m)?)?;
    Ok(())
}
