//! Trace replay: exact arrivals from the shipped Azure samples, and malformed traces as
//! input errors naming the file and line.

use crate::{assert_conserved, run};
use std::path::{Path, PathBuf};

fn traces() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/traces")
}

fn replay(arrival: &str, duration: &str) -> String {
    format!(
        r#"
duration = "{duration}"
[[functions]]
name = "f"
duration = "50ms"
init = "0s"
timeout = "900s"
[[sources]]
service = "direct"
arrival = {arrival}
[output]
invocations = true
timeseries_interval = "1m"
"#
    )
}

#[test]
fn the_2021_sample_replays_its_199_requests_at_their_start_times() {
    let path = traces().join("Azure2021_200.csv");
    let r = run(&replay(
        &format!(
            "{{ process = \"trace\", format = \"azure2021\", path = \"{}\" }}",
            path.display()
        ),
        "1h",
    ));
    assert_conserved(&r);
    assert_eq!(r.total.requests, 199);
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let starts: Vec<f64> = rdr
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            let end: f64 = rec[2].parse().unwrap();
            let d: f64 = rec[3].parse().unwrap();
            (end - d).max(0.0)
        })
        .collect();
    let mut arrivals: Vec<(u64, f64)> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| (a.request, a.arrival.as_nanos() as f64 / 1e9))
        .collect();
    arrivals.sort_by_key(|a| a.0);
    assert_eq!(arrivals.len(), 199);
    for ((_, got), want) in arrivals.iter().zip(&starts) {
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
    // One (app, func) pair only.
    let rec = csv::Reader::from_path(&path)
        .unwrap()
        .records()
        .next()
        .unwrap()
        .unwrap();
    let func = rec[1].to_string();
    let expected = csv::Reader::from_path(&path)
        .unwrap()
        .records()
        .filter(|x| x.as_ref().unwrap()[1] == func)
        .count() as u64;
    let r = run(&replay(
        &format!(
            "{{ process = \"trace\", format = \"azure2021\", path = \"{}\", function = \"{func}\" }}",
            path.display()
        ),
        "1h",
    ));
    assert_eq!(r.total.requests, expected);
}

#[test]
fn the_2019_sample_reproduces_its_per_minute_counts() {
    let path = traces().join("10_inv.csv");
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let header = rdr.headers().unwrap().clone();
    let first_minute = header.iter().position(|h| h == "minute_1").unwrap();
    let mut totals = vec![0u64; 1440];
    let mut first_row = (String::new(), vec![0u64; 1440]);
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.unwrap();
        for m in 0..1440 {
            let n: u64 = rec[first_minute + m].parse().unwrap();
            totals[m] += n;
            if i == 0 {
                first_row.1[m] = n;
            }
        }
        if i == 0 {
            first_row.0 = rec[0].to_string();
        }
    }
    assert_eq!(totals.iter().sum::<u64>(), 28_432);
    for spread in ["uniform", "even"] {
        let r = run(&replay(
            &format!(
                "{{ process = \"trace\", format = \"azure2019\", path = \"{}\", spread = \"{spread}\" }}",
                path.display()
            ),
            "24h",
        ));
        assert_conserved(&r);
        let got: Vec<u64> = r.series[0].iter().map(|b| b.arrivals).collect();
        assert_eq!(got, totals, "{spread}");
    }
    let r = run(&replay(
        &format!(
            "{{ process = \"trace\", format = \"azure2019\", path = \"{}\", function = \"{}\" }}",
            path.display(),
            first_row.0
        ),
        "24h",
    ));
    let got: Vec<u64> = r.series[0].iter().map(|b| b.arrivals).collect();
    assert_eq!(got, first_row.1);
}

#[test]
fn timestamps_replay_lines_or_a_csv_column_and_refuse_bad_rows() {
    let d = tempfile::tempdir().unwrap();
    let lines = d.path().join("t.txt");
    std::fs::write(&lines, "# offsets\n0.5\n1\n1\n2.25\n").unwrap();
    let r = run(&replay(
        &format!("{{ process = \"trace\", path = \"{}\" }}", lines.display()),
        "10s",
    ));
    let at: Vec<f64> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.arrival.as_millis_f64())
        .collect();
    assert_eq!(at, [500.0, 1000.0, 1000.0, 2250.0]);
    let table = d.path().join("t.csv");
    std::fs::write(&table, "id,at\na,0.1\nb,0.2\n").unwrap();
    let r = run(&replay(
        &format!(
            "{{ process = \"trace\", path = \"{}\", column = \"at\" }}",
            table.display()
        ),
        "10s",
    ));
    assert_eq!(r.total.requests, 2);
    // Malformed: the error names the trace file and the line.
    std::fs::write(&lines, "0.5\n1\nsoon\n").unwrap();
    let text = replay(
        &format!("{{ process = \"trace\", path = \"{}\" }}", lines.display()),
        "10s",
    );
    let e = lambdasim::scenario::parse(&text, Path::new("s.toml")).unwrap_err();
    assert!(e.message.contains("t.txt:3"), "{e}");
    assert!(e.message.contains("not a number"), "{e}");
    std::fs::write(&lines, "2\n1\n").unwrap();
    let e = lambdasim::scenario::parse(&text, Path::new("s.toml")).unwrap_err();
    assert!(
        e.message.contains("t.txt:2") && e.message.contains("decrease"),
        "{e}"
    );
    let text = replay("{ process = \"trace\", path = \"nowhere.txt\" }", "10s");
    let e = lambdasim::scenario::parse(&text, Path::new("s.toml")).unwrap_err();
    assert!(e.message.contains("cannot open"), "{e}");
    assert_eq!(e.key.as_deref(), Some("sources[0].arrival.path"));
}

/// Reads the rows of a CSV file as maps from column name to value.
fn rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let header = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn each_2019(extra: &str) -> String {
    let t = traces();
    format!(
        r#"
duration = "24h"
[[functions]]
name = "az"
memory_mb = 256
duration = "50ms"
init = "0s"
timeout = "900s"
[[sources]]
service = "direct"
function = "az"
arrival = {{ process = "trace", format = "azure2019", path = "{}", each_function = true, spread = "even"{extra} }}
[output]
invocations = true
timeseries_interval = "1m"
"#,
        t.join("10_inv.csv").display()
    )
}

#[test]
fn every_2019_row_becomes_a_function_with_its_counts_durations_and_memory() {
    let t = traces();
    let inv = rows(&t.join("10_inv.csv"));
    let run_rows = rows(&t.join("10_run.csv"));
    let mem = rows(&t.join("10_mem.csv"));
    let r = run(&each_2019(&format!(
        ", durations = \"{}\", memory = \"{}\"",
        t.join("10_run.csv").display(),
        t.join("10_mem.csv").display()
    )));
    assert_conserved(&r);
    // The template is gone: one function per row, named after its hash, in row order.
    assert_eq!(r.functions.len(), inv.len());
    let sc = crate::scenario(&each_2019(&format!(
        ", durations = \"{}\", memory = \"{}\"",
        t.join("10_run.csv").display(),
        t.join("10_mem.csv").display()
    )));
    for (i, row) in inv.iter().enumerate() {
        let hash = &row["HashFunction"];
        let f = &r.functions[i];
        assert_eq!(f.function, format!("az-{}", &hash[..8]));
        // Its per-minute counts, exactly.
        let want: Vec<u64> = (1..=1440)
            .map(|m| row[&format!("minute_{m}")].parse().unwrap())
            .collect();
        let got: Vec<u64> = r.series[i].iter().map(|b| b.arrivals).collect();
        assert_eq!(got, want, "{hash}");
        // Its app's memory, rounded.
        let app = mem.iter().find(|m| m["HashApp"] == row["HashApp"]).unwrap();
        let mb: f64 = app["AverageAllocatedMb"].parse().unwrap();
        assert_eq!(f.memory_mb, (mb.round() as u32).clamp(128, 10_240));
        // Its duration percentiles: every drawn duration lies within p0..=p100 (or is cut
        // at the 900 s timeout), and the mean matches the piecewise-linear mean.
        let d = run_rows
            .iter()
            .find(|d| &d["HashFunction"] == hash)
            .unwrap();
        let p = |q: &str| {
            d[&format!("percentile_Average_{q}")]
                .parse::<f64>()
                .unwrap()
        };
        let durs: Vec<f64> = r
            .attempts
            .as_ref()
            .unwrap()
            .iter()
            .filter(|a| a.function == i as u32)
            .map(|a| a.duration.as_millis_f64())
            .collect();
        assert_eq!(durs.len() as u64, f.requests);
        for x in &durs {
            assert!(
                (*x >= p("0") - 1e-3 && *x <= p("100") + 1e-3) || *x == 900_000.0,
                "{hash}: {x} outside [{}, {}]",
                p("0"),
                p("100")
            );
        }
        assert!(matches!(
            sc.functions[i].duration,
            lambdasim::engine::Dist::Empirical(ref pts) if pts.len() == 7
                && (pts[3].1 / 1e6 - p("50")).abs() < 1e-9
        ));
        // The mean of the piecewise-linear quantile function through (0, p0), (0.01, p1),
        // (0.25, p25), …, (1, p100), by the trapezoid rule, against the sample mean, within
        // 4 standard errors of the sample (functions whose durations reach the timeout
        // are cut there, and left out).
        let qs = [
            (0.0, "0"),
            (0.01, "1"),
            (0.25, "25"),
            (0.5, "50"),
            (0.75, "75"),
            (0.99, "99"),
            (1.0, "100"),
        ];
        let mean: f64 = qs
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (p(w[0].1) + p(w[1].1)) / 2.0)
            .sum();
        let n = durs.len() as f64;
        if p("100") < 900_000.0 && n >= 30.0 {
            let m = durs.iter().sum::<f64>() / n;
            let sd = (durs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            assert!(
                (m - mean).abs() <= 4.0 * sd / n.sqrt() + 1e-6,
                "{hash}: sample mean {m} vs {mean} (sd {sd}, n {n})"
            );
        }
    }
    // Without the companion files, every function keeps the template's settings.
    let r = run(&each_2019(""));
    assert!(r.functions.iter().all(|f| f.memory_mb == 256));
    assert!(
        r.attempts
            .as_ref()
            .unwrap()
            .iter()
            .all(|a| a.duration.as_millis_f64() == 50.0)
    );
    assert_eq!(r.total.requests, 28_432);
}

#[test]
fn a_2019_row_replays_the_same_arrivals_alone_or_as_one_of_many() {
    // With even spread, arrivals are deterministic: `each_function` must place each
    // function's invocations where a source selecting that one function does.
    let t = traces();
    let inv = rows(&t.join("10_inv.csv"));
    let all = run(&each_2019(""));
    for (i, row) in inv.iter().enumerate().take(4) {
        let one = run(&replay(
            &format!(
                "{{ process = \"trace\", format = \"azure2019\", path = \"{}\", function = \"{}\", spread = \"even\" }}",
                t.join("10_inv.csv").display(),
                row["HashFunction"]
            ),
            "24h",
        ));
        let mut a: Vec<u64> = one
            .attempts
            .as_ref()
            .unwrap()
            .iter()
            .map(|a| a.arrival.as_nanos())
            .collect();
        let mut b: Vec<u64> = all
            .attempts
            .as_ref()
            .unwrap()
            .iter()
            .filter(|a| a.function == i as u32)
            .map(|a| a.arrival.as_nanos())
            .collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b, "row {i}");
    }
}

fn each_2021(extra: &str, more: &str) -> String {
    format!(
        r#"
duration = "1h"
[[functions]]
name = "platform"
duration = "50ms"
init = "0s"
timeout = "900s"
[[sources]]
service = "direct"
function = "platform"
arrival = {{ process = "trace", format = "azure2021", path = "{}"{extra} }}
{more}
[output]
invocations = true
timeseries_interval = "1m"
"#,
        traces().join("Azure2021_200.csv").display()
    )
}

#[test]
fn the_2021_sample_splits_by_app_and_func_and_runs_its_own_durations() {
    let trace = rows(&traces().join("Azure2021_200.csv"));
    let r = run(&each_2021(
        ", each_function = true, durations = \"trace\"",
        "",
    ));
    assert_conserved(&r);
    // 31 (app, func) pairs, each its own function with exactly its rows.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for row in &trace {
        let p = (row["app"].clone(), row["func"].clone());
        if !pairs.contains(&p) {
            pairs.push(p);
        }
    }
    assert_eq!(pairs.len(), 31);
    assert_eq!(r.functions.len(), 31);
    for (i, (app, func)) in pairs.iter().enumerate() {
        let f = &r.functions[i];
        assert_eq!(f.function, format!("platform-{}-{}", &app[..8], &func[..8]));
        let want = trace
            .iter()
            .filter(|row| &row["app"] == app && &row["func"] == func)
            .count() as u64;
        assert_eq!(f.requests, want, "{app}/{func}");
    }
    // Request k (in start order) runs for the trace's duration of row k, to the ns.
    let mut attempts: Vec<_> = r.attempts.as_ref().unwrap().iter().collect();
    attempts.sort_by_key(|a| a.request);
    assert_eq!(attempts.len(), 199);
    for (a, row) in attempts.iter().zip(&trace) {
        let d: f64 = row["duration"].parse().unwrap();
        assert_eq!(a.duration.as_nanos(), (d * 1e9).round() as u64);
        let (i, _) = pairs
            .iter()
            .enumerate()
            .find(|(_, p)| p.0 == row["app"] && p.1 == row["func"])
            .unwrap();
        assert_eq!(a.function, i as u32);
    }
    // Own durations without splitting: one function, the trace's durations.
    let r = run(&each_2021(", durations = \"trace\"", ""));
    assert_eq!(r.functions.len(), 1);
    let total: u64 = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.duration.as_nanos())
        .sum();
    let want: f64 = trace
        .iter()
        .map(|row| row["duration"].parse::<f64>().unwrap())
        .sum();
    assert!((total as f64 / 1e9 - want).abs() < 1e-6);
}

#[test]
fn a_template_another_source_uses_is_kept() {
    let r = run(&each_2021(
        ", each_function = true",
        "[[sources]]\nname = \"api\"\nservice = \"api_gateway\"\nfunction = \"platform\"\narrival = { process = \"constant\", rate = 1.0 }",
    ));
    assert_conserved(&r);
    assert_eq!(r.functions.len(), 32);
    assert_eq!(r.functions[0].function, "platform");
    assert_eq!(r.functions[0].requests, 3600);
    assert_eq!(
        r.functions[1..].iter().map(|f| f.requests).sum::<u64>(),
        199
    );
}

#[test]
fn per_function_trace_keys_are_checked() {
    let parse = |text: &str| lambdasim::scenario::parse(text, Path::new("s.toml")).unwrap_err();
    let t = traces();
    // each_function needs an azure format; durations/memory their own formats.
    let e = parse(&replay(
        "{ process = \"trace\", path = \"x.txt\", each_function = true }",
        "1h",
    ));
    assert_eq!(e.key.as_deref(), Some("sources[0].arrival.each_function"));
    let e = parse(&each_2021(", durations = \"own\"", ""));
    assert_eq!(e.key.as_deref(), Some("sources[0].arrival.durations"));
    let e = parse(&each_2021(", memory = \"m.csv\", each_function = true", ""));
    assert_eq!(e.key.as_deref(), Some("sources[0].arrival.memory"));
    let e = parse(&replay(
        &format!(
            "{{ process = \"trace\", format = \"azure2019\", path = \"{}\", durations = \"{}\" }}",
            t.join("10_inv.csv").display(),
            t.join("10_run.csv").display()
        ),
        "1h",
    ));
    assert_eq!(e.key.as_deref(), Some("sources[0].arrival.durations"));
    assert!(e.message.contains("each_function"), "{e}");
    // A malformed companion file names itself and the line.
    let d = tempfile::tempdir().unwrap();
    let bad = d.path().join("run.csv");
    let good = std::fs::read_to_string(t.join("10_run.csv")).unwrap();
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    // Line 3: p50 below p25.
    let mut cells: Vec<String> = lines[2].split(',').map(str::to_string).collect();
    let n = cells.len();
    cells[n - 4] = "0".into();
    lines[2] = cells.join(",");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let e = parse(&each_2019(&format!(", durations = \"{}\"", bad.display())));
    assert_eq!(e.key.as_deref(), Some("sources[0].arrival.durations"));
    assert!(
        e.message.contains("run.csv:3") && e.message.contains("decrease"),
        "{e}"
    );
    std::fs::write(&bad, "HashApp,AverageAllocatedMb\nx,lots\n").unwrap();
    let e = parse(&each_2019(&format!(", memory = \"{}\"", bad.display())));
    assert!(e.message.contains("run.csv:2"), "{e}");
    // Poll sources take arrival times only.
    let e = parse(&format!(
        r#"
duration = "1h"
[[functions]]
name = "f"
duration = "50ms"
[[sources]]
service = "sqs"
arrival = {{ process = "trace", format = "azure2021", path = "{}", each_function = true }}
"#,
        t.join("Azure2021_200.csv").display()
    ));
    assert_eq!(e.key.as_deref(), Some("sources[0].arrival.each_function"));
}

#[test]
fn a_crowded_minute_streams_sorted_uniform_arrivals() {
    // 200,000 invocations in minute 2: drawn in order one by one (memory does not grow
    // with the count), all within the minute, spread uniformly.
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("inv.csv");
    std::fs::write(&path, "HashFunction,1,2,3\nf,0,200000,0\n").unwrap();
    let r = run(&replay(
        &format!(
            "{{ process = \"trace\", format = \"azure2019\", path = \"{}\" }}",
            path.display()
        ),
        "3m",
    )
    .replace("invocations = true", "invocations = true\ncharts = false"));
    assert_conserved(&r);
    assert_eq!(r.total.requests, 200_000);
    let at: Vec<u64> = r
        .attempts
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.arrival.as_nanos())
        .collect();
    let mut sorted = at.clone();
    sorted.sort_unstable();
    assert!(
        at.iter()
            .all(|&t| (60_000_000_000..120_000_000_000).contains(&t)),
        "outside the minute"
    );
    // Deciles of a uniform minute: 20,000 each, within 4 standard deviations.
    let mut deciles = [0u64; 10];
    for t in &sorted {
        deciles[((t - 60_000_000_000) / 6_000_000_000) as usize] += 1;
    }
    for (i, n) in deciles.iter().enumerate() {
        assert!(
            (*n as f64 - 20_000.0).abs() < 4.0 * 134.2,
            "decile {i}: {n}"
        );
    }
}

#[test]
fn trace_edge_cases_are_input_errors() {
    let parse = |text: &str| lambdasim::scenario::parse(text, Path::new("s.toml")).unwrap_err();
    let d = tempfile::tempdir().unwrap();
    // Counts that would overflow.
    let p = d.path().join("big.csv");
    std::fs::write(
        &p,
        "HashFunction,1\nf1,9223372036854775808\nf2,9223372036854775808\n",
    )
    .unwrap();
    let e = parse(&replay(
        &format!(
            "{{ process = \"trace\", format = \"azure2019\", path = \"{}\" }}",
            p.display()
        ),
        "1m",
    ));
    assert!(e.message.contains("too many"), "{e}");
    // A misspelt azure2021 selector, like an azure2019 one, names `function`.
    let e = parse(&replay(
        &format!(
            "{{ process = \"trace\", format = \"azure2021\", path = \"{}\", function = \"nope\" }}",
            traces().join("Azure2021_200.csv").display()
        ),
        "1h",
    ));
    assert_eq!(e.key.as_deref(), Some("sources[0].arrival.function"));
    let e = parse(&replay(
        &format!(
            "{{ process = \"trace\", format = \"azure2019\", path = \"{}\", function = \"nope\" }}",
            traces().join("10_inv.csv").display()
        ),
        "1h",
    ));
    assert_eq!(e.key.as_deref(), Some("sources[0].arrival.function"));
    // An invocation that would start well before 0.
    let p = d.path().join("early.csv");
    std::fs::write(&p, "app,func,end_timestamp,duration\na,f,1.0,2000\n").unwrap();
    let e = parse(&replay(
        &format!(
            "{{ process = \"trace\", format = \"azure2021\", path = \"{}\" }}",
            p.display()
        ),
        "1h",
    ));
    assert!(
        e.message.contains("early.csv:2") && e.message.contains("before 0"),
        "{e}"
    );
    // Ids that are not hashes still give valid function names.
    std::fs::write(
        &p,
        "app,func,end_timestamp,duration\na b,../x,1.0,0.5\n,,2.0,0.5\n",
    )
    .unwrap();
    let r = run(&each_2021_at(&p));
    let names: Vec<&str> = r.functions.iter().map(|f| f.function.as_str()).collect();
    assert_eq!(names, ["platform-a_b-___x", "platform-_"]);
}

fn each_2021_at(path: &Path) -> String {
    each_2021(", each_function = true", "").replace(
        &traces().join("Azure2021_200.csv").display().to_string(),
        &path.display().to_string(),
    )
}

#[test]
fn a_poisson_spread_reproduces_the_counts_on_average() {
    let path = traces().join("10_inv.csv");
    let r = run(&replay(
        &format!(
            "{{ process = \"trace\", format = \"azure2019\", path = \"{}\", spread = \"poisson\" }}",
            path.display()
        ),
        "24h",
    ));
    assert_conserved(&r);
    // Poisson(28,432): sd 169.
    let n = r.total.requests as f64;
    assert!((n - 28_432.0).abs() < 4.0 * 169.0, "{n}");
    assert_ne!(r.total.requests, 28_432);
    // Each minute's count is Poisson with the trace's count as its mean: the minutes differ
    // from the trace, and Σ (got − want)² / want over the k minutes with arrivals is a
    // chi-square-like sum with mean k and sd √(2k) (plus 1/want terms, small here).
    let mut want = vec![0u64; 1440];
    for row in rows(&path) {
        for (m, w) in want.iter_mut().enumerate() {
            *w += row[&format!("minute_{}", m + 1)].parse::<u64>().unwrap();
        }
    }
    let got: Vec<u64> = r.series[0].iter().map(|b| b.arrivals).collect();
    assert_eq!(got.len(), 1440);
    assert!(got.iter().zip(&want).any(|(g, w)| g != w));
    assert!(
        got.iter().zip(&want).all(|(&g, &w)| w > 0 || g == 0),
        "arrivals in an empty minute"
    );
    let k = want.iter().filter(|&&w| w > 0).count() as f64;
    let chi: f64 = got
        .iter()
        .zip(&want)
        .filter(|(_, w)| **w > 0)
        .map(|(&g, &w)| (g as f64 - w as f64).powi(2) / w as f64)
        .sum();
    assert!(
        (chi - k).abs() < 4.0 * (2.0 * k).sqrt(),
        "chi {chi} over {k} minutes"
    );
}

#[cfg(unix)]
#[test]
fn a_trace_path_that_is_a_device_a_pipe_or_a_folder_is_refused_without_reading_it() {
    let parse = |text: &str| lambdasim::scenario::parse(text, Path::new("s.toml")).unwrap_err();
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("fifo");
    // A FIFO with no writer would block a reader for ever.
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success())
            || rustix::fs::mknodat(
                rustix::fs::CWD,
                &fifo,
                rustix::fs::FileType::Fifo,
                rustix::fs::Mode::from_raw_mode(0o600),
                0
            )
            .is_ok()
    );
    for (path, format) in [
        (Path::new("/dev/zero"), "timestamps"),
        (Path::new("/dev/zero"), "azure2021"),
        (fifo.as_path(), "timestamps"),
        (d.path(), "azure2019"),
        (Path::new("/dev/zero"), "cloudwatch"),
    ] {
        let t0 = std::time::Instant::now();
        let e = parse(&replay(
            &format!(
                "{{ process = \"trace\", format = \"{format}\", path = \"{}\" }}",
                path.display()
            ),
            "1m",
        ));
        assert!(
            e.message.contains("not a regular file"),
            "{format} {}: {e}",
            path.display()
        );
        assert!(t0.elapsed() < std::time::Duration::from_secs(5));
    }
}

#[test]
fn a_trace_with_a_huge_line_is_refused_and_quoted_in_eighty_characters() {
    let parse = |text: &str| lambdasim::scenario::parse(text, Path::new("s.toml")).unwrap_err();
    let d = tempfile::tempdir().unwrap();
    // A 200 KB line that is not a number: quoted, not echoed.
    let p = d.path().join("long.txt");
    std::fs::write(&p, format!("0.5\nsecret{}\n", "x".repeat(200_000))).unwrap();
    let e = parse(&replay(
        &format!(
            "{{ process = \"trace\", format = \"timestamps\", path = \"{}\" }}",
            p.display()
        ),
        "1m",
    ));
    let shown = e.to_string();
    assert!(
        shown.contains("long.txt:2") && shown.contains("(200006 characters)"),
        "{shown}"
    );
    assert!(shown.len() < 400, "{} bytes of message", shown.len());
    // A line over the 1 MiB limit is refused before it is held whole.
    for format in ["timestamps", "azure2021"] {
        std::fs::write(
            &p,
            format!("1{}\n", "0".repeat(lambdasim::read::MAX_LINE + 1)),
        )
        .unwrap();
        let e = parse(&replay(
            &format!(
                "{{ process = \"trace\", format = \"{format}\", path = \"{}\" }}",
                p.display()
            ),
            "1m",
        ));
        assert!(
            e.to_string().contains("longer than 1048576 bytes"),
            "{format}: {e}"
        );
        assert!(e.to_string().len() < 400);
    }
}
