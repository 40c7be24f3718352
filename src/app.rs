//! The application: load and validate every scenario, run them, write their outputs and
//! print the summary table. All terminal and file I/O of a command happens here or below.

use crate::cli::{Cli, Command, Format};
use crate::command::{Input, Outcome, Request};
use crate::output::folder;
use crate::scenario::InputError;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Runs the command described by `cli`.
fn run(cli: &Cli) -> Result<()> {
    // An interrupted command removes what it staged and exits with 130 or 143.
    folder::remove_staged_on_interrupt().context("cannot watch for interrupts")?;
    match &cli.command {
        Some(Command::Import(args)) => return crate::import::run(args),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = std::io::stdout().lock();
            clap_complete::generate(*shell, &mut cmd, "lambdasim", &mut out);
            out.flush()?;
            return Ok(());
        }
        None => {}
    }
    let mut opts = cli.run_options();
    opts.progress = opts.progress && std::io::stderr().is_terminal();
    let inputs = cli.scenarios.iter().map(|p| Input::file(p)).collect();
    let request = Request {
        inputs,
        options: opts,
        max_memory_gib: cli.max_memory,
    };
    let loaded = request.load()?;
    // Warnings go to stderr even with --quiet: the run goes on, but not as the user thinks.
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    if cli.deny_warnings && !loaded.warnings.is_empty() {
        return Err(InputError {
            file: cli.scenarios[0].display().to_string(),
            position: None,
            key: None,
            message: format!(
                "{} warning(s) above, and --deny-warnings makes them errors",
                loaded.warnings.len()
            ),
            help: None,
        }
        .into());
    }
    // The memory the runs need, and where the outputs go, are checked before anything
    // runs, in --check too (`run` checks them first).
    let mut stdout = std::io::stdout().lock();
    if cli.check {
        loaded.check()?;
        for p in &loaded.plans {
            writeln!(stdout, "{p}")?;
        }
        return Ok(());
    }
    let outcome = loaded.run()?;
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    let Outcome {
        results,
        written,
        comparison,
        index,
        ..
    } = outcome;
    if !cli.quiet && cli.format == Format::Json {
        serde_json::to_writer_pretty(&mut stdout, &crate::output::table::json(&results))?;
        writeln!(stdout)?;
    } else if !cli.quiet {
        writeln!(stdout, "{}", crate::output::table::render(&results))?;
        for w in &written {
            let names: Vec<String> = w
                .files
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            writeln!(stdout, "wrote {}/ ({})", w.dir.display(), names.join(", "))?;
        }
        for c in comparison.iter().chain(&index) {
            writeln!(stdout, "wrote {}", c.display())?;
        }
        for w in &written {
            if let Some(r) = &w.recommendation {
                writeln!(stdout, "{r}")?;
            }
        }
    }
    Ok(())
}

/// The `lambdasim` command: parses the arguments, runs, and maps the result to an exit
/// status.
pub fn main() -> ExitCode {
    use clap::Parser;
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A reader that went away (`| head`) is not a failure: exit quietly, as Unix
            // tools do.
            let broken_pipe = e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            if let Some(input) = e.downcast_ref::<InputError>() {
                eprintln!("error: {input}");
                ExitCode::from(2)
            } else {
                eprintln!("error: {e:#}");
                ExitCode::from(1)
            }
        }
    }
}
