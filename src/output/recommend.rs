//! The recommendation of a sweep: `recommendation.csv`, the same result as AWS Lambda
//! Power Tuning's output JSON (`power_tuning.json`), and the sentence printed on stdout.

use crate::metrics::recommend::{Candidate, Recommendation, Strategy};

/// The columns of `recommendation.csv`.
pub const COLUMNS: &[&str] = &[
    "strategy",
    "balanced_weight",
    "variant",
    "memory_mb",
    "monthly_cost_usd",
    "latency_p50_ms",
    "latency_p99_ms",
    "baseline",
    "baseline_monthly_cost_usd",
    "monthly_cost_change_usd",
    "monthly_cost_change_pct",
    "latency_p50_change_ms",
    "latency_p50_change_pct",
    "latency_p99_change_ms",
    "latency_p99_change_pct",
];

fn num(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        String::new()
    }
}

fn pct(new: f64, old: f64) -> f64 {
    if old == 0.0 {
        f64::NAN
    } else {
        100.0 * (new - old) / old
    }
}

/// `recommendation.csv`: one row, the chosen variant and its change against the baseline.
pub fn csv(r: &Recommendation) -> Result<Vec<u8>, csv::Error> {
    let (c, b) = (&r.chosen, &r.baseline);
    let weight = match r.strategy {
        Strategy::Balanced { weight } => num(weight, 3),
        _ => String::new(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    w.write_record([
        r.strategy.name().to_string(),
        weight,
        c.variant.clone(),
        c.memory_mb.to_string(),
        num(c.monthly_cost_usd, 6),
        num(c.p50_ms, 3),
        num(c.p99_ms, 3),
        b.variant.clone(),
        num(b.monthly_cost_usd, 6),
        num(c.monthly_cost_usd - b.monthly_cost_usd, 6),
        num(pct(c.monthly_cost_usd, b.monthly_cost_usd), 3),
        num(c.p50_ms - b.p50_ms, 3),
        num(pct(c.p50_ms, b.p50_ms), 3),
        num(c.p99_ms - b.p99_ms, 3),
        num(pct(c.p99_ms, b.p99_ms), 3),
    ])?;
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

fn stat(c: &Candidate) -> serde_json::Value {
    serde_json::json!({
        "value": c.memory_mb,
        "averagePrice": c.cost_per_invocation,
        "averageDuration": c.mean_ms,
    })
}

/// The result as Power Tuning's state machine outputs it: `power`, `cost` (per
/// invocation), `duration` (ms) of the chosen configuration, and `stats`, one per
/// candidate (`value` is its memory).
pub fn power_tuning_json(r: &Recommendation) -> Vec<u8> {
    let doc = serde_json::json!({
        "power": r.chosen.memory_mb,
        "cost": r.chosen.cost_per_invocation,
        "duration": r.chosen.mean_ms,
        "strategy": r.strategy.name(),
        "stats": r.candidates.iter().map(stat).collect::<Vec<_>>(),
    });
    let mut bytes = serde_json::to_vec_pretty(&doc).expect("plain JSON values");
    bytes.push(b'\n');
    bytes
}

fn signed_money(x: f64) -> String {
    let sign = if x < 0.0 { "−" } else { "+" };
    format!("{sign}${:.2}", x.abs())
}

fn signed_pct(x: f64) -> String {
    if x.is_finite() {
        let sign = if x < 0.0 { "−" } else { "+" };
        format!("{sign}{:.1} %", x.abs())
    } else {
        "n/a".into()
    }
}

/// The recommendation as one sentence.
pub fn sentence(scenario: &str, r: &Recommendation) -> String {
    let (c, b) = (&r.chosen, &r.baseline);
    let by = match r.strategy {
        Strategy::Cost => "the cheapest".to_string(),
        Strategy::Speed => "the fastest".to_string(),
        Strategy::Balanced { weight } => format!("the best balance (weight {weight} on cost)"),
    };
    if c.variant == b.variant {
        return format!(
            "{scenario}: {by} is {} ({} MB): ${:.2} a month, p50 {:.0} ms, p99 {:.0} ms.",
            c.variant, c.memory_mb, c.monthly_cost_usd, c.p50_ms, c.p99_ms
        );
    }
    format!(
        "{scenario}: {by} is {} ({} MB): ${:.2} a month ({}, {} against {}), p50 {:.0} ms ({}), p99 {:.0} ms ({}).",
        c.variant,
        c.memory_mb,
        c.monthly_cost_usd,
        signed_money(c.monthly_cost_usd - b.monthly_cost_usd),
        signed_pct(pct(c.monthly_cost_usd, b.monthly_cost_usd)),
        b.variant,
        c.p50_ms,
        signed_pct(pct(c.p50_ms, b.p50_ms)),
        c.p99_ms,
        signed_pct(pct(c.p99_ms, b.p99_ms)),
    )
}
