//! Importing logs (`lambdasim import`, `lambdasim.import_logs`): groups the logs into
//! functions (the files given, or one function per folder), reads each in one pass,
//! writes the scenario (validated and run three ways first) and says what it found.
//!
//! ```no_run
//! use lambdasim::import::{Import, import};
//!
//! let done = import(&Import::new(vec!["orders.log".into()]))?;
//! println!("{}", done.found.join("\n"));
//! println!("wrote {}", done.out.display());
//! # Ok::<(), anyhow::Error>(())
//! ```

use crate::billing::Architecture;
use crate::cli::ImportArgs;
use crate::scenario::import::{self, ImportOptions};
use crate::scenario::{self, InputError};
use crate::sources::cloudwatch::LogSummary;
use anyhow::Result;
use std::io::Write;
use std::path::{Path, PathBuf};

fn input(file: String, key: Option<&str>, message: String, help: Option<&str>) -> InputError {
    InputError {
        file,
        position: None,
        key: key.map(str::to_string),
        message,
        help: help.map(str::to_string),
    }
}

fn check_name(name: &str, key: &str) -> Result<(), InputError> {
    match crate::scenario::name_problem(name) {
        None => Ok(()),
        Some(p) => Err(input("lambdasim import".into(), Some(key), p, None)),
    }
}

/// What to import, and where to write the scenario.
#[derive(Clone, Debug)]
pub struct Import {
    /// Log files of one function, or folders of one function each.
    pub logs: Vec<PathBuf>,
    /// The scenario's name (default: the function's; `imported` for several).
    pub name: Option<String>,
    /// The scenario file to write (default: `<name>.toml` in the current folder).
    pub out: Option<PathBuf>,
    /// The functions' architecture, which the logs do not record.
    pub architecture: Architecture,
    /// The service that invoked the functions, which the logs do not record.
    pub service: String,
    /// Overwrite `out` if it exists.
    pub force: bool,
}

impl Import {
    /// An import of `logs` with the command line's defaults (x86_64, invoked directly).
    pub fn new(logs: Vec<PathBuf>) -> Import {
        Import {
            logs,
            name: None,
            out: None,
            architecture: Architecture::X86_64,
            service: "direct".into(),
            force: false,
        }
    }
}

/// What an import found and wrote.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The scenario file written.
    pub out: PathBuf,
    /// Its text.
    pub text: String,
    /// What was found in the logs and checked, in lines, as `lambdasim import` prints
    /// them.
    pub found: Vec<String>,
}

/// The functions to import: the files given are one function; folders given are one
/// function each (a log group exported to a folder), named after the folder, holding
/// the regular files in it, in name order.
fn groups(args: &Import) -> Result<Vec<(String, Vec<PathBuf>)>, InputError> {
    let dirs = args.logs.iter().filter(|p| p.is_dir()).count();
    if dirs == 0 {
        let name = args
            .name
            .clone()
            .unwrap_or_else(|| import::name_from_path(&args.logs[0]));
        check_name(&name, "--name")?;
        return Ok(vec![(name, args.logs.clone())]);
    }
    if dirs != args.logs.len() {
        return Err(input(
            "lambdasim import".into(),
            Some("LOG"),
            "give log files (one function) or folders (one function each), not both".into(),
            None,
        ));
    }
    let mut out = Vec::with_capacity(dirs);
    for d in &args.logs {
        let name = import::name_from_path(Path::new(
            d.canonicalize()
                .as_deref()
                .unwrap_or(d)
                .file_name()
                .unwrap_or_default(),
        ));
        check_name(&name, "LOG")?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(d)
            .map_err(|e| {
                input(
                    d.display().to_string(),
                    None,
                    format!("cannot read the folder: {e}"),
                    None,
                )
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(input(
                d.display().to_string(),
                None,
                "the folder holds no log file".into(),
                None,
            ));
        }
        if out.iter().any(|(n, _): &(String, Vec<PathBuf>)| *n == name) {
            return Err(input(
                d.display().to_string(),
                None,
                format!("two folders would both import a function named `{name}`"),
                None,
            ));
        }
        out.push((name, files));
    }
    Ok(out)
}

/// Runs `lambdasim import`: imports, and prints what it found.
pub(crate) fn run(args: &ImportArgs) -> Result<()> {
    let done = import(&Import {
        logs: args.logs.clone(),
        name: args.name.clone(),
        out: args.out.clone(),
        architecture: match args.architecture.as_str() {
            "arm64" => Architecture::Arm64,
            _ => Architecture::X86_64,
        },
        service: args.service.clone(),
        force: args.force,
    })?;
    if !args.quiet {
        let mut stdout = std::io::stdout().lock();
        for l in &done.found {
            writeln!(stdout, "{l}")?;
        }
        writeln!(
            stdout,
            "wrote {}: run it with `lambdasim {}`",
            done.out.display(),
            done.out.display()
        )?;
    }
    Ok(())
}

/// Reads the logs, writes the scenario that replays them, and says what was found.
pub fn import(args: &Import) -> Result<Imported> {
    if crate::sources::catalog::lookup(&args.service).is_none() {
        let names = crate::sources::catalog::all_names();
        let help = match crate::scenario::suggest(&args.service, names.clone()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("one of: {}", names.collect::<Vec<_>>().join(", ")),
        };
        return Err(InputError {
            file: "lambdasim import".into(),
            position: None,
            key: Some("--service".into()),
            message: format!(
                "`{}` is not a service lambdasim knows",
                crate::scenario::quote(&args.service)
            ),
            help: Some(help),
        }
        .into());
    }
    let groups = groups(args)?;
    let name = match (&args.name, groups.len()) {
        (Some(n), _) => n.clone(),
        (None, 1) => groups[0].0.clone(),
        (None, _) => "imported".to_string(),
    };
    check_name(&name, "--name")?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| format!("{name}.toml").into());
    if out.exists() && !args.force {
        return Err(input(
            out.display().to_string(),
            None,
            "exists already".into(),
            Some("choose another --out, or add --force to overwrite it"),
        )
        .into());
    }
    let mut fns = Vec::with_capacity(groups.len());
    for (fname, logs) in groups {
        let summary = LogSummary::read(&logs).map_err(|e| InputError {
            file: e.file.display().to_string(),
            position: e.line.map(|l| (l as usize, 1)),
            key: None,
            message: e.message,
            help: None,
        })?;
        fns.push(import::Imported {
            name: fname,
            logs,
            summary,
        });
    }
    let opts = ImportOptions {
        name,
        architecture: args.architecture,
        service: args.service.clone(),
        out: out.clone(),
    };
    // The file must run: it is validated as written (its logs read once more), and run
    // three ways for the summary, before it is written.
    let draft = import::scenario(&fns, &opts, &[]);
    let sc = scenario::parse(&draft, &out).map_err(|e| {
        anyhow::anyhow!("the scenario written from the logs does not load, a bug of lambdasim: {e}")
    })?;
    let logged_cold: u64 = fns.iter().map(|f| f.summary.cold_starts).sum();
    let checks = import::checks(&sc, logged_cold);
    let text = import::scenario(&fns, &opts, &checks);
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file = out
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::output::folder::write_file(dir, &file, text.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
    let several = fns.len() > 1;
    let mut found = Vec::new();
    for f in &fns {
        if several {
            found.push(format!("Function {}:", f.name));
        }
        for l in import::found(&f.summary, &opts) {
            found.push(format!("{}{l}", if several { "  " } else { "" }));
        }
    }
    found.extend(checks);
    Ok(Imported { out, text, found })
}
