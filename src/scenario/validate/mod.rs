//! Validation: every rule a user can break, checked once, with the key and position of the
//! offending value. Turns `raw` types into the model's.
//!
//! One file per section of the file format; `validate` runs them in a fixed order, and the
//! first error found is the one reported:
//! - `platform.rs`: `[account]`, `[platform]` and its finite cluster;
//! - `pricing.rs`: `[pricing]`;
//! - `functions.rs`: `[[functions]]`, and what their reserved concurrency adds up to;
//! - `compute.rs`: a function's SnapStart, ephemeral storage, Lambda@Edge, tenant
//!   isolation and responses;
//! - `managed.rs`: `[[capacity_providers]]` and a function on Managed Instances;
//! - `keep_alive.rs`: a `keep_alive` table (a function's, or the platform's default);
//! - `provisioned.rs`: `provisioned_concurrency` (a number, a schedule, target tracking);
//! - `dist.rs`: a distribution (`duration`, `init`, `idle`, `per_record`, …);
//! - `size.rs`: a size distribution (`response_bytes`);
//! - `sources.rs`: `[[sources]]`, and the requests they offer in all;
//! - `mapping.rs`: the event source mapping of a poll source;
//! - `arrivals.rs`: an `arrival` process;
//! - `traces.rs`: a `trace` arrival process, and the expansion of `each_function` traces;
//! - `output.rs`: `[output]`.

mod arrivals;
mod compute;
mod dist;
mod functions;
mod keep_alive;
mod managed;
mod mapping;
mod output;
mod pipeline;
mod platform;
mod pricing;
mod provisioned;
mod size;
mod sources;
mod traces;

use super::error::{InputError, line_col, locate, suggest};
use super::raw::{RawDuration, RawScenario};
use crate::engine::Time;
use crate::model::config::Scenario;
use std::path::{Path, PathBuf};

/// A rate above one event per nanosecond cannot be represented in integer time.
const MAX_RATE: f64 = 1e9;

struct Ctx<'a> {
    text: &'a str,
    file: String,
    /// The scenario's folder: trace paths are relative to it.
    dir: PathBuf,
    /// What the user should know about a valid scenario, as `file:line:col: key: what`.
    warnings: std::cell::RefCell<Vec<String>>,
}

type R<T> = Result<T, InputError>;

impl Ctx<'_> {
    fn warn(&self, key: &str, message: impl std::fmt::Display) {
        let at = match locate(self.text, key).map(|s| line_col(self.text, s.start)) {
            Some((line, col)) => format!("{}:{line}:{col}", self.file),
            None => self.file.clone(),
        };
        self.warnings
            .borrow_mut()
            .push(format!("{at}: `{key}`: {message}"));
    }

    fn err(&self, key: &str, message: impl Into<String>) -> InputError {
        let position = locate(self.text, key).map(|s| line_col(self.text, s.start));
        InputError {
            file: self.file.clone(),
            position,
            key: Some(key.to_string()),
            message: message.into(),
            help: None,
        }
    }

    fn err_help(&self, key: &str, message: impl Into<String>, help: Option<String>) -> InputError {
        InputError {
            help,
            ..self.err(key, message)
        }
    }

    fn not_yet(&self, key: &str, what: &str) -> InputError {
        self.err(
            key,
            format!("{what} is not supported yet by this version of lambdasim"),
        )
    }

    fn int(&self, key: &str, v: i64, lo: i64, hi: i64, what: &str) -> R<u32> {
        if v < lo || v > hi {
            return Err(self.err(
                key,
                format!("{what} must be between {lo} and {hi}, got {v}"),
            ));
        }
        Ok(v as u32)
    }

    fn rate(&self, key: &str, v: f64) -> R<f64> {
        if !v.is_finite() || v < 0.0 {
            return Err(self.err(
                key,
                format!("a rate must be a finite number of events per second ≥ 0, got {v}"),
            ));
        }
        if v > MAX_RATE {
            return Err(self.err(
                key,
                format!("a rate must be at most {MAX_RATE:e} per second (time resolution is 1 ns), got {v:e}"),
            ));
        }
        Ok(v)
    }

    fn price(&self, key: &str, v: Option<f64>) -> R<Option<f64>> {
        match v {
            Some(p) if !p.is_finite() || p < 0.0 => {
                Err(self.err(key, format!("a price must be finite and ≥ 0, got {p}")))
            }
            other => Ok(other),
        }
    }

    fn choice<'c>(&self, key: &str, value: &str, options: &[&'c str], what: &str) -> R<&'c str> {
        if let Some(o) = options.iter().find(|o| **o == value) {
            return Ok(o);
        }
        let help = did_you_mean(value, options.iter().copied(), "expected one of");
        Err(self.err_help(key, format!("unknown {what} `{value}`"), Some(help)))
    }
}

/// "did you mean `x`?" for a likely misspelling, else the list of what is allowed.
fn did_you_mean<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str> + Clone,
    list: &str,
) -> String {
    match suggest(word, candidates.clone()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("{list}: {}", candidates.collect::<Vec<_>>().join(", ")),
    }
}

fn check_name(ctx: &Ctx, key: &str, name: &str, what: &str) -> R<()> {
    match name_problem(name) {
        Some(p) => Err(ctx.err(key, format!("{what} {p}"))),
        None => Ok(()),
    }
}

/// The longest name: a scenario's becomes a folder name (with its staging and lock names
/// beside it), and a file system takes 255 bytes.
pub const MAX_NAME: usize = 128;

/// What is wrong with a name, if anything: it must be 1 to [`MAX_NAME`] characters of
/// A-Z a-z 0-9 _ . -, not starting with `.`.
pub fn name_problem(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !ok {
        Some(format!(
            "`{}` must use only A-Z a-z 0-9 _ . - and not start with `.`",
            super::error::quote(name)
        ))
    } else if name.len() > MAX_NAME {
        Some(format!(
            "`{}` is too long: at most {MAX_NAME} characters",
            super::error::quote(name)
        ))
    } else {
        None
    }
}

/// Validates a whole scenario file. The sections are checked in the order below, each
/// in its own file; the first error found is the one returned.
pub fn validate(raw: RawScenario, text: &str, path: &Path) -> R<Scenario> {
    let ctx = Ctx {
        text,
        file: path.display().to_string(),
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        warnings: Default::default(),
    };
    let Header {
        name,
        duration,
        seed,
        replications,
    } = validate_header(&ctx, &raw, path)?;
    let account = platform::validate_account(&ctx, &raw)?;
    let platform = platform::validate_platform(&ctx, &raw)?;
    let pricing = pricing::validate_pricing(&ctx, &raw)?;
    let capacity_providers = managed::validate_providers(&ctx, &raw)?;
    let mut functions = functions::validate_functions(&ctx, &raw, &pricing, &capacity_providers)?;
    let mut sources = sources::validate_sources(&ctx, &raw, &functions)?;
    let pipeline = pipeline::validate_pipeline(&ctx, &raw, &mut functions, &mut sources)?;
    let origin = traces::expand_trace_functions(&ctx, &mut functions, &mut sources)?;
    // Functions may have been added and renumbered: the loops of the final ones.
    let pipeline = pipeline::shape(pipeline.any, &functions, &sources);
    managed::check_managed_use(
        &ctx,
        &functions,
        &sources,
        &origin,
        platform.cluster.is_some(),
    )?;
    platform::check_hosts_fit(&ctx, &raw, &platform, &functions)?;
    functions::check_reserved(&ctx, &account, &functions, &origin)?;
    functions::warn_mistakes(&ctx, &functions, &origin, duration);
    sources::check_offered(&ctx, &sources, duration)?;
    let output = output::validate_output(&ctx, &raw, duration)?;
    let recommend = output::validate_recommend(&ctx, &raw)?;

    Ok(Scenario {
        name,
        description: raw.description.clone().unwrap_or_default(),
        variant: "base".to_string(),
        path: Some(path.to_path_buf()),
        duration,
        seed,
        replications,
        account,
        platform,
        pricing,
        functions,
        capacity_providers,
        sources,
        pipeline,
        output,
        recommend,
        warnings: ctx.warnings.take(),
    })
}

/// The top-level keys: `name`, `duration`, `seed`, `replications`.
struct Header {
    name: String,
    duration: Time,
    seed: u64,
    replications: u32,
}

/// `name` (else the file's stem, or `scenario` for a text given as such, labelled
/// `<…>`), the required `duration`, `seed` and `replications`.
fn validate_header(ctx: &Ctx, raw: &RawScenario, path: &Path) -> R<Header> {
    let name = match &raw.name {
        Some(n) => n.clone(),
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .filter(|s| !s.starts_with('<'))
            .unwrap_or_else(|| "scenario".into()),
    };
    check_name(ctx, "name", &name, "the scenario name")?;
    let Some(RawDuration(duration)) = raw.duration else {
        return Err(InputError {
            file: ctx.file.clone(),
            position: None,
            key: Some("duration".into()),
            message:
                "missing required key `duration` (the simulated time, e.g. duration = \"30m\")"
                    .into(),
            help: None,
        });
    };
    if duration == Time::ZERO {
        return Err(ctx.err("duration", "the simulated duration must be greater than 0"));
    }
    let seed = match raw.seed {
        Some(s) if s < 0 => return Err(ctx.err("seed", format!("the seed must be ≥ 0, got {s}"))),
        Some(s) => s as u64,
        None => 0,
    };
    let replications = match raw.replications {
        Some(r) => ctx.int("replications", r, 1, 100_000, "replications")?,
        None => 1,
    };
    Ok(Header {
        name,
        duration,
        seed,
        replications,
    })
}
