//! Pipelines: a function's `emits`, `on_success` and `on_failure`, a stream or Kafka
//! mapping's `on_failure`, `recursive_loop`; the sources fed only by functions; the loops
//! of the graph of functions (allowed, with a warning).

use super::{Ctx, R, did_you_mean};
use crate::engine::Dist;
use crate::model::config::{Emit, EmitCount, Function, Pipeline, Source};
use crate::scenario::raw::{RawDestination, RawEmit, RawScenario};
use crate::sources::InvocationType;

/// The most events one invocation may emit to one source (a bound on the run's work).
const MAX_EMITS: i64 = 1000;

/// Reads the pipeline keys of every function and source, adds a source for each
/// destination that is a function, and finds the loops.
pub(super) fn validate_pipeline(
    ctx: &Ctx,
    raw: &RawScenario,
    functions: &mut [Function],
    sources: &mut Vec<Source>,
) -> R<Pipeline> {
    let given = sources.len();
    let mut any = false;
    for (i, rf) in raw.functions.iter().enumerate() {
        let k = |key: &str| format!("functions[{i}].{key}");
        let mut chain = crate::model::config::Chaining::default();
        if let Some(emits) = &rf.emits {
            for (j, e) in emits.iter().enumerate() {
                chain
                    .emits
                    .push(emit(ctx, &k(&format!("emits[{j}]")), e, &sources[..given])?);
            }
        }
        for (key, d) in [
            ("on_success", &rf.on_success),
            ("on_failure", &rf.on_failure),
        ] {
            let Some(d) = d else { continue };
            let s = destination(ctx, &k(key), d, functions, sources, given, i, key)?;
            if key == "on_success" {
                chain.on_success = Some(s);
            } else {
                chain.on_failure = Some(s);
            }
        }
        chain.recursion_allowed = match rf.recursive_loop.as_deref() {
            None => false,
            Some(r) => {
                ctx.choice(
                    &k("recursive_loop"),
                    r,
                    &["terminate", "allow"],
                    "recursive_loop",
                )? == "allow"
            }
        };
        any |= !chain.emits.is_empty() || chain.on_success.is_some() || chain.on_failure.is_some();
        functions[i].chain = chain;
    }
    for (i, rs) in raw.sources.iter().enumerate() {
        if let Some(d) = &rs.on_failure {
            let key = format!("sources[{i}].on_failure");
            let f = sources[i].function;
            let s = destination(ctx, &key, d, functions, sources, given, f, "on_failure")?;
            sources[i].on_failure = Some(s);
            any = true;
        }
    }
    // A source without arrivals must be fed by some function.
    let mut fed = vec![false; sources.len()];
    for f in functions.iter() {
        for e in &f.chain.emits {
            fed[e.source] = true;
        }
        for s in [f.chain.on_success, f.chain.on_failure]
            .into_iter()
            .flatten()
        {
            fed[s] = true;
        }
    }
    for s in sources.iter().filter_map(|s| s.on_failure) {
        fed[s] = true;
    }
    for i in 0..given {
        if sources[i].arrival.is_empty() && !fed[i] {
            return Err(ctx.err(
                &format!("sources[{i}]"),
                "a source needs `arrival`, e.g. arrival = { process = \"poisson\", rate = 10.0 }",
            ));
        }
    }
    let (component, component_len) = components(functions, sources);
    warn_loops(ctx, functions, sources, &component, &component_len);
    Ok(Pipeline {
        any,
        component,
        component_len,
    })
}

/// One of `emits`: a source, and a count, a count distribution or a probability.
fn emit(ctx: &Ctx, key: &str, e: &RawEmit, sources: &[Source]) -> R<Emit> {
    let Some(name) = &e.source else {
        return Err(ctx.err_help(
            key,
            "an emit needs `source`: the queue, topic, stream or bus the events go to",
            Some("e.g. emits = [{ source = \"jobs\", count = 1 }]".into()),
        ));
    };
    let source = source_named(ctx, &format!("{key}.source"), name, sources)?;
    let count = match (&e.count, e.probability) {
        (Some(_), Some(_)) => {
            return Err(ctx.err(
                &format!("{key}.probability"),
                "give `count` or `probability`, not both",
            ));
        }
        (None, Some(p)) => {
            if !(0.0..=1.0).contains(&p) {
                return Err(ctx.err(
                    &format!("{key}.probability"),
                    format!("probability is between 0 and 1, got {p}"),
                ));
            }
            EmitCount::Probability(p)
        }
        (None, None) => EmitCount::Fixed(1),
        (Some(v), None) => count(ctx, &format!("{key}.count"), v)?,
    };
    Ok(Emit { source, count })
}

/// `count`: an integer, `{ dist = "poisson", mean }` or `{ dist = "uniform", min, max }`.
fn count(ctx: &Ctx, key: &str, v: &toml::Value) -> R<EmitCount> {
    let what = "count is a whole number of events, or { dist = \"poisson\", mean = 2.0 }, or { dist = \"uniform\", min = 0, max = 4 }";
    match v {
        toml::Value::Integer(n) => Ok(EmitCount::Fixed(ctx.int(key, *n, 0, MAX_EMITS, "count")?)),
        toml::Value::Table(t) => {
            let dist = t.get("dist").and_then(|d| d.as_str());
            let allowed: &[&str] = match dist {
                Some("poisson") => &["dist", "mean"],
                Some("uniform") => &["dist", "min", "max"],
                _ => return Err(ctx.err(key, what)),
            };
            if let Some(extra) = t.keys().find(|k| !allowed.contains(&k.as_str())) {
                return Err(ctx.err(
                    &format!("{key}.{extra}"),
                    format!(
                        "`{extra}` is not a key of a {} count: {what}",
                        dist.unwrap_or("")
                    ),
                ));
            }
            if dist == Some("poisson") {
                let mean = t.get("mean").and_then(toml::Value::as_float).or_else(|| {
                    t.get("mean")
                        .and_then(toml::Value::as_integer)
                        .map(|n| n as f64)
                });
                match mean {
                    Some(m) if m.is_finite() && (0.0..=MAX_EMITS as f64).contains(&m) => {
                        Ok(EmitCount::Poisson(m))
                    }
                    _ => Err(ctx.err(
                        &format!("{key}.mean"),
                        format!("mean is a number of events between 0 and {MAX_EMITS}"),
                    )),
                }
            } else {
                let int = |k: &str| -> R<u32> {
                    match t.get(k).and_then(toml::Value::as_integer) {
                        Some(n) => ctx.int(&format!("{key}.{k}"), n, 0, MAX_EMITS, k),
                        None => Err(ctx.err(
                            &format!("{key}.{k}"),
                            format!("`{k}` is a whole number of events"),
                        )),
                    }
                };
                let (lo, hi) = (int("min")?, int("max")?);
                if lo > hi {
                    return Err(ctx.err(
                        &format!("{key}.min"),
                        format!("min ({lo}) is above max ({hi})"),
                    ));
                }
                Ok(EmitCount::Uniform(lo, hi))
            }
        }
        _ => Err(ctx.err(key, what)),
    }
}

fn source_named(ctx: &Ctx, key: &str, name: &str, sources: &[Source]) -> R<usize> {
    sources.iter().position(|s| s.name == name).ok_or_else(|| {
        let help = did_you_mean(name, sources.iter().map(|s| s.name.as_str()), "sources");
        ctx.err_help(key, format!("no source named `{name}`"), Some(help))
    })
}

/// A destination: a source of the scenario, or a function, reached through a source added
/// for it, `<from>.<which>` (invoked asynchronously, as AWS invokes a destination function).
#[allow(clippy::too_many_arguments)]
fn destination(
    ctx: &Ctx,
    key: &str,
    d: &RawDestination,
    functions: &[Function],
    sources: &mut Vec<Source>,
    given: usize,
    from: usize,
    which: &str,
) -> R<usize> {
    match (&d.function, &d.source) {
        (Some(_), Some(_)) | (None, None) => Err(ctx.err_help(
            key,
            "a destination is a function or a source: give one of `function` and `source`",
            Some(format!("e.g. {which} = {{ function = \"repair\" }} or {which} = {{ source = \"failures\" }}")),
        )),
        (None, Some(name)) => source_named(ctx, &format!("{key}.source"), name, &sources[..given]),
        (Some(name), None) => {
            let Some(g) = functions.iter().position(|f| &f.name == name) else {
                let help = did_you_mean(name, functions.iter().map(|f| f.name.as_str()), "functions");
                return Err(ctx.err_help(
                    &format!("{key}.function"),
                    format!("no function named `{name}`"),
                    Some(help),
                ));
            };
            if functions[g].tenant_isolation {
                return Err(ctx.err(
                    &format!("{key}.function"),
                    format!("`{name}` has tenant isolation: each of its requests needs a tenant, which a destination does not give"),
                ));
            }
            let service = crate::sources::catalog::lookup("direct").expect("the catalog has `direct`");
            sources.push(Source {
                name: format!("{}.{which}", functions[from].name),
                service,
                function: g,
                invocation: InvocationType::Event,
                arrival: Vec::new(),
                client_retries: 0,
                client_backoff: Dist::Constant(crate::engine::Time::ZERO),
                mapping: None,
                tenants: None,
                on_failure: None,
            });
            Ok(sources.len() - 1)
        }
    }
}

/// The functions each function's invocations send events to.
fn edges(f: usize, functions: &[Function], sources: &[Source]) -> Vec<usize> {
    let c = &functions[f].chain;
    let mut out: Vec<usize> = c
        .emits
        .iter()
        .map(|e| e.source)
        .chain(c.on_success)
        .chain(c.on_failure)
        .chain(
            sources
                .iter()
                .filter(|s| s.function == f)
                .filter_map(|s| s.on_failure),
        )
        .map(|s| sources[s].function)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The loops of the scenario's final functions (after `each_function` expansion).
pub(super) fn shape(any: bool, functions: &[Function], sources: &[Source]) -> Pipeline {
    let (component, component_len) = components(functions, sources);
    Pipeline {
        any,
        component,
        component_len,
    }
}

/// Strongly connected components (Tarjan's, iterative): each function's component, and
/// the number of functions in each.
fn components(functions: &[Function], sources: &[Source]) -> (Vec<u32>, Vec<u32>) {
    let n = functions.len();
    let adj: Vec<Vec<usize>> = (0..n).map(|f| edges(f, functions, sources)).collect();
    const NONE: usize = usize::MAX;
    let (mut index, mut low, mut on_stack) = (vec![NONE; n], vec![0; n], vec![false; n]);
    let mut comp = vec![u32::MAX; n];
    let mut sizes = Vec::new();
    let (mut stack, mut next) = (Vec::new(), 0usize);
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        // (node, next edge to look at)
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut e)) = work.last_mut() {
            if *e == 0 && index[v] == NONE {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = adj[v].get(*e) {
                *e += 1;
                if index[w] == NONE {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(u, _)) = work.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == index[v] {
                let c = sizes.len() as u32;
                let mut size = 0;
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = c;
                    size += 1;
                    if w == v {
                        break;
                    }
                }
                sizes.push(size);
            }
        }
    }
    (comp, sizes)
}

/// Warns of each loop: a chain may go round it, and lambdasim stops it as AWS does.
fn warn_loops(
    ctx: &Ctx,
    functions: &[Function],
    sources: &[Source],
    component: &[u32],
    len: &[u32],
) {
    for (c, &size) in len.iter().enumerate() {
        let members: Vec<usize> = (0..functions.len())
            .filter(|&f| component[f] == c as u32)
            .collect();
        let cyclic = size > 1 || edges(members[0], functions, sources).contains(&members[0]);
        if !cyclic {
            continue;
        }
        let names: Vec<String> = members
            .iter()
            .map(|&f| format!("`{}`", functions[f].name))
            .collect();
        let allowed = members
            .iter()
            .all(|&f| functions[f].chain.recursion_allowed);
        let what = if allowed {
            "with recursive_loop = \"allow\" nothing stops a chain going round it".to_string()
        } else {
            format!(
                "a chain is stopped when it would invoke one of them more than {} times (recursion_stopped), as AWS does; recursive_loop = \"allow\" turns that off",
                crate::model::config::RECURSION_LIMIT
            )
        };
        ctx.warn(
            &format!("functions[{}]", members[0]),
            format!("{} send events around a loop: {what}", names.join(", ")),
        );
    }
}
