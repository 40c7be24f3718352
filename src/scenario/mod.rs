//! Reading scenario files: TOML in, a validated `model::Scenario` out, or an `InputError`
//! that names the file, the position, the key and the fix.

mod error;
pub mod import;
mod raw;
mod sweep;
mod validate;

pub use error::{InputError, QUOTE_CHARS, line_col, locate, quote, suggest};
pub use raw::parse_duration;
pub use sweep::BASELINE;
pub use validate::{MAX_NAME, name_problem};

use crate::model::Scenario;
use std::path::Path;

/// Reads and validates the scenario at `path`. With a `[sweep]`, this is its first variant.
pub fn load(path: &Path) -> Result<Scenario, InputError> {
    Ok(load_variants(path)?.swap_remove(0))
}

/// Validates scenario `text`, read from `path` (used for messages, the default name and
/// relative trace paths). With a `[sweep]`, this is its first variant.
pub fn parse(text: &str, path: &Path) -> Result<Scenario, InputError> {
    Ok(parse_variants(text, path)?.swap_remove(0))
}

/// The largest scenario file: a hand-written or imported one is a few kilobytes.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// Reads and validates the scenario at `path`, one `Scenario` per variant of its sweep.
pub fn load_variants(path: &Path) -> Result<Vec<Scenario>, InputError> {
    parse_variants(&read(path)?, path)
}

/// The text of the scenario file at `path` (a regular file of at most
/// [`MAX_SCENARIO_BYTES`]).
pub fn read(path: &Path) -> Result<String, InputError> {
    crate::read::small_text(path, MAX_SCENARIO_BYTES).map_err(|e| InputError {
        file: path.display().to_string(),
        position: None,
        key: None,
        message: format!("cannot read the scenario: {e}"),
        help: None,
    })
}

/// Validates scenario `text`: one `Scenario` per variant of its `[sweep]` (just `base`
/// without one), in sweep order.
pub fn parse_variants(text: &str, path: &Path) -> Result<Vec<Scenario>, InputError> {
    let file = path.display().to_string();
    // The document as written: positions for every error in it.
    let raw: raw::RawScenario = toml::from_str(text).map_err(|e| from_toml(text, &file, &e))?;
    if raw.sweep.is_none() {
        if raw.recommend.is_some() {
            return Err(InputError {
                file,
                position: locate(text, "recommend").map(|s| line_col(text, s.start)),
                key: Some("recommend".into()),
                message: "`[recommend]` picks one of the variants of a `[sweep]`, and this file has no sweep".into(),
                help: Some("add a [sweep], e.g. \"functions.api.memory_mb\" = [512, 1024, 2048]".into()),
            });
        }
        return Ok(vec![validate::validate(raw, text, path)?]);
    }
    let doc: toml::Table = toml::from_str(text).map_err(|e| from_toml(text, &file, &e))?;
    let mut out = Vec::new();
    for v in sweep::expand(doc, text, &file)? {
        let in_variant = |mut e: InputError| {
            e.message = format!("in sweep variant `{}`: {}", v.name, e.message);
            e
        };
        let raw = <raw::RawScenario as serde::Deserialize>::deserialize(toml::Value::Table(
            v.doc.clone(),
        ))
        .map_err(|e| {
            in_variant(InputError {
                file: file.clone(),
                position: locate(text, "sweep").map(|s| line_col(text, s.start)),
                key: Some("sweep".into()),
                message: e.message().trim().to_string(),
                help: None,
            })
        })?;
        let mut sc = validate::validate(raw, text, path).map_err(in_variant)?;
        sc.variant = v.name;
        out.push(sc);
    }
    Ok(out)
}

/// Turns a TOML or serde error into an `InputError` with a position, a key and a
/// did-you-mean for unknown keys.
fn from_toml(text: &str, file: &str, e: &toml::de::Error) -> InputError {
    let span = e.span();
    let position = span.as_ref().map(|s| line_col(text, s.start));
    let key = span.as_ref().and_then(|s| error::path_at(text, s.start));
    let msg = e.message().trim().to_string();
    let mut help = None;
    let mut message = msg.clone();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some((name, expected)) = rest.split_once('`') {
            let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            message = format!("unknown key `{name}`");
            help = match suggest(name, candidates.iter().copied()) {
                Some(s) => Some(format!("did you mean `{s}`?")),
                None if !candidates.is_empty() => {
                    Some(format!("expected one of: {}", candidates.join(", ")))
                }
                None => None,
            };
        }
    } else if msg.starts_with("duplicate key") {
        // The document does not parse, so the path is unknown: name the key as written.
        if let Some(sp) = &span {
            let written = text.get(sp.clone()).unwrap_or("").trim();
            if !written.is_empty() {
                message = format!("duplicate key `{written}`: a key or table may appear only once");
            }
        }
    } else if let Some(field) = msg.strip_prefix("missing field `") {
        message = format!("missing required key `{}`", field.trim_end_matches('`'));
    } else if msg.starts_with("invalid type") {
        // serde names Rust's types (`expected i64`); a user wrote TOML.
        for (rust, plain) in [
            ("expected i64", "expected an integer"),
            ("expected u64", "expected a whole number, 0 or more"),
            ("expected u32", "expected a whole number, 0 or more"),
            ("expected f64", "expected a number"),
            ("expected a boolean", "expected true or false"),
        ] {
            if let Some(head) = msg.strip_suffix(rust) {
                message = format!("{head}{plain}");
                if rust == "expected i64" && head.contains("floating point") {
                    help = Some("write it without a decimal point, e.g. 512".into());
                }
            }
        }
    }
    InputError {
        file: file.to_string(),
        position,
        key,
        message,
        help,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Time;
    use crate::sources::InvocationType;

    fn err(text: &str) -> InputError {
        parse(text, Path::new("t.toml")).expect_err("should be invalid")
    }

    const OK: &str = r#"
duration = "10m"
[[functions]]
name = "api"
duration = "100ms"
[[sources]]
service = "api_gateway"
function = "api"
arrival = { process = "poisson", rate = 5.0 }
"#;

    #[test]
    fn a_minimal_scenario_parses_with_defaults() {
        let s = parse(OK, Path::new("dir/minimal.toml")).unwrap();
        assert_eq!(s.name, "minimal");
        assert_eq!(s.functions[0].memory_mb, 128);
        assert_eq!(s.sources[0].name, "api_gateway");
        assert_eq!(s.account.concurrency_limit, 1000);
    }

    #[test]
    fn misspelt_key_gets_position_and_suggestion() {
        let e = err(&OK.replace(
            "duration = \"100ms\"",
            "duration = \"100ms\"\nmemry_mb = 256",
        ));
        assert_eq!(e.position, Some((6, 1)), "{e}");
        assert_eq!(e.key.as_deref(), Some("functions[0].memry_mb"), "{e}");
        assert_eq!(e.help.as_deref(), Some("did you mean `memory_mb`?"), "{e}");
    }

    #[test]
    fn range_errors_name_the_key() {
        let e = err(&OK.replace(
            "duration = \"100ms\"",
            "duration = \"100ms\"\nmemory_mb = 64",
        ));
        assert_eq!(e.key.as_deref(), Some("functions[0].memory_mb"));
        assert_eq!(e.position, Some((6, 1)));
        assert!(e.message.contains("128"), "{e}");
    }

    #[test]
    fn bad_duration_strings_are_located() {
        let e = err(&OK.replace("\"10m\"", "\"ten minutes\""));
        assert_eq!(e.position.map(|p| p.0), Some(2), "{e}");
        assert!(e.to_string().contains("not a duration"), "{e}");
    }

    #[test]
    fn durations_are_under_584_years_and_what_check_prints_parses_back() {
        let too_long = |s: &str| {
            let e = parse_duration(s).unwrap_err();
            assert!(
                e.contains("too long") && e.contains("584 years"),
                "{s}: {e}"
            );
        };
        too_long("18446744073709551615ns");
        too_long("1e30s");
        too_long("1e400s");
        too_long("213160days");
        too_long("99999999999999999999999s");
        let ok = |s: &str, t: Time| assert_eq!(parse_duration(s), Ok(t), "{s}");
        ok("213159days", Time::from_secs(213_159 * 86_400));
        ok("1e3ms", Time::from_secs(1));
        ok("2.5e-1s", Time::from_millis(250));
        ok("1.5 m", Time::from_secs(90));
        for bad in ["abc", "5", "-5s", "1e3", "s", "1x"] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains("not a duration"), "{bad}: {e}");
        }
        // What is printed (by --check, in warnings) reads back as the same duration,
        // up to the longest accepted.
        for t in [
            Time(1),
            Time::from_millis(1500),
            Time::from_secs(31 * 86_400),
            Time::from_secs(400 * 86_400 + 3_725),
            Time(raw::MAX_DURATION.as_nanos() - 1),
        ] {
            assert_eq!(parse_duration(&t.to_string()), Ok(t), "{t}");
        }
        // A long bad value is quoted, not echoed whole.
        let e = parse_duration(&"9".repeat(500)).unwrap_err();
        assert!(e.len() < 200 && e.contains("(500 characters)"), "{e}");
    }

    #[test]
    fn a_name_too_long_for_a_folder_is_refused_before_the_run_and_not_echoed_whole() {
        let long = "n".repeat(256);
        let e = err(&format!("name = \"{long}\"\n{OK}"));
        assert_eq!(e.key.as_deref(), Some("name"));
        assert!(e.message.contains("at most 128 characters"), "{e}");
        assert!(!e.message.contains(&long) && e.message.contains("(256 characters)"));
        let just = "n".repeat(128);
        parse(&format!("name = \"{just}\"\n{OK}"), Path::new("t.toml")).unwrap();
        let e = err(&OK.replace("name = \"api\"", &format!("name = \"{long}\"")));
        assert_eq!(e.key.as_deref(), Some("functions[0].name"), "{e}");
    }

    #[test]
    fn an_integer_key_given_a_decimal_says_an_integer_not_i64() {
        let e = err(&OK.replace("name = \"api\"", "name = \"api\"\nmemory_mb = 512.0"));
        assert_eq!(e.key.as_deref(), Some("functions[0].memory_mb"), "{e}");
        assert!(e.message.contains("expected an integer"), "{e}");
        assert!(!e.message.contains("i64"), "{e}");
        assert_eq!(
            e.help.as_deref(),
            Some("write it without a decimal point, e.g. 512")
        );
    }

    #[test]
    fn reserved_concurrency_over_what_the_account_can_set_aside_says_how_much_it_can() {
        let with = |limit: u32, reserved: u32| {
            err(&OK
                .replace(
                    "name = \"api\"",
                    &format!("name = \"api\"\nreserved_concurrency = {reserved}"),
                )
                .replace(
                    "duration = \"10m\"",
                    &format!("duration = \"10m\"\n[account]\nconcurrency_limit = {limit}"),
                ))
        };
        let e = with(50, 10);
        assert_eq!(e.key.as_deref(), Some("functions[0].reserved_concurrency"));
        assert!(e.message.contains("can set none aside"), "{e}");
        assert!(!e.message.contains("the 0"), "{e}");
        assert!(e.help.as_deref().unwrap().contains("at least 110"), "{e}");
        let e = with(1000, 950);
        assert!(e.message.contains("can set at most 900 aside"), "{e}");
        assert!(e.help.as_deref().unwrap().contains("at least 1050"), "{e}");
    }

    #[test]
    fn unknown_function_reference_suggests() {
        let e = err(&OK.replace("function = \"api\"", "function = \"apj\""));
        assert_eq!(e.key.as_deref(), Some("sources[0].function"));
        assert_eq!(e.help.as_deref(), Some("did you mean `api`?"));
    }

    #[test]
    fn asynchronous_sources_default_to_event_and_poll_keys_are_checked() {
        let s = parse(
            &OK.replace("\"api_gateway\"", "\"s3\""),
            Path::new("t.toml"),
        )
        .unwrap();
        assert_eq!(s.sources[0].invocation, InvocationType::Event);
        assert_eq!(s.functions[0].max_event_age, Time::from_secs(6 * 3600));
        assert_eq!(s.functions[0].max_retry_attempts, 2);
        let s = parse(
            &OK.replace(
                "service = \"api_gateway\"",
                "service = \"cloudwatch_events\"",
            ),
            Path::new("t.toml"),
        )
        .unwrap();
        assert_eq!(s.sources[0].service.name, "eventbridge");
        let e = err(&OK.replace("\"api_gateway\"", "\"sqs\"\nshards = 2"));
        assert_eq!(e.key.as_deref(), Some("sources[0].shards"));
        assert!(e.message.contains("stream sources"), "{e}");
        let e = err(&OK.replace("\"api_gateway\"", "\"sns\"\nbatch_size = 2"));
        assert!(e.message.contains("poll sources"), "{e}");
        let e = err(&OK.replace("\"api_gateway\"", "\"sqs\"\nbatch_size = 50"));
        assert!(e.message.contains("batching_window"), "{e}");
        let e = err(&OK.replace("\"api_gateway\"", "\"sqs\"\nvisibility_timeout = \"1s\""));
        assert!(e.message.contains("shorter than the timeout"), "{e}");
        let e = err(&OK.replace(
            "\"api_gateway\"",
            "\"kinesis\"\nparallelization_factor = 11",
        ));
        assert!(e.message.contains("between 1 and 10"), "{e}");
        let e = err(&OK.replace(
            "\"api_gateway\"",
            "\"dynamodb_streams\"\nretention = \"48h\"",
        ));
        assert!(e.message.contains("24h"), "{e}");
        let e = err(&format!("{OK}[platform]\npoll_interval = \"10us\"\n"));
        assert_eq!(e.key.as_deref(), Some("platform.poll_interval"));
        let e = err(&OK.replace("\"api_gateway\"", "\"api_gatway\""));
        assert_eq!(e.help.as_deref(), Some("did you mean `api_gateway`?"));
    }

    #[test]
    fn empirical_percentiles_are_checked() {
        let with = |d: &str| OK.replace("duration = \"100ms\"", &format!("duration = {d}"));
        let s = parse(
            &with("{ dist = \"empirical\", percentiles = { p0 = \"1ms\", p50 = \"40ms\", p100 = \"2s\" } }"),
            Path::new("t.toml"),
        )
        .unwrap();
        let crate::engine::Dist::Empirical(points) = &s.functions[0].duration else {
            panic!("empirical");
        };
        assert_eq!(points.len(), 3);
        assert_eq!(points[1], (0.5, 40e6));
        let e = err(&with(
            "{ dist = \"empirical\", percentiles = { p50 = \"40ms\", p100 = \"2s\" } }",
        ));
        assert!(e.message.contains("p0"), "{e}");
        let e = err(&with(
            "{ dist = \"empirical\", percentiles = { p0 = \"1s\", p50 = \"40ms\", p100 = \"2s\" } }",
        ));
        assert_eq!(
            e.key.as_deref(),
            Some("functions[0].duration.percentiles.p50")
        );
        let e = err(&with(
            "{ dist = \"empirical\", percentiles = { p0 = \"1ms\", q50 = \"40ms\", p100 = \"2s\" } }",
        ));
        assert!(e.message.contains("not a percentile"), "{e}");
        let e = err(&with("{ dist = \"empirical\" }"));
        assert!(e.message.contains("percentiles"), "{e}");
        let e = err(&with(
            "{ dist = \"empirical\", percentiles = { p0 = 5, p100 = \"2s\" } }",
        ));
        assert!(e.message.contains("duration string"), "{e}");
    }

    #[test]
    fn every_service_accepts_exactly_its_invocation_types() {
        for svc in crate::sources::catalog::CATALOG {
            if svc.model == crate::sources::SourceModel::Poll {
                continue;
            }
            for t in ["RequestResponse", "Event", "DryRun"] {
                let text = OK.replace(
                    "service = \"api_gateway\"",
                    &format!("service = \"{}\"\ninvocation = \"{t}\"", svc.name),
                );
                let allowed = svc.allowed.iter().any(|a| a.as_str() == t);
                match parse(&text, Path::new("t.toml")) {
                    Ok(s) => {
                        assert!(allowed, "{} accepted {t}", svc.name);
                        assert_eq!(s.sources[0].invocation.as_str(), t);
                    }
                    Err(e) => {
                        assert!(!allowed, "{} refused {t}: {e}", svc.name);
                        assert_eq!(e.key.as_deref(), Some("sources[0].invocation"));
                        for a in svc.allowed {
                            assert!(e.message.contains(a.as_str()), "{e}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn asynchronous_and_retry_keys_are_checked() {
        let with_fn = |extra: &str| {
            OK.replace(
                "duration = \"100ms\"",
                &format!("duration = \"100ms\"\n{extra}"),
            )
        };
        let e = err(&with_fn("max_event_age = \"30s\""));
        assert_eq!(e.key.as_deref(), Some("functions[0].max_event_age"));
        assert!(e.message.contains("60s and 6h"), "{e}");
        let e = err(&with_fn("max_event_age = \"7h\""));
        assert!(e.message.contains("60s and 6h"), "{e}");
        let e = err(&with_fn("max_retry_attempts = 3"));
        assert_eq!(e.key.as_deref(), Some("functions[0].max_retry_attempts"));
        assert!(e.message.contains("between 0 and 2"), "{e}");
        let s = parse(
            &with_fn("max_event_age = \"1m\"\nmax_retry_attempts = 0"),
            Path::new("t.toml"),
        )
        .unwrap();
        assert_eq!(s.functions[0].max_event_age, Time::from_secs(60));
        assert_eq!(s.functions[0].max_retry_attempts, 0);

        let with_src = |extra: &str| {
            OK.replace(
                "function = \"api\"",
                &format!("function = \"api\"\n{extra}"),
            )
        };
        let s = parse(
            &with_src("client_retries = 3\nclient_backoff = \"50ms\""),
            Path::new("t.toml"),
        )
        .unwrap();
        assert_eq!(s.sources[0].client_retries, 3);
        let e = err(&with_src("invocation = \"Event\"\nclient_retries = 3"));
        assert_eq!(e.key.as_deref(), Some("sources[0].client_retries"));
        assert!(e.message.contains("Event"), "{e}");
        let e = err(&with_src("client_backoff = \"50ms\""));
        assert_eq!(e.key.as_deref(), Some("sources[0].client_backoff"));
        let e = err(&with_src("client_retries = -1"));
        assert!(e.message.contains("between 0 and 100"), "{e}");

        let e = err(&format!("{OK}[output]\ntrace_limit = 5\n"));
        assert_eq!(e.key.as_deref(), Some("output.trace_limit"));
        assert!(e.message.contains("trace = true"), "{e}");
        let e = err(&format!("{OK}[output]\ntrace = true\ntrace_limit = 0\n"));
        assert!(e.message.contains("between 1"), "{e}");
        let s = parse(
            &format!("{OK}[output]\ntrace = true\n"),
            Path::new("t.toml"),
        )
        .unwrap();
        assert!(s.output.trace);
        assert_eq!(s.output.trace_limit, 100_000);

        let e = err(&format!(
            "{OK}[platform]\nasync_backoff_initial = \"10s\"\nasync_backoff_max = \"5s\"\n"
        ));
        assert_eq!(e.key.as_deref(), Some("platform.async_backoff_max"));
        for t in ["0s", "1ns", "999us"] {
            let e = err(&format!(
                "{OK}[platform]\nasync_backoff_initial = \"{t}\"\n"
            ));
            assert!(e.message.contains("at least 1ms"), "{e}");
            let e = err(&format!("{OK}[platform]\nasync_backoff_max = \"{t}\"\n"));
            assert_eq!(e.key.as_deref(), Some("platform.async_backoff_max"), "{e}");
        }
        let s = parse(
            &format!(
                "{OK}[platform]\nasync_backoff_initial = \"1ms\"\nasync_backoff_max = \"1ms\"\n"
            ),
            Path::new("t.toml"),
        )
        .unwrap();
        assert_eq!(s.platform.async_backoff(5), Time::from_millis(1));
    }

    #[test]
    fn invocation_types_not_allowed_by_aws_are_refused() {
        let e = err(&OK.replace(
            "service = \"api_gateway\"",
            "service = \"alb\"\ninvocation = \"Event\"",
        ));
        assert!(e.message.contains("RequestResponse"), "{e}");
    }

    #[test]
    fn reserved_concurrency_rules() {
        let e = err(&OK.replace(
            "duration = \"100ms\"",
            "duration = \"100ms\"\nreserved_concurrency = 950",
        ));
        assert!(e.message.contains("900"), "{e}");
        let e = err(&OK.replace(
            "duration = \"100ms\"",
            "duration = \"100ms\"\nreserved_concurrency = 10\nprovisioned_concurrency = 20",
        ));
        assert_eq!(
            e.key.as_deref(),
            Some("functions[0].provisioned_concurrency"),
            "{e}"
        );
    }

    #[test]
    fn other_rules() {
        for (from, to, key) in [
            ("\"10m\"", "\"0s\"", "duration"),
            ("rate = 5.0", "rate = -1.0", "sources[0].arrival.rate"),
            ("rate = 5.0", "rate = nan", "sources[0].arrival.rate"),
            ("rate = 5.0", "rate = 1e300", "sources[0].arrival.rate"),
            ("\"10m\"", "\"999999999h\"", "duration"),
            ("\"10m\"", "\"99999d\"", "sources[0].arrival"),
            (
                "duration = \"100ms\"",
                "duration = \"100ms\"\ntimeout = \"901s\"",
                "functions[0].timeout",
            ),
            (
                "duration = \"100ms\"",
                "duration = \"100ms\"\nerror_rate = 1.5",
                "functions[0].error_rate",
            ),
            (
                "name = \"api\"",
                "name = \"api\"\narchitecture = \"arm\"",
                "functions[0].architecture",
            ),
            (
                "duration = \"100ms\"",
                "duration = { dist = \"lognormal\", median = \"100ms\" }",
                "functions[0].duration",
            ),
        ] {
            let e = err(&OK.replacen(from, to, 1));
            assert_eq!(e.key.as_deref(), Some(key), "{from} -> {to}: {e}");
            assert!(e.position.is_some(), "{e}");
        }
    }

    #[test]
    fn duplicate_tables_name_the_key() {
        let e = err(&format!(
            "{OK}\n[account]\nconcurrency_limit = 5\n[account]\nscaling_rate = 5\n"
        ));
        assert!(e.message.contains("`account`"), "{e}");
        assert!(e.position.is_some());
    }

    #[test]
    fn efs_needs_its_mount_time_and_the_mount_needs_efs() {
        let e = err(&OK.replace("duration = \"100ms\"", "duration = \"100ms\"\nefs = true"));
        assert_eq!(e.key.as_deref(), Some("functions[0].efs"), "{e}");
        let e = err(&OK.replace(
            "duration = \"100ms\"",
            "duration = \"100ms\"\nefs_mount = \"50ms\"",
        ));
        assert_eq!(e.key.as_deref(), Some("functions[0].efs_mount"), "{e}");
        let ok = parse(
            &OK.replace(
                "duration = \"100ms\"",
                "duration = \"100ms\"\nefs = true\nefs_mount = \"50ms\"",
            ),
            Path::new("t.toml"),
        );
        assert!(ok.unwrap().functions[0].efs_mount.is_some());
    }

    #[test]
    fn duplicate_names_are_refused() {
        let two = format!("{OK}\n[[functions]]\nname = \"api\"\nduration = \"1s\"\n");
        let e = err(&two);
        assert_eq!(e.key.as_deref(), Some("functions[1].name"));
    }
}
