//! `[pricing]`: a price preset and the prices that override it.

use super::{Ctx, R};
use crate::billing::Pricing;
use crate::scenario::raw::RawScenario;

pub(super) fn validate_pricing(ctx: &Ctx, raw: &RawScenario) -> R<Pricing> {
    let Some(p) = &raw.pricing else {
        return Ok(Pricing::preset("aws-x86-2025").expect("built-in preset"));
    };
    let preset = match &p.preset {
        Some(name) => ctx.choice(
            "pricing.preset",
            name,
            crate::billing::PRESETS,
            "pricing preset",
        )?,
        None => "aws-x86-2025",
    };
    let mut pricing = Pricing::preset(preset).expect("built-in preset");
    if let Some(v) = ctx.price("pricing.per_gb_second", p.per_gb_second)? {
        // An override is one flat rate for every function, whatever its architecture.
        pricing.x86.tiers = vec![(f64::INFINITY, v)];
        pricing.arm64.tiers = vec![(f64::INFINITY, v)];
    }
    if let Some(v) = ctx.price("pricing.per_million_requests", p.per_million_requests)? {
        pricing.per_million_requests = v;
    }
    if let Some(v) = ctx.price(
        "pricing.provisioned_per_gb_second",
        p.provisioned_per_gb_second,
    )? {
        pricing.x86.provisioned_per_gb_second = v;
        pricing.arm64.provisioned_per_gb_second = v;
    }
    if let Some(v) = ctx.price(
        "pricing.provisioned_duration_per_gb_second",
        p.provisioned_duration_per_gb_second,
    )? {
        pricing.x86.provisioned_duration_per_gb_second = v;
        pricing.arm64.provisioned_duration_per_gb_second = v;
    }
    for (key, given, price) in [
        (
            "pricing.snapstart_cache_per_gb_second",
            p.snapstart_cache_per_gb_second,
            &mut pricing.snapstart_cache_per_gb_second,
        ),
        (
            "pricing.snapstart_restore_per_gb",
            p.snapstart_restore_per_gb,
            &mut pricing.snapstart_restore_per_gb,
        ),
        (
            "pricing.ephemeral_per_gb_second",
            p.ephemeral_per_gb_second,
            &mut pricing.ephemeral_per_gb_second,
        ),
        (
            "pricing.edge_per_million_requests",
            p.edge_per_million_requests,
            &mut pricing.edge_per_million_requests,
        ),
        (
            "pricing.streaming_per_gb",
            p.streaming_per_gb,
            &mut pricing.streaming_per_gb,
        ),
        (
            "pricing.tenant_environment_per_gb",
            p.tenant_environment_per_gb,
            &mut pricing.tenant_environment_per_gb,
        ),
        (
            "pricing.edge_per_gb_second",
            p.edge_per_gb_second,
            &mut pricing.edge_per_gb_second,
        ),
        (
            "pricing.sqs_per_epu_hour",
            p.sqs_per_epu_hour,
            &mut pricing.sqs_per_epu_hour,
        ),
        (
            "pricing.kafka_per_epu_hour",
            p.kafka_per_epu_hour,
            &mut pricing.kafka_per_epu_hour,
        ),
    ] {
        if let Some(v) = ctx.price(key, given)? {
            *price = v;
        }
    }
    if let Some(gb) = p.streaming_free_gb {
        if !gb.is_finite() || gb < 0.0 {
            return Err(ctx.err(
                "pricing.streaming_free_gb",
                format!(
                    "streaming_free_gb is the GB streamed free each month, finite and ≥ 0, got {gb}"
                ),
            ));
        }
        pricing.streaming_free_gb = gb;
    }
    if let Some(d) = p.savings_plan_discount {
        if !(0.0..1.0).contains(&d) {
            return Err(ctx.err(
                "pricing.savings_plan_discount",
                format!("savings_plan_discount is the share taken off duration and provisioned charges, at least 0 and below 1 (AWS's Compute Savings Plans give up to about 0.17), got {d}"),
            ));
        }
        pricing.savings_plan_discount = d;
    }
    if let Some(v) = p.bill_init {
        pricing.bill_init = v;
    }
    if let Some(v) = p.free_tier {
        pricing.free_tier = v;
    }
    Ok(pricing)
}
