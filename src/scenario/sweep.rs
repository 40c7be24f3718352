//! Sweeps: `[sweep]` lists values for keys of the scenario; every point of their cartesian
//! product is a variant, validated like a scenario of its own.
//!
//! Keys are dotted paths into the document. Arrays of tables (`functions`, `sources`) are
//! addressed by the element's `name` (or its 0-based index): `"functions.api.memory_mb"`,
//! `"sources.frontend.arrival"`, `"account.concurrency_limit"`.

use super::error::{self, InputError, line_col, locate, suggest};
use toml::{Table, Value};

/// The most variants one file may expand to.
const MAX_VARIANTS: usize = 10_000;

/// One sweep point: its name and the document with its values set.
pub struct Variant {
    /// Named from its values, e.g. `keep_alive=fixed/1m memory_mb=512`.
    pub name: String,
    /// The document of this variant (without `[sweep]`).
    pub doc: Table,
}

/// Splits `doc` into its variants; a document without `[sweep]` is one variant, `base`.
pub fn expand(mut doc: Table, text: &str, file: &str) -> Result<Vec<Variant>, InputError> {
    let err = |key: &str, message: String, help: Option<String>| {
        let position = locate(text, key).map(|s| line_col(text, s.start));
        InputError {
            file: file.to_string(),
            position,
            key: Some(key.to_string()),
            message,
            help,
        }
    };
    let Some(sweep) = doc.remove("sweep") else {
        return Ok(vec![Variant {
            name: "base".into(),
            doc,
        }]);
    };
    let Value::Table(sweep) = sweep else {
        return Err(err(
            "sweep",
            "`sweep` must be a table of key = [values], e.g. [sweep] \"functions.api.memory_mb\" = [512, 1024]".into(),
            None,
        ));
    };
    let mut axes: Vec<(String, Vec<Value>)> = Vec::new();
    let mut count: usize = 1;
    for (path, values) in sweep {
        let key = format!("sweep.{}", quote(&path));
        let values = match values {
            Value::Array(values) => values,
            // `functions.api.memory_mb = [...]` unquoted is TOML's nested tables.
            Value::Table(t) => {
                let dotted = first_leaf(&path, &t);
                return Err(err(
                    &key,
                    format!(
                        "`{}` is a table: a sweep's key is one path, written in quotes",
                        error::quote(&path)
                    ),
                    Some(format!(
                        "write \"{}\" = [...], with the quotes",
                        error::quote(&dotted)
                    )),
                ));
            }
            _ => {
                return Err(err(
                    &key,
                    format!(
                        "the values of `{}` must be an array, e.g. [128, 256, 512]",
                        error::quote(&path)
                    ),
                    None,
                ));
            }
        };
        if values.is_empty() {
            return Err(err(&key, format!("`{path}` lists no values"), None));
        }
        if path == "name" {
            return Err(err(
                &key,
                "the scenario `name` names the output folder of every variant: it cannot be swept"
                    .into(),
                Some("run several scenario files instead".into()),
            ));
        }
        for (i, v) in values.iter().enumerate() {
            if values[..i].contains(v) {
                return Err(err(
                    &key,
                    format!(
                        "`{path}` lists {} twice: each value makes one variant",
                        show(v)
                    ),
                    Some("use `replications` for more runs of one variant".into()),
                ));
            }
        }
        // Check that the path resolves in the base document.
        let mut probe = doc.clone();
        set(&mut probe, &path, values[0].clone()).map_err(|(msg, help)| err(&key, msg, help))?;
        count = count.saturating_mul(values.len());
        axes.push((path, values));
    }
    if count > MAX_VARIANTS {
        return Err(err(
            "sweep",
            format!(
                "the sweep expands to {count} variants, more than the {MAX_VARIANTS} one file may run"
            ),
            Some("list fewer values, or split the sweep over several files".into()),
        ));
    }
    let mut out = Vec::with_capacity(count);
    let mut seen = std::collections::HashSet::with_capacity(count);
    for i in 0..count {
        let mut d = doc.clone();
        let mut names = Vec::with_capacity(axes.len());
        let mut rest = i;
        // The last axis varies fastest.
        let mut picks = vec![0; axes.len()];
        for (a, (_, values)) in axes.iter().enumerate().rev() {
            picks[a] = rest % values.len();
            rest /= values.len();
        }
        for ((path, values), &k) in axes.iter().zip(&picks) {
            let v = values[k].clone();
            names.push(format!("{}={}", leaf(path), show(&v)));
            set(&mut d, path, v)
                .map_err(|(msg, help)| err(&format!("sweep.{}", quote(path)), msg, help))?;
        }
        let name = names.join(" ");
        if !seen.insert(name.clone()) {
            return Err(err(
                "sweep",
                format!("two variants would both be named `{name}`"),
                Some(
                    "sweep keys whose last segments differ, or values that read differently".into(),
                ),
            ));
        }
        out.push(Variant { name, doc: d });
    }
    // A replayed log's copied cold starts are the log's, true only of the configuration
    // that ran: the document as written runs first, as `baseline`, and every sweep point
    // simulates its cold starts.
    if copies_cold_starts(&doc) {
        for v in &mut out {
            simulate_cold_starts(&mut v.doc);
        }
        out.insert(
            0,
            Variant {
                name: BASELINE.into(),
                doc,
            },
        );
    }
    Ok(out)
}

/// The variant of a sweep that runs the document as written, when it replays a log's
/// cold starts.
pub const BASELINE: &str = "baseline";

/// The arrival tables of every source.
fn arrivals(doc: &mut Table) -> Vec<&mut Table> {
    let mut out = Vec::new();
    if let Some(Value::Array(sources)) = doc.get_mut("sources") {
        for s in sources {
            match s.get_mut("arrival") {
                Some(Value::Table(a)) => out.push(a),
                Some(Value::Array(items)) => {
                    out.extend(items.iter_mut().filter_map(Value::as_table_mut));
                }
                _ => {}
            }
        }
    }
    out
}

fn copies_cold_starts(doc: &Table) -> bool {
    arrivals(&mut doc.clone())
        .iter()
        .any(|a| a.get("cold_starts").and_then(Value::as_str) == Some("trace"))
}

fn simulate_cold_starts(doc: &mut Table) {
    for a in arrivals(doc) {
        if a.get("cold_starts").and_then(Value::as_str) == Some("trace") {
            a.insert("cold_starts".into(), Value::String("simulate".into()));
        }
    }
}

/// A sweep key as written in a TOML table header: quoted when it holds dots.
fn quote(path: &str) -> String {
    if path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        path.to_string()
    } else {
        format!("\"{path}\"")
    }
}

/// The last segment of a path: what a variant name shows.
fn leaf(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// A compact, deterministic rendering of a value for variant names.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(show).collect::<Vec<_>>().join(";")),
        // A range such as `provisioned_pollers = { min = 4, max = 24 }`: 4..24.
        Value::Table(t) if t.len() == 2 && t.contains_key("min") && t.contains_key("max") => {
            format!("{}..{}", show(&t["min"]), show(&t["max"]))
        }
        Value::Table(t) => {
            // Keep-alive, distribution and arrival tables read best as their values, the
            // kind first: fixed/1m, lognormal/120ms/0.6.
            let kind = ["policy", "dist", "process"]
                .iter()
                .find_map(|k| t.get(*k).map(show));
            let rest = t
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "policy" | "dist" | "process"))
                .map(|(_, v)| show(v));
            kind.into_iter().chain(rest).collect::<Vec<_>>().join("/")
        }
    }
}

/// Sets `path` in `doc` to `value`, creating missing tables.
fn set(doc: &mut Table, path: &str, value: Value) -> Result<(), (String, Option<String>)> {
    let segs: Vec<&str> = path.split('.').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err((format!("`{path}` is not a key path (empty segment)"), None));
    }
    set_in(doc, &segs, path, value)
}

fn set_in(
    table: &mut Table,
    segs: &[&str],
    path: &str,
    value: Value,
) -> Result<(), (String, Option<String>)> {
    let head = segs[0];
    if segs.len() == 1 {
        table.insert(head.to_string(), value);
        return Ok(());
    }
    let entry = table
        .entry(head.to_string())
        .or_insert_with(|| Value::Table(Table::new()));
    match entry {
        Value::Table(t) => set_in(t, &segs[1..], path, value),
        Value::Array(items) => {
            // An array of tables: the next segments name an element (names may hold dots).
            let names: Vec<String> = items
                .iter()
                .filter_map(|it| it.get("name").and_then(Value::as_str).map(String::from))
                .collect();
            for take in (1..segs.len()).rev() {
                let name = segs[1..=take].join(".");
                let found = items
                    .iter()
                    .position(|it| it.get("name").and_then(Value::as_str) == Some(name.as_str()));
                let index = found.or_else(|| {
                    (take == 1)
                        .then(|| name.parse::<usize>().ok())
                        .flatten()
                        .filter(|i| *i < items.len())
                });
                if let Some(i) = index {
                    if take + 1 >= segs.len() {
                        return Err((
                            format!(
                                "`{path}` names a whole `{head}` entry; add the key to set, e.g. `{path}.memory_mb`"
                            ),
                            None,
                        ));
                    }
                    let Value::Table(t) = &mut items[i] else {
                        return Err((format!("`{head}` is not an array of tables"), None));
                    };
                    return set_in(t, &segs[take + 1..], path, value);
                }
            }
            let wanted = segs[1];
            let help = match suggest(wanted, names.iter().map(String::as_str)) {
                Some(s) => Some(format!("did you mean `{s}`?")),
                None if !names.is_empty() => Some(format!("`{head}` has: {}", names.join(", "))),
                None => None,
            };
            Err((
                format!("`{path}`: no entry of `{head}` is named `{wanted}`"),
                help,
            ))
        }
        _ => Err((format!("`{path}`: `{head}` is a value, not a table"), None)),
    }
}

/// The dotted path to the first value under `t` that is not a table: what an unquoted
/// dotted key under `[sweep]` meant.
fn first_leaf(path: &str, t: &toml::Table) -> String {
    match t.iter().next() {
        Some((k, Value::Table(inner))) => first_leaf(&format!("{path}.{k}"), inner),
        Some((k, _)) => format!("{path}.{k}"),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    const BASE: &str = r#"
duration = "1h"
[[functions]]
name = "api"
memory_mb = 128
[[functions]]
name = "v2.worker"
memory_mb = 256
[sweep]
"functions.api.memory_mb" = [128, 256, 512]
"functions.v2.worker.keep_alive" = [{ policy = "fixed", idle = "1m" }, { policy = "none" }]
"account.concurrency_limit" = [100]
"#;

    #[test]
    fn the_cartesian_product_sets_every_path() {
        let v = expand(doc(BASE), BASE, "t.toml").unwrap();
        assert_eq!(v.len(), 6);
        let names: Vec<&str> = v.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(
            names[0],
            "concurrency_limit=100 memory_mb=128 keep_alive=fixed/1m"
        );
        assert_eq!(
            names[1],
            "concurrency_limit=100 memory_mb=128 keep_alive=none"
        );
        assert_eq!(
            names[5],
            "concurrency_limit=100 memory_mb=512 keep_alive=none"
        );
        let d = &v[4].doc;
        assert!(d.get("sweep").is_none());
        assert_eq!(d["account"]["concurrency_limit"].as_integer(), Some(100));
        assert_eq!(d["functions"][0]["memory_mb"].as_integer(), Some(512));
        assert_eq!(
            d["functions"][1]["keep_alive"]["policy"].as_str(),
            Some("fixed")
        );
        // Names are unique.
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 6);
    }

    #[test]
    fn a_range_shows_as_min_to_max_and_a_distribution_keeps_its_kind() {
        let t = |text: &str| Value::Table(text.parse::<Table>().unwrap());
        assert_eq!(show(&t("min = 4\nmax = 24")), "4..24");
        assert_eq!(
            show(&t("dist = \"uniform\"\nmin = \"0ms\"\nmax = \"5ms\"")),
            "uniform/5ms/0ms"
        );
        assert_eq!(show(&t("min = 4")), "4");
    }

    #[test]
    fn no_sweep_is_the_base_variant() {
        let v = expand(doc("duration = \"1h\""), "", "t.toml").unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].name, "base");
    }

    #[test]
    fn bad_sweeps_are_located_and_explained() {
        let text = BASE.replace("functions.api.memory_mb", "functions.apj.memory_mb");
        let e = match expand(doc(&text), &text, "t.toml") {
            Err(e) => e,
            Ok(_) => panic!("should fail"),
        };
        assert!(
            e.message.contains("no entry of `functions` is named `apj`"),
            "{e}"
        );
        assert_eq!(e.help.as_deref(), Some("did you mean `api`?"));
        assert!(e.position.is_some());
        let text = "duration = \"1h\"\n[sweep]\n\"account.concurrency_limit\" = 5\n";
        let e = match expand(doc(text), text, "t.toml") {
            Err(e) => e,
            Ok(_) => panic!("should fail"),
        };
        assert!(e.message.contains("must be an array"), "{e}");
        let text = "duration = \"1h\"\n[sweep]\n\"account.concurrency_limit\" = []\n";
        assert!(expand(doc(text), text, "t.toml").is_err());
    }

    #[test]
    fn an_unquoted_dotted_sweep_key_is_told_to_quote_the_path() {
        let text = "duration = \"1h\"\n[sweep]\nfunctions.api.memory_mb = [128, 256]\n";
        let e = match expand(doc(text), text, "t.toml") {
            Err(e) => e,
            Ok(_) => panic!("should fail"),
        };
        assert!(e.message.contains("written in quotes"), "{e}");
        assert!(!e.message.contains("must be an array"), "{e}");
        assert_eq!(
            e.help.as_deref(),
            Some("write \"functions.api.memory_mb\" = [...], with the quotes")
        );
    }
}
