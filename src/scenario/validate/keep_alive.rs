//! A `keep_alive` table: `fixed`, `none`, `aws` or `hybrid_histogram`, with the parameters
//! of the chosen policy only.

use super::dist::validate_dist;
use super::{Ctx, R};
use crate::engine::{Dist, Time};
use crate::policies::KeepAliveSpec;
use crate::policies::keepalive::HybridParams;
use crate::scenario::raw::{RawDuration, RawKeepAlive};

/// A `keep_alive` table (of a function, or the platform's default).
pub(super) fn validate_keep_alive(ctx: &Ctx, key: &str, ka: &RawKeepAlive) -> R<KeepAliveSpec> {
    let policy = ctx.choice(
        &format!("{key}.policy"),
        &ka.policy,
        &["fixed", "none", "aws", "hybrid_histogram"],
        "keep-alive policy",
    )?;
    let hybrid = [
        ("range", ka.range.is_some()),
        ("bin", ka.bin.is_some()),
        ("head", ka.head.is_some()),
        ("tail", ka.tail.is_some()),
        ("margin", ka.margin.is_some()),
        ("min_samples", ka.min_samples.is_some()),
        ("cv_min", ka.cv_min.is_some()),
        ("max_out_of_range", ka.max_out_of_range.is_some()),
        ("fallback", ka.fallback.is_some()),
    ];
    let allowed: &[&str] = match policy {
        "fixed" => &["idle"],
        "none" => &[],
        "aws" => &["idle", "lifetime"],
        _ => &[
            "range",
            "bin",
            "head",
            "tail",
            "margin",
            "min_samples",
            "cv_min",
            "max_out_of_range",
            "fallback",
        ],
    };
    let present = [
        ("idle", ka.idle.is_some()),
        ("lifetime", ka.lifetime.is_some()),
    ];
    for (name, is) in present.iter().chain(&hybrid) {
        if *is && !allowed.contains(name) {
            return Err(ctx.err(
                &format!("{key}.{name}"),
                format!(
                    "`{name}` is not a parameter of the `{policy}` keep-alive policy{}",
                    if allowed.is_empty() {
                        String::new()
                    } else {
                        format!(" (expected {})", allowed.join(", "))
                    }
                ),
            ));
        }
    }
    Ok(match policy {
        "none" => KeepAliveSpec::None,
        "fixed" => match &ka.idle {
            None => {
                return Err(ctx.err(
                    key,
                    "a fixed keep-alive needs `idle`, e.g. { policy = \"fixed\", idle = \"10m\" }",
                ));
            }
            Some(d) => match validate_dist(ctx, &format!("{key}.idle"), d)? {
                Dist::Constant(idle) => KeepAliveSpec::Fixed { idle },
                _ => {
                    return Err(ctx.err(
                        &format!("{key}.idle"),
                        "a fixed keep-alive takes one duration; for a random idle lifetime use { policy = \"aws\", idle = { dist = … } }",
                    ));
                }
            },
        },
        "aws" => {
            let idle = match &ka.idle {
                Some(d) => validate_dist(ctx, &format!("{key}.idle"), d)?,
                None => Dist::Uniform {
                    min: 300e9,
                    max: 420e9,
                },
            };
            let lifetime = match &ka.lifetime {
                Some(d) => validate_dist(ctx, &format!("{key}.lifetime"), d)?,
                None => Dist::Uniform {
                    min: 7200e9,
                    max: 14400e9,
                },
            };
            KeepAliveSpec::Aws { idle, lifetime }
        }
        _ => {
            let mut p = HybridParams::default();
            let positive = |name: &str, v: Option<RawDuration>, slot: &mut Time| -> R<()> {
                if let Some(RawDuration(t)) = v {
                    if t == Time::ZERO {
                        return Err(ctx.err(
                            &format!("{key}.{name}"),
                            format!("`{name}` must be greater than 0"),
                        ));
                    }
                    *slot = t;
                }
                Ok(())
            };
            positive("range", ka.range, &mut p.range)?;
            positive("bin", ka.bin, &mut p.bin)?;
            if let Some(RawDuration(t)) = ka.fallback {
                p.fallback = t;
            } else {
                p.fallback = p.range;
            }
            if p.bin > p.range || p.range.as_nanos() / p.bin.as_nanos() > 10_000 {
                return Err(ctx.err(
                    &format!("{key}.bin"),
                    format!(
                        "the histogram needs 1 to 10,000 bins (its percentiles are recomputed at each start): `bin` ({}) must divide `range` ({}) into at most 10,000",
                        p.bin, p.range
                    ),
                ));
            }
            for (name, v, slot, lo, hi) in [
                ("head", ka.head, &mut p.head, 0.0, 1.0),
                ("tail", ka.tail, &mut p.tail, 0.0, 1.0),
                ("margin", ka.margin, &mut p.margin, 0.0, 1.0),
                ("cv_min", ka.cv_min, &mut p.cv_min, 0.0, 1e6),
                (
                    "max_out_of_range",
                    ka.max_out_of_range,
                    &mut p.max_out_of_range,
                    0.0,
                    1.0,
                ),
            ] {
                if let Some(x) = v {
                    if !(lo..=hi).contains(&x) {
                        return Err(ctx.err(
                            &format!("{key}.{name}"),
                            format!("`{name}` must be between {lo} and {hi}, got {x}"),
                        ));
                    }
                    *slot = x;
                }
            }
            if p.head > p.tail {
                return Err(ctx.err(
                    &format!("{key}.head"),
                    format!("`head` ({}) must not exceed `tail` ({})", p.head, p.tail),
                ));
            }
            if let Some(n) = ka.min_samples {
                p.min_samples = ctx.int(
                    &format!("{key}.min_samples"),
                    n,
                    1,
                    1_000_000_000,
                    "min_samples",
                )?;
            }
            KeepAliveSpec::HybridHistogram(p)
        }
    })
}
