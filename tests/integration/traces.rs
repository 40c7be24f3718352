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
