//! `trace` arrival processes: the trace file checked whole at load, and the expansion of an
//! `each_function` trace into one scenario function per function of the trace.

use super::{Ctx, R};
use crate::model::config::{Function, Source};
use crate::scenario::raw::RawArrival;
use crate::sources::ArrivalProcess;
use std::collections::HashSet;
use std::path::Path;

/// A `trace` arrival process: the file is checked whole here, streamed during the run.
pub(super) fn validate_trace(ctx: &Ctx, key: &str, a: &RawArrival) -> R<ArrivalProcess> {
    use crate::sources::trace::{self, Spread, Trace, TraceFormat};
    let Some(paths) = a.path.as_ref().filter(|p| !p.0.is_empty()) else {
        return Err(ctx.err(
            key,
            "a `trace` process needs `path` (relative to the scenario file) and `format` (timestamps, azure2019, azure2021 or cloudwatch)",
        ));
    };
    let format_name = a.format.as_deref().unwrap_or("timestamps");
    let format = match ctx.choice(
        &format!("{key}.format"),
        format_name,
        &["timestamps", "azure2019", "azure2021", "cloudwatch"],
        "trace format",
    )? {
        "azure2019" => TraceFormat::Azure2019,
        "azure2021" => TraceFormat::Azure2021,
        "cloudwatch" => TraceFormat::CloudWatch,
        _ => TraceFormat::Timestamps {
            column: a.column.clone(),
        },
    };
    if paths.0.len() > 1 && format != TraceFormat::CloudWatch {
        return Err(ctx.err(
            &format!("{key}.path"),
            "several files apply to a `cloudwatch` log (its streams, merged in time order); give one file",
        ));
    }
    let rel = &paths.0[0];
    if a.start.is_some() && format != TraceFormat::CloudWatch {
        return Err(ctx.err(
            &format!("{key}.start"),
            "`start` (the time of the run's t = 0) applies to a `cloudwatch` log",
        ));
    }
    let copy_cold_starts = match a.cold_starts.as_deref() {
        None => false,
        Some(c) => {
            if format != TraceFormat::CloudWatch {
                return Err(ctx.err(
                    &format!("{key}.cold_starts"),
                    "`cold_starts` applies to a `cloudwatch` log, whose reports say which invocations started cold",
                ));
            }
            ctx.choice(
                &format!("{key}.cold_starts"),
                c,
                &["trace", "simulate"],
                "cold_starts",
            )? == "trace"
        }
    };
    if a.column.is_some() && !matches!(format, TraceFormat::Timestamps { .. }) {
        return Err(ctx.err(
            &format!("{key}.column"),
            "`column` applies to the `timestamps` format",
        ));
    }
    if a.function.is_some() && matches!(format, TraceFormat::Timestamps { .. }) {
        return Err(ctx.err(
            &format!("{key}.function"),
            "`function` selects rows of an azure2019 or azure2021 trace",
        ));
    }
    let spread = match a.spread.as_deref() {
        None => Spread::Uniform,
        Some(sp) => {
            if format != TraceFormat::Azure2019 {
                return Err(ctx.err(
                    &format!("{key}.spread"),
                    "`spread` applies to the per-minute counts of `azure2019`",
                ));
            }
            match ctx.choice(
                &format!("{key}.spread"),
                sp,
                &["uniform", "even", "poisson"],
                "spread",
            )? {
                "even" => Spread::Even,
                "poisson" => Spread::Poisson,
                _ => Spread::Uniform,
            }
        }
    };
    let each = a.each_function.unwrap_or(false);
    if each && matches!(format, TraceFormat::Timestamps { .. }) {
        return Err(ctx.err(
            &format!("{key}.each_function"),
            "`each_function` replays every function of an azure2019 or azure2021 trace as its own function",
        ));
    }
    let own_durations = match (&a.durations, &format) {
        (None, _) => false,
        (Some(d), TraceFormat::Azure2021 | TraceFormat::CloudWatch) if d == "trace" => true,
        (Some(_), TraceFormat::CloudWatch) => {
            return Err(ctx.err(
                &format!("{key}.durations"),
                "for cloudwatch, `durations = \"trace\"` runs each invocation for its logged duration and ends it as logged (the only value)",
            ));
        }
        (Some(_), TraceFormat::Azure2021) => {
            return Err(ctx.err(
                &format!("{key}.durations"),
                "for azure2021, `durations = \"trace\"` runs each invocation for its own duration in the trace (the only value)",
            ));
        }
        (Some(_), TraceFormat::Azure2019) if !each => {
            return Err(ctx.err(
                &format!("{key}.durations"),
                "`durations` (a function_durations_percentiles file) gives each function of the trace its own durations: it needs `each_function = true`",
            ));
        }
        (Some(_), TraceFormat::Azure2019) => false,
        (Some(_), TraceFormat::Timestamps { .. }) => {
            return Err(ctx.err(
                &format!("{key}.durations"),
                "`durations` applies to the azure2019, azure2021 and cloudwatch formats",
            ));
        }
    };
    if a.memory.is_some() && (format != TraceFormat::Azure2019 || !each) {
        return Err(ctx.err(
            &format!("{key}.memory"),
            "`memory` (an app_memory_percentiles file) applies to an azure2019 trace with `each_function = true`",
        ));
    }
    let at = |path: &Path, e: trace::TraceError| match e.line {
        Some(l) => format!("{}:{l}: {}", path.display(), e.message),
        None => format!("{}: {}", path.display(), e.message),
    };
    let path = ctx.dir.join(rel);
    let more_paths: Vec<_> = paths.0[1..].iter().map(|p| ctx.dir.join(p)).collect();
    let checked = if format == TraceFormat::CloudWatch {
        let mut all = vec![path.clone()];
        all.extend(more_paths.iter().cloned());
        let start = match &a.start {
            None => None,
            Some(s) => Some(crate::sources::cloudwatch::parse_timestamp(s).ok_or_else(|| {
                ctx.err(
                    &format!("{key}.start"),
                    format!("`start` is the time of the run's t = 0, like \"2025-09-01T00:00:00Z\" (UTC without a zone), got `{s}`"),
                )
            })?),
        };
        // The log's errors name their own file.
        trace::check_logs(&all, start).map_err(|e| ctx.err(&format!("{key}.path"), e.message))?
    } else {
        trace::check(&path, &format, a.function.as_deref(), each).map_err(|e| {
            let k = if e.on_function { "function" } else { "path" };
            ctx.err(&format!("{key}.{k}"), at(&path, e))
        })?
    };
    for w in &checked.warnings {
        ctx.warn(&format!("{key}.path"), w);
    }
    if checked.count == 0
        && checked
            .each
            .as_ref()
            .is_none_or(|e| !e.functions.is_empty())
    {
        ctx.warn(
            &format!("{key}.path"),
            format!(
                "{}: the trace holds no arrivals (it is empty, or a header only): this source offers nothing",
                path.display()
            ),
        );
    }
    let mut found = checked.each;
    if let Some(fs) = &mut found {
        if fs.functions.is_empty() {
            return Err(ctx.err(
                &format!("{key}.path"),
                format!("{}: the trace has no rows to replay", path.display()),
            ));
        }
        if format == TraceFormat::Azure2019 {
            if let Some(d) = &a.durations {
                let p = ctx.dir.join(d);
                trace::load_durations(&p, fs)
                    .map_err(|e| ctx.err(&format!("{key}.durations"), at(&p, e)))?;
            }
            if let Some(m) = &a.memory {
                let p = ctx.dir.join(m);
                trace::load_memory(&p, fs)
                    .map_err(|e| ctx.err(&format!("{key}.memory"), at(&p, e)))?;
            }
        }
    }
    Ok(ArrivalProcess::Trace(Trace {
        path,
        more_paths,
        origin: checked.origin,
        copy_cold_starts,
        format,
        function: a.function.clone(),
        spread,
        count: checked.count,
        last: checked.last,
        own_durations,
        each: found.map(std::sync::Arc::new),
    }))
}

/// The most functions a scenario may hold once its traces are expanded (each keeps its own
/// metrics and time series).
const MAX_FUNCTIONS: usize = 10_000;

/// Replaces the template function of every `each_function` trace by one function per
/// function of the trace, named `<template>-<id>` (an 8-hex-digit prefix of the trace's
/// hash, longer if two would clash), with the trace's durations and memory where the
/// trace gives them. A template that no other arrival process targets is dropped. Returns,
/// for each resulting function, the index of the `[[functions]]` table it comes from.
pub(super) fn expand_trace_functions(
    ctx: &Ctx,
    functions: &mut Vec<Function>,
    sources: &mut [Source],
) -> R<Vec<usize>> {
    let mut origin: Vec<usize> = (0..functions.len()).collect();
    let mut used_directly = vec![false; functions.len()];
    let mut expanded = false;
    let mut names: HashSet<String> = functions.iter().map(|f| f.name.clone()).collect();
    for src in sources.iter_mut() {
        let template = src.function;
        for p in src.arrival.iter_mut() {
            let ArrivalProcess::Trace(t) = p else {
                used_directly[template] = true;
                continue;
            };
            let Some(each) = &mut t.each else {
                used_directly[template] = true;
                continue;
            };
            expanded = true;
            let each = std::sync::Arc::make_mut(each);
            let base = functions[template].clone();
            each.targets.clear();
            for tf in &each.functions {
                let id = |n: usize| {
                    // Trace ids are hex hashes; anything else becomes a valid name.
                    let short = |h: &str| {
                        let id: String = h
                            .chars()
                            .take(n)
                            .map(|c| {
                                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                                    c
                                } else {
                                    '_'
                                }
                            })
                            .collect();
                        if id.is_empty() { "_".to_string() } else { id }
                    };
                    if tf.app.is_empty()
                        || t.format == crate::sources::trace::TraceFormat::Azure2019
                    {
                        short(&tf.func)
                    } else {
                        format!("{}-{}", short(&tf.app), short(&tf.func))
                    }
                };
                let mut name = format!("{}-{}", base.name, id(8));
                if names.contains(&name) {
                    name = format!("{}-{}", base.name, id(usize::MAX));
                }
                let mut k = 2;
                let stem = name.clone();
                while names.contains(&name) {
                    name = format!("{stem}-{k}");
                    k += 1;
                }
                names.insert(name.clone());
                let mut f = Function {
                    name,
                    ..base.clone()
                };
                if let Some(d) = &tf.duration {
                    f.duration = d.clone();
                }
                if let Some(mb) = tf.memory_mb {
                    f.memory_mb = mb;
                    let threads = f.threads;
                    f.duration_scale = f.cpu_scaling.map_or(1.0, |(c, r)| {
                        crate::model::config::duration_scale(c, r, mb, threads)
                    });
                }
                each.targets.push(functions.len() as u32);
                functions.push(f);
                origin.push(template);
            }
        }
    }
    if !expanded {
        return Ok(origin);
    }
    // A source fed by functions (a destination's, say) keeps its function.
    for src in sources.iter().filter(|s| s.arrival.is_empty()) {
        used_directly[src.function] = true;
    }
    // Drop the templates nothing targets any more, and renumber.
    let mut keep = vec![true; functions.len()];
    for src in sources.iter() {
        for p in &src.arrival {
            if let ArrivalProcess::Trace(t) = p
                && t.each.is_some()
                && !used_directly[src.function]
            {
                keep[src.function] = false;
            }
        }
    }
    let mut renumber = vec![u32::MAX; functions.len()];
    let mut next = 0u32;
    for (i, k) in keep.iter().enumerate() {
        if *k {
            renumber[i] = next;
            next += 1;
        }
    }
    for src in sources.iter_mut() {
        let mut first_target = None;
        for p in &mut src.arrival {
            if let ArrivalProcess::Trace(t) = p
                && let Some(each) = &mut t.each
            {
                let each = std::sync::Arc::make_mut(each);
                for x in &mut each.targets {
                    *x = renumber[*x as usize];
                }
                first_target = first_target.or(each.targets.first().copied());
            }
        }
        src.function = match renumber[src.function] {
            u32::MAX => first_target.unwrap_or(0) as usize,
            n => n as usize,
        };
    }
    let mut i = 0;
    functions.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    let mut i = 0;
    origin.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    if functions.len() > MAX_FUNCTIONS {
        return Err(ctx.err(
            "sources",
            format!(
                "the traces expand to {} functions, more than the {MAX_FUNCTIONS} one scenario may hold",
                functions.len()
            ),
        ));
    }
    Ok(origin)
}
