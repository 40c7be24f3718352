//! Property-based fuzzing of the whole scenario key space: files built from a tape of
//! choices (proptest shrinks the tape), valid and invalid. Validation never panics; an
//! accepted scenario fits the memory budget, runs within a bound on its events, conserves
//! its requests, and counts every attempt once. `cargo test` runs 2,000 cases;
//! the ignored `fuzz_many` runs `LAMBDASIM_FUZZ_CASES` of them (a million in the notes).

use lambdasim::metrics::RunReport;
use proptest::prelude::*;
use std::fmt::Write;
use std::path::Path;

/// Reads choices off the tape, cycling when it runs out.
struct Tape<'a> {
    t: &'a [u32],
    i: usize,
}

impl Tape<'_> {
    fn n(&mut self, k: usize) -> usize {
        let v = self.t[self.i % self.t.len()] as usize;
        self.i += 1;
        v % k
    }
    /// One of `xs`: most often one of its first `valid` (values the key accepts), now
    /// and then any of them.
    fn pick<'b>(&mut self, xs: &[&'b str], valid: usize) -> &'b str {
        if self.n(10) == 0 {
            xs[self.n(xs.len())]
        } else {
            xs[self.n(valid.clamp(1, xs.len()))]
        }
    }
    fn maybe(&mut self) -> bool {
        self.n(3) == 0
    }
}

const DURATIONS: (&[&str], usize) = (
    &[
        "\"1s\"",
        "\"10s\"",
        "\"1m\"",
        "\"5m\"",
        "\"100ms\"",
        "\"1h\"",
        "\"1ns\"",
        "\"0s\"",
        "\"-1s\"",
        "\"1e30s\"",
        "10",
        "\"ten\"",
    ],
    7,
);
const DISTS: (&[&str], usize) = (
    &[
        "\"50ms\"",
        "\"2s\"",
        "{ dist = \"lognormal\", median = \"80ms\", sigma = 0.5 }",
        "{ dist = \"exponential\", mean = \"100ms\" }",
        "{ dist = \"uniform\", min = \"10ms\", max = \"1s\" }",
        "{ dist = \"gamma\", shape = 4, mean = \"200ms\" }",
        "\"0s\"",
        "{ dist = \"lognormal\", median = \"-1s\", sigma = 0.5 }",
        "{ dist = \"pareto\", scale = \"10ms\", shape = 1.5 }",
        "{ dist = \"nope\" }",
        "{ dist = \"uniform\", min = \"1s\", max = \"10ms\" }",
    ],
    6,
);
const ARRIVALS: (&[&str], usize) = (
    &[
        "{ process = \"poisson\", rate = 20.0 }",
        "{ process = \"poisson\", rate = 0.0 }",
        "[{ process = \"poisson\", rate = 5.0 }, { process = \"burst\", at = \"2s\", count = 30 }]",
        "{ process = \"constant\", rate = 5 }",
        "{ process = \"burst\", at = \"1s\", count = 200, over = \"1s\" }",
        "{ process = \"burst\", count = 50 }",
        "{ process = \"stages\", stages = [{ duration = \"10s\", rate = 30.0 }] }",
        "{ process = \"diurnal\", mean_rate = 10.0, period = \"1m\" }",
        "{ process = \"mmpp\", rates = [2.0, 50.0], mean_dwell = [\"10s\", \"1s\"] }",
        "{ process = \"poisson\", rate = -1.0 }",
        "{ process = \"mmpp\", rates = [2.0], mean_dwell = [\"10s\", \"1s\"] }",
        "{ process = \"poisson\" }",
        "{ process = \"poisson\", rate = 1e300 }",
    ],
    9,
);
const SERVICES: (&[&str], usize) = (
    &[
        "api_gateway",
        "s3",
        "sqs",
        "kinesis",
        "dynamodb",
        "direct",
        "sns",
        "eventbridge",
        "bogus",
        "alb",
    ],
    8,
);

/// One scenario file from the tape: mostly plausible, often subtly wrong.
fn scenario(tape: &[u32]) -> String {
    let mut t = Tape { t: tape, i: 0 };
    let mut s = String::new();
    let _ = writeln!(s, "duration = {}", t.pick(DURATIONS.0, DURATIONS.1));
    if t.maybe() {
        let _ = writeln!(
            s,
            "seed = {}",
            t.pick(&["0", "7", "-3", "18446744073709551615"], 2)
        );
    }
    if t.maybe() {
        let _ = writeln!(
            s,
            "replications = {}",
            t.pick(&["1", "2", "0", "100001"], 2)
        );
    }
    if t.maybe() {
        let _ = writeln!(
            s,
            "name = \"{}\"",
            t.pick(&["a", "ok-1", "a b", ".x", &"n".repeat(200)], 2)
        );
    }
    if t.maybe() {
        let _ = writeln!(s, "bogus_key = 1");
    }
    if t.maybe() {
        let _ = writeln!(
            s,
            "[account]\nconcurrency_limit = {}\nscaling_rate = {}",
            t.pick(&["1000", "50", "0", "10"], 2),
            t.pick(&["1000", "1", "0"], 2)
        );
    }
    if t.maybe() {
        let _ = writeln!(
            s,
            "[platform]\nasync_backoff_initial = {}\nasync_backoff_max = {}\ninstance_selection = \"{}\"",
            t.pick(&["\"1s\"", "\"1ms\"", "\"1ns\"", "\"0s\""], 2),
            t.pick(&["\"5m\"", "\"1ms\"", "\"2s\""], 3),
            t.pick(&["mru", "lru", "random", "fifo"], 3)
        );
        if t.maybe() {
            let _ = writeln!(
                s,
                "hosts = {}\nhost_memory_mb = {}",
                t.pick(&["2", "1", "0"], 2),
                t.pick(&["4096", "1024", "100"], 2)
            );
        }
    }
    let nf = 1 + t.n(3);
    let names = ["api", "worker", "batch"];
    for name in names.iter().take(nf) {
        let _ = writeln!(
            s,
            "[[functions]]\nname = \"{name}\"\nduration = {}",
            t.pick(DISTS.0, DISTS.1)
        );
        if t.maybe() {
            let _ = writeln!(
                s,
                "memory_mb = {}",
                t.pick(
                    &["128", "1024", "10240", "10241", "512.0", "64", "\"x\""],
                    3
                )
            );
        }
        if t.maybe() {
            let _ = writeln!(
                s,
                "timeout = {}",
                t.pick(&["\"3s\"", "\"900s\"", "\"1s\"", "\"1ms\"", "\"901s\""], 4)
            );
        }
        if t.maybe() {
            let _ = writeln!(s, "init = {}", t.pick(DISTS.0, DISTS.1));
        }
        if t.maybe() {
            let _ = writeln!(
                s,
                "reserved_concurrency = {}",
                t.pick(&["1", "0", "10", "5000", "-1"], 3)
            );
        }
        if t.maybe() {
            let _ = writeln!(
                s,
                "provisioned_concurrency = {}",
                t.pick(
                    &[
                        "2",
                        "0",
                        "[{ at = \"0s\", value = 3 }, { at = \"30s\", value = 1 }]",
                        "{ policy = \"target_tracking\", target = 0.7, min = 1, max = 5 }",
                        "[{ at = \"30s\", value = 3 }, { at = \"10s\", value = 1 }]",
                        "{ policy = \"target_tracking\", target = 1.7, min = 1, max = 5 }",
                    ],
                    4
                )
            );
        }
        if t.maybe() {
            let _ = writeln!(
                s,
                "error_rate = {}",
                t.pick(&["0.1", "1.0", "0.0", "1.5", "-0.1"], 3)
            );
        }
        if t.maybe() {
            let _ = writeln!(
                s,
                "keep_alive = {}",
                t.pick(
                    &[
                        "{ policy = \"fixed\", idle = \"10s\" }",
                        "{ policy = \"none\" }",
                        "{ policy = \"aws\" }",
                        "{ policy = \"hybrid_histogram\" }",
                        "{ policy = \"fixed\" }",
                        "{ policy = \"forever\" }",
                    ],
                    3
                )
            );
        }
        if t.maybe() {
            let _ = writeln!(
                s,
                "architecture = \"{}\"",
                t.pick(&["arm64", "x86_64", "riscv"], 2)
            );
        }
        if t.maybe() {
            let _ = writeln!(
                s,
                "runtime = \"{}\"",
                t.pick(&["python3.12", "nodejs20.x", "java21", "cobol"], 3)
            );
        }
        if t.maybe() {
            let _ = writeln!(
                s,
                "snapstart = true\nruntime = \"java21\"\nrestore = \"200ms\""
            );
        }
    }
    let ns = t.n(3);
    for _ in 0..=ns {
        let service = t.pick(SERVICES.0, SERVICES.1);
        let _ = writeln!(
            s,
            "[[sources]]\nservice = \"{service}\"\narrival = {}",
            t.pick(ARRIVALS.0, ARRIVALS.1)
        );
        if nf > 1 || t.maybe() {
            let _ = writeln!(
                s,
                "function = \"{}\"",
                t.pick(&["api", "worker", "batch", "nope"], nf)
            );
        }
        if t.maybe() {
            let _ = writeln!(
                s,
                "invocation = \"{}\"",
                t.pick(&["RequestResponse", "Event", "DryRun", "Later"], 3)
            );
        }
        if t.maybe() && matches!(service, "sqs" | "kinesis" | "dynamodb") {
            let _ = writeln!(s, "batch_size = {}", t.pick(&["1", "10", "0", "100000"], 2));
        }
    }
    if t.maybe() {
        let _ = writeln!(
            s,
            "[output]\ntimeseries_interval = {}\ninvocations = {}\ntrace = {}",
            t.pick(&["\"1s\"", "\"10s\"", "\"1ms\"", "\"0s\""], 2),
            t.pick(&["true", "false"], 2),
            t.pick(&["true", "false", "\"yes\""], 2)
        );
    }
    if t.maybe() {
        let _ = writeln!(
            s,
            "[sweep]\n{}",
            t.pick(
                &[
                    "\"functions.api.memory_mb\" = [128, 1024]",
                    "functions.api.memory_mb = [128, 1024]",
                    "\"account.concurrency_limit\" = [100, 100]",
                    "\"name\" = [\"a\", \"b\"]",
                    "\"functions.api.memory_mb\" = 5",
                ],
                1
            )
        );
    }
    s
}

/// The most events a fuzzed run may handle: far above what these small scenarios need,
/// far below a hang.
const MAX_EVENTS: u64 = 50_000_000;

/// What one case checks; `Err` says what broke.
fn case(text: &str) -> Result<(), String> {
    let Ok(variants) = lambdasim::scenario::parse_variants(text, Path::new("fuzz.toml")) else {
        return Ok(()); // refused, without a panic: that is the property
    };
    let need = lambdasim::budget::need(&variants);
    if need.working.saturating_add(need.kept) > 1 << 30 {
        return Ok(()); // the budget check refuses what does not fit in 1 GiB here
    }
    for sc in variants.iter().take(2) {
        // A storm of throttles at the 1 ms floor is valid and may be long; the cap of a
        // run is what bounds it, lowered here to keep each case short.
        let mut sc = sc.clone();
        sc.platform.max_attempts = 2_000_000;
        let r = lambdasim::model::simulate(&sc, sc.seed, 0);
        check(&r, &sc)?;
    }
    Ok(())
}

fn check(r: &RunReport, sc: &lambdasim::model::Scenario) -> Result<(), String> {
    if r.events > MAX_EVENTS {
        return Err(format!("{} events", r.events));
    }
    let poll = sc.sources.iter().any(|s| s.mapping.is_some());
    for f in r.functions.iter().chain(std::iter::once(&r.total)) {
        if f.succeeded + f.failed + f.unfinished != f.requests {
            return Err(format!(
                "conservation of {}: {} + {} + {} != {}",
                f.function, f.succeeded, f.failed, f.unfinished, f.requests
            ));
        }
        // Poll sources invoke batches of messages: their attempts are not requests.
        if !poll && f.invocations + f.throttles != f.requests - f.dry_runs + f.retries {
            return Err(format!(
                "attempts of {}: {} + {} != {} - {} + {}",
                f.function, f.invocations, f.throttles, f.requests, f.dry_runs, f.retries
            ));
        }
    }
    Ok(())
}

fn tape() -> impl Strategy<Value = Vec<u32>> {
    proptest::collection::vec(any::<u32>(), 16..96)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fuzzed_scenarios_never_panic_and_accepted_ones_conserve_and_count_attempts(t in tape()) {
        let text = scenario(&t);
        prop_assert!(case(&text).is_ok(), "{}\n---\n{text}", case(&text).unwrap_err());
    }
}

/// Many more cases, for a long run: `LAMBDASIM_FUZZ_CASES=1000000 cargo test --release
/// --test integration fuzz_many -- --ignored --nocapture`.
#[test]
#[ignore = "long: the million-case fuzz run"]
fn fuzz_many() {
    use rand::{RngExt, SeedableRng};
    let cases: u64 = std::env::var("LAMBDASIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(15);
    let (mut accepted, mut ran) = (0u64, 0u64);
    let t0 = std::time::Instant::now();
    for i in 0..cases {
        let len = rng.random_range(16..96);
        let tape: Vec<u32> = (0..len).map(|_| rng.random()).collect();
        let text = scenario(&tape);
        if let Ok(v) = lambdasim::scenario::parse_variants(&text, Path::new("fuzz.toml")) {
            accepted += 1;
            ran += v.len().min(2) as u64;
        }
        if let Err(e) = case(&text) {
            panic!("case {i}: {e}\n---\n{text}");
        }
        if i % 100_000 == 0 {
            eprintln!(
                "{i} cases, {accepted} accepted, {:.0} s",
                t0.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!(
        "{cases} cases: {accepted} accepted, {ran} runs, no panic, no hang, no violation, {:.0} s",
        t0.elapsed().as_secs_f64()
    );
}
