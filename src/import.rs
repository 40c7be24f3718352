//! The `lambdasim import` command: groups the logs into functions (the files given, or
//! one function per folder), reads each in one pass, writes the scenario (validated and
//! run three ways first) and says what it found. All its terminal and file I/O is here.

use crate::cli::ImportArgs;
use crate::scenario::import::{self, ImportOptions, Imported};
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

/// The functions to import: the files given are one function; folders given are one
/// function each (a log group exported to a folder), named after the folder, holding
/// the regular files in it, in name order.
fn groups(args: &ImportArgs) -> Result<Vec<(String, Vec<PathBuf>)>, InputError> {
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

/// Runs `lambdasim import`.
pub fn run(args: &ImportArgs) -> Result<()> {
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
        fns.push(Imported {
            name: fname,
            logs,
            summary,
        });
    }
    let architecture = match args.architecture.as_str() {
        "arm64" => crate::billing::Architecture::Arm64,
        _ => crate::billing::Architecture::X86_64,
    };
    let opts = ImportOptions {
        name,
        architecture,
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
    if !args.quiet {
        let mut stdout = std::io::stdout().lock();
        let several = fns.len() > 1;
        for f in &fns {
            if several {
                writeln!(stdout, "Function {}:", f.name)?;
            }
            for l in import::found(&f.summary, &opts) {
                writeln!(stdout, "{}{l}", if several { "  " } else { "" })?;
            }
        }
        for l in &checks {
            writeln!(stdout, "{l}")?;
        }
        writeln!(
            stdout,
            "wrote {}: run it with `lambdasim {}`",
            out.display(),
            out.display()
        )?;
    }
    Ok(())
}
