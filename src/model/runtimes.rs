//! Runtime presets: the INIT of a cold start per runtime, package type and architecture,
//! from the lambda-perf benchmark (maxday/lambda-perf, Apache-2.0; the file of
//! 2026-08-22 is bundled in `assets/lambda-perf/`): 10 cold starts of a hello-world
//! function at each of 128, 256, 512 and 1,024 MB, pooled, since INIT is flat across
//! memory sizes.

use crate::engine::Dist;
use serde::Deserialize;

/// The bundled benchmark.
const DATA: &str = include_str!("../../assets/lambda-perf/2026-08-22.json");

#[derive(Deserialize)]
struct File {
    #[serde(rename = "runtimeData")]
    runtime_data: Vec<Row>,
}

#[derive(Deserialize)]
struct Row {
    /// `lambda-perf-<runtime>-<zip|image>-<MB>-<arch>`.
    r: String,
    /// INIT durations, ms.
    i: Vec<f64>,
}

/// The name a scenario uses for a lambda-perf runtime id: AWS's identifier where there is
/// one (`python313` → `python3.13`, `nodejs22x` → `nodejs22.x`, `ruby34` → `ruby3.4`,
/// `java8_al2` → `java8.al2`), and `provided.al2023/<language>` for a custom runtime.
fn name(id: &str) -> String {
    for os in ["al2023", "al2"] {
        if let Some(lang) = id.strip_suffix(&format!("_on_provided_{os}")) {
            return format!("provided.{os}/{}", lang.replace('_', "-"));
        }
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(v) = id.strip_prefix("python").filter(|v| digits(v)) {
        return format!("python{}.{}", &v[..1], &v[1..]);
    }
    if let Some(v) = id.strip_prefix("ruby").filter(|v| digits(v)) {
        return format!("ruby{}.{}", &v[..1], &v[1..]);
    }
    if let Some(v) = id.strip_prefix("nodejs").and_then(|v| v.strip_suffix('x')) {
        return format!("nodejs{v}.x");
    }
    id.replace('_', ".")
}

/// A runtime, package and architecture, and its pooled INIT durations (ms).
type Row3 = (String, String, String, Vec<f64>);

/// Every (runtime, package, architecture) of the bundled benchmark, sorted by name.
fn table() -> Vec<Row3> {
    table_of(DATA)
}

/// Every (runtime, package, architecture) of a lambda-perf file, with its pooled INIT
/// durations (ms), sorted by name; rows of another shape are left out.
fn table_of(data: &str) -> Vec<Row3> {
    let file: File = serde_json::from_str(data).expect("the bundled benchmark reads");
    let mut out: Vec<Row3> = Vec::new();
    for row in file.runtime_data {
        let Some(rest) = row.r.strip_prefix("lambda-perf-") else {
            continue;
        };
        let (rest, arch) = match rest.rsplit_once('-') {
            Some((r, a)) if a == "x86_64" || a == "arm64" => (r, a),
            _ => continue,
        };
        let Some((rest, _mb)) = rest.rsplit_once('-') else {
            continue;
        };
        let Some((id, package)) = rest.rsplit_once('-') else {
            continue;
        };
        let key = (name(id), package.to_string(), arch.to_string());
        match out
            .iter_mut()
            .find(|(n, p, a, _)| (n, p, a) == (&key.0, &key.1, &key.2))
        {
            Some(e) => e.3.extend(&row.i),
            None => out.push((key.0, key.1, key.2, row.i)),
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    out
}

/// The runtime names the benchmark has.
pub fn names() -> Vec<String> {
    let mut n: Vec<String> = table().into_iter().map(|(n, ..)| n).collect();
    n.dedup();
    n
}

/// The INIT distribution of `runtime` packaged as `package` (`zip` or `image`) on
/// `arch` (`x86_64` or `arm64`): the empirical distribution of its measured cold starts.
/// `None` when the benchmark has no such combination.
pub fn init(runtime: &str, package: &str, arch: &str) -> Option<Dist> {
    init_of(table(), runtime, package, arch)
}

fn init_of(table: Vec<Row3>, runtime: &str, package: &str, arch: &str) -> Option<Dist> {
    let (.., mut ms) = table
        .into_iter()
        .find(|(n, p, a, _)| n == runtime && p == package && a == arch)?;
    ms.retain(|x| x.is_finite() && *x >= 0.0);
    if ms.is_empty() {
        return None;
    }
    ms.sort_by(f64::total_cmp);
    let n = ms.len();
    let points = ms
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let q = if n == 1 {
                1.0
            } else {
                i as f64 / (n - 1) as f64
            };
            (q, x * 1e6)
        })
        .collect();
    Some(Dist::Empirical(points))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_aws_identifiers() {
        assert_eq!(name("python313"), "python3.13");
        assert_eq!(name("python39"), "python3.9");
        assert_eq!(name("nodejs22x"), "nodejs22.x");
        assert_eq!(name("ruby34"), "ruby3.4");
        assert_eq!(name("java21"), "java21");
        assert_eq!(name("java8_al2"), "java8.al2");
        assert_eq!(name("go_on_provided_al2023"), "provided.al2023/go");
        assert_eq!(
            name("graalvm_java21_on_provided_al2023"),
            "provided.al2023/graalvm-java21"
        );
        let all = names();
        for n in [
            "python3.13",
            "nodejs22.x",
            "java21",
            "dotnet8",
            "ruby3.4",
            "provided.al2023/rust",
        ] {
            assert!(all.iter().any(|a| a == n), "{n} in {all:?}");
        }
    }

    #[test]
    fn the_preset_is_the_pooled_measurements() {
        // python3.13, zip, x86_64: 4 memory sizes × 10 cold starts.
        let Some(Dist::Empirical(points)) = init("python3.13", "zip", "x86_64") else {
            panic!("python3.13 is in the benchmark");
        };
        assert_eq!(points.len(), 40);
        assert_eq!((points[0].0, points[39].0), (0.0, 1.0));
        // Its median is near the reference's 87 ms for python3.13 (hello world, zip).
        let median = points[20].1 / 1e6;
        assert!((60.0..130.0).contains(&median), "{median}");
        // Container images start slower than zip packages.
        let Some(Dist::Empirical(image)) = init("python3.13", "image", "x86_64") else {
            panic!()
        };
        assert!(image[20].1 > points[20].1);
        assert!(init("python3.13", "jar", "x86_64").is_none());
        assert!(init("cobol", "zip", "x86_64").is_none());
    }

    #[test]
    fn rows_of_another_shape_and_impossible_durations_are_left_out() {
        let data = r#"{"runtimeData": [
            {"r": "lambda-perf-python313-zip-128-x86_64", "i": [100.0, -5.0, 300.0]},
            {"r": "lambda-perf-python313-zip-256-x86_64", "i": [200.0]},
            {"r": "lambda-perf-python313-zip-128-riscv64", "i": [1.0]},
            {"r": "other-python313-zip-128-x86_64", "i": [2.0]},
            {"r": "lambda-perf-rubyx-zip-128-arm64", "i": [3.0]},
            {"r": "lambda-perf-x86_64", "i": [4.0]}
        ]}"#;
        let t = table_of(data);
        let keys: Vec<(&str, &str, &str)> = t
            .iter()
            .map(|(n, p, a, _)| (n.as_str(), p.as_str(), a.as_str()))
            .collect();
        assert_eq!(
            keys,
            [("python3.13", "zip", "x86_64"), ("rubyx", "zip", "arm64")]
        );
        // Pooled over memory sizes; the negative one is not a duration.
        let Some(Dist::Empirical(points)) = init_of(t.clone(), "python3.13", "zip", "x86_64")
        else {
            panic!()
        };
        assert_eq!(points, [(0.0, 100e6), (0.5, 200e6), (1.0, 300e6)]);
        assert!(init_of(t.clone(), "python3.13", "zip", "arm64").is_none());
        assert!(init_of(t.clone(), "python3.13", "image", "x86_64").is_none());
        assert!(init_of(t, "rubyx", "zip", "x86_64").is_none());
        // Only names that end in digits get a dot.
        assert_eq!(name("pythonx"), "pythonx");
        assert_eq!(name("python"), "python");
    }
}
