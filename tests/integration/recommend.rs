//! `[recommend]` end to end: each strategy's pick on a hand-checked sweep, the files it
//! writes, the sentence it prints, and that a variant out of memory is never picked.

use assert_cmd::Command;
use predicates::prelude::*;

fn scenario(strategy: &str) -> String {
    // A wholly CPU-bound 100 ms at 128 MB, single-threaded: 100, 50, 25 and 12.5 ms (13
    // billed) at 128, 256, 512 and 1,024 MB. GB-s per invocation: 0.0125 at the first
    // three, 0.013 at 1,024 MB. It needs 200 MB + 10 %: 128 MB runs out of memory.
    format!(
        r#"
name = "tuning"
duration = "10m"
[[functions]]
name = "f"
duration = "100ms"
init = "0s"
cpu_bound_fraction = 1.0
reference_memory_mb = 128
max_memory_used_mb = 200
[[sources]]
service = "direct"
arrival = {{ process = "constant", rate = 10.0 }}
[sweep]
"functions.f.memory_mb" = [128, 256, 512, 1024]
[recommend]
{strategy}
"#
    )
}

fn run(strategy: &str) -> (String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tuning.toml");
    std::fs::write(&path, scenario(strategy)).unwrap();
    let out = Command::cargo_bin("lambdasim")
        .unwrap()
        .arg(&path)
        .arg("-o")
        .arg(dir.path().join("out"))
        .arg("--no-charts")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let folder = dir.path().join("out/tuning");
    (
        String::from_utf8(out.stdout).unwrap(),
        std::fs::read_to_string(folder.join("recommendation.csv")).unwrap(),
        std::fs::read_to_string(folder.join("power_tuning.json")).unwrap(),
    )
}

fn chosen(csv: &str) -> String {
    csv.lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(2)
        .unwrap()
        .to_string()
}

#[test]
fn each_strategy_picks_the_hand_checked_variant() {
    // Cost: 256 and 512 MB cost the same (128 MB is out of memory); the faster wins.
    let (stdout, csv, json) = run("strategy = \"cost\"");
    assert_eq!(chosen(&csv), "memory_mb=512");
    assert!(
        stdout.contains("tuning: the cheapest is memory_mb=512 (512 MB)"),
        "{stdout}"
    );
    // Against the first variant that fits, 256 MB: the same cost, p50 50 → 25 ms.
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(
        (row[7], row[9], row[10]),
        ("memory_mb=256", "0.000000", "0.000"),
        "{csv}"
    );
    assert_eq!((row[11], row[12]), ("-25.000", "-50.000"), "{csv}");
    assert!(
        stdout.contains("(+$0.00, +0.0 % against memory_mb=256), p50 25 ms (−50.0 %)"),
        "{stdout}"
    );
    let j: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(j["power"], 512);
    assert!(
        (j["duration"].as_f64().unwrap() - 25.0).abs() < 1e-9,
        "{}",
        j["duration"]
    );
    // The stats: the three sizes that fit, 128 MB left out.
    let values: Vec<u64> = j["stats"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"].as_u64().unwrap())
        .collect();
    assert_eq!(values, [256, 512, 1024]);
    // Per invocation, 512 MB: 0.0125 GB-s × $0.0000166667 + $0.0000002.
    let cost = 0.0125 * 0.000_016_666_7 + 0.2e-6;
    assert!(
        (j["cost"].as_f64().unwrap() - cost).abs() < 1e-15,
        "{}",
        j["cost"]
    );
    // Speed: 1,024 MB.
    assert_eq!(chosen(&run("strategy = \"speed\"").1), "memory_mb=1024");
    // Balanced at 0.5 (cost / 4.1667e-7, duration / 50 ms): 256 0.99, 512 0.74,
    // 1,024 0.625; at 0.99: 512 0.975, 1,024 0.9925.
    assert_eq!(chosen(&run("strategy = \"balanced\"").1), "memory_mb=1024");
    assert_eq!(
        chosen(&run("strategy = \"balanced\"\nbalanced_weight = 0.99").1),
        "memory_mb=512"
    );
}

#[test]
fn recommend_needs_a_sweep_and_a_known_strategy() {
    let dir = tempfile::tempdir().unwrap();
    let bad = |text: String| {
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, text).unwrap();
        Command::cargo_bin("lambdasim")
            .unwrap()
            .arg("--check")
            .arg(&path)
            .assert()
            .code(2)
    };
    let no_sweep = scenario("strategy = \"cost\"").replace(
        "[sweep]\n\"functions.f.memory_mb\" = [128, 256, 512, 1024]\n",
        "",
    );
    bad(no_sweep)
        .stderr(predicate::str::contains("`recommend`"))
        .stderr(predicate::str::contains("no sweep"));
    bad(scenario("strategy = \"cheap\"")).stderr(predicate::str::contains("recommend.strategy"));
    bad(scenario("strategy = \"cost\"\nbalanced_weight = 0.3")).stderr(predicate::str::contains(
        "applies to `strategy = \"balanced\"`",
    ));
    bad(scenario("strategy = \"balanced\"\nbalanced_weight = 2.0"))
        .stderr(predicate::str::contains("between 0 and 1"));
}
