//! A function's compute options beyond the default: SnapStart (`snapstart`, `restore`,
//! `billed_restore_share`), ephemeral storage (`ephemeral_storage_mb`), Lambda@Edge
//! (`edge`, `edge_trigger`), tenant isolation and responses (`response_bytes`,
//! `streaming`), with what AWS allows them together with.

use super::dist::validate_dist;
use super::{Ctx, R};
use crate::billing::Architecture;
use crate::engine::{Dist, Time};
use crate::model::config::SnapStart;
use crate::policies::ProvisioningSpec;
use crate::scenario::raw::RawFunction;
use rand_distr::LogNormal;

/// AWS's default `/tmp`, and its largest.
pub(super) const DEFAULT_EPHEMERAL_MB: i64 = 512;
const MAX_EPHEMERAL_MB: i64 = 10_240;

/// Assumption (AWS publishes no restore latency): a restore takes about 300 ms, log-normal
/// with σ = 0.3, like the default INIT.
fn default_restore() -> Dist {
    Dist::LogNormal(LogNormal::new((300e6f64).ln(), 0.3).expect("valid constants"))
}

/// Assumption: 40 % of a restore is billed (AWS's own example REPORT line: Restore
/// Duration 474.16 ms, Billed Restore Duration 194 ms).
const DEFAULT_BILLED_SHARE: f64 = 0.4;

/// The runtimes SnapStart supports (Java 11+, Python 3.12+, .NET 8+), and whether the
/// runtime pays for the cache and the restores (Python and .NET do, Java does not).
pub fn snapstart_charged(runtime: &str) -> Option<bool> {
    let version = |prefix: &str| -> Option<u32> { runtime.strip_prefix(prefix)?.parse().ok() };
    if version("java").is_some_and(|v| v >= 11) {
        Some(false)
    } else if version("python3.").is_some_and(|v| v >= 12)
        || version("dotnet").is_some_and(|v| v >= 8)
    {
        Some(true)
    } else {
        None
    }
}

/// `ephemeral_storage_mb`: 512 to 10,240 MB.
pub(super) fn validate_ephemeral(ctx: &Ctx, key: &str, f: &RawFunction) -> R<u32> {
    ctx.int(
        key,
        f.ephemeral_storage_mb.unwrap_or(DEFAULT_EPHEMERAL_MB),
        DEFAULT_EPHEMERAL_MB,
        MAX_EPHEMERAL_MB,
        "ephemeral_storage_mb (MB)",
    )
}

/// What the rest of the function says, that SnapStart must agree with.
pub(super) struct Around<'a> {
    pub runtime: Option<&'a str>,
    pub image: bool,
    pub efs: bool,
    pub ephemeral_storage_mb: u32,
    pub provisioned: &'a ProvisioningSpec,
}

/// `snapstart = true` with its `restore` and `billed_restore_share`, refused where AWS
/// refuses it.
pub(super) fn validate_snapstart(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    f: &RawFunction,
    around: &Around,
) -> R<Option<SnapStart>> {
    if f.snapstart != Some(true) {
        for (given, key) in [
            (f.restore.is_some(), "restore"),
            (f.billed_restore_share.is_some(), "billed_restore_share"),
        ] {
            if given {
                return Err(ctx.err(
                    &k(key),
                    format!("`{key}` applies only with `snapstart = true`"),
                ));
            }
        }
        return Ok(None);
    }
    let Some(runtime) = around.runtime else {
        return Err(ctx.err(
            &k("snapstart"),
            "SnapStart needs `runtime`: it supports Java 11+, Python 3.12+ and .NET 8+ (e.g. runtime = \"java21\")",
        ));
    };
    let Some(charged) = snapstart_charged(runtime) else {
        return Err(ctx.err(
            &k("snapstart"),
            format!("SnapStart supports the Java 11+, Python 3.12+ and .NET 8+ runtimes, not `{runtime}`"),
        ));
    };
    let refusal = if around.image {
        Some(("package", "a container image".to_string()))
    } else if around.efs {
        Some(("efs", "EFS".to_string()))
    } else if i64::from(around.ephemeral_storage_mb) > DEFAULT_EPHEMERAL_MB {
        Some((
            "ephemeral_storage_mb",
            format!(
                "ephemeral storage above 512 MB ({} MB)",
                around.ephemeral_storage_mb
            ),
        ))
    } else if around.provisioned.max() > 0 {
        Some((
            "provisioned_concurrency",
            "provisioned concurrency".to_string(),
        ))
    } else {
        None
    };
    if let Some((key, what)) = refusal {
        return Err(ctx.err(
            &k(key),
            format!("SnapStart cannot be used with {what}, as AWS enforces: drop one of them"),
        ));
    }
    let restore = match &f.restore {
        Some(d) => validate_dist(ctx, &k("restore"), d)?,
        None => default_restore(),
    };
    let billed_share = match f.billed_restore_share {
        None => DEFAULT_BILLED_SHARE,
        Some(s) if (0.0..=1.0).contains(&s) => s,
        Some(s) => {
            return Err(ctx.err(
                &k("billed_restore_share"),
                format!("billed_restore_share is the share of the restore billed as duration, between 0 and 1, got {s}"),
            ));
        }
    };
    Ok(Some(SnapStart {
        restore,
        billed_share,
        charged,
    }))
}

/// What a Lambda@Edge function must agree with.
pub(super) struct EdgeAround<'a> {
    pub memory_mb: u32,
    pub timeout: Time,
    pub architecture: Architecture,
    pub provisioned: &'a ProvisioningSpec,
    pub snapstart: bool,
    pub tenant_isolation: bool,
    pub response: bool,
}

/// `edge = true` and its `edge_trigger` (`"origin"`, the default, or `"viewer"`), within
/// Lambda@Edge's quotas: a viewer trigger at most 128 MB and 5 s, an origin trigger at
/// most 30 s; x86_64 only; no provisioned concurrency, SnapStart or tenant isolation; and
/// no `response_bytes` (Edge's own response limits are not modelled).
pub(super) fn validate_edge(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    f: &RawFunction,
    around: &EdgeAround,
) -> R<bool> {
    if f.edge != Some(true) {
        if f.edge_trigger.is_some() {
            return Err(ctx.err(
                &k("edge_trigger"),
                "`edge_trigger` applies only with `edge = true`",
            ));
        }
        return Ok(false);
    }
    let trigger = match &f.edge_trigger {
        None => "origin",
        Some(t) => ctx.choice(&k("edge_trigger"), t, &["origin", "viewer"], "edge trigger")?,
    };
    let (max_mb, max_timeout) = match trigger {
        "viewer" => (128, Time::from_secs(5)),
        _ => (10_240, Time::from_secs(30)),
    };
    if around.memory_mb > max_mb {
        return Err(ctx.err(
            &k("memory_mb"),
            format!(
                "a Lambda@Edge viewer trigger has at most 128 MB, got {}",
                around.memory_mb
            ),
        ));
    }
    if around.timeout > max_timeout {
        return Err(ctx.err(
            &k("timeout"),
            format!(
                "a Lambda@Edge {trigger} trigger times out after at most {max_timeout}, got {}",
                around.timeout
            ),
        ));
    }
    let refusal = if around.architecture == Architecture::Arm64 {
        Some(("architecture", "arm64"))
    } else if around.provisioned.max() > 0 {
        Some(("provisioned_concurrency", "provisioned concurrency"))
    } else if around.snapstart {
        Some(("snapstart", "SnapStart"))
    } else if around.tenant_isolation {
        Some(("tenant_isolation", "tenant isolation"))
    } else if around.response {
        Some((
            "response_bytes",
            "`response_bytes` (Lambda@Edge has response limits of its own, not modelled)",
        ))
    } else {
        None
    };
    if let Some((key, what)) = refusal {
        return Err(ctx.err(
            &k(key),
            format!("Lambda@Edge runs on x86_64 without provisioned concurrency, SnapStart, tenant isolation or response streaming: `edge = true` cannot be used with {what}"),
        ));
    }
    Ok(true)
}

/// `response_bytes` and `streaming`.
pub(super) fn validate_response(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    f: &RawFunction,
) -> R<Option<crate::model::config::Response>> {
    let Some(v) = &f.response_bytes else {
        if f.streaming.is_some() {
            return Err(ctx.err(
                &k("streaming"),
                "`streaming` needs `response_bytes`, the size of the responses (e.g. response_bytes = \"8MB\")",
            ));
        }
        return Ok(None);
    };
    let bytes = super::size::validate_size_dist(ctx, &k("response_bytes"), v)?;
    Ok(Some(crate::model::config::Response {
        bytes,
        streaming: f.streaming.unwrap_or(false),
    }))
}

/// `tenant_isolation = true`, refused with SnapStart and provisioned concurrency.
pub(super) fn validate_tenant_isolation(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    f: &RawFunction,
    snapstart: bool,
    provisioned: &ProvisioningSpec,
) -> R<bool> {
    if f.tenant_isolation != Some(true) {
        return Ok(false);
    }
    let refusal = if snapstart {
        Some(("snapstart", "SnapStart"))
    } else if provisioned.max() > 0 {
        Some(("provisioned_concurrency", "provisioned concurrency"))
    } else {
        None
    };
    if let Some((key, what)) = refusal {
        return Err(ctx.err(
            &k(key),
            format!(
                "tenant isolation cannot be used with {what}, as AWS enforces: drop one of them"
            ),
        ));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapstart_runtimes_and_who_pays() {
        for (r, want) in [
            ("java11", Some(false)),
            ("java21", Some(false)),
            ("java25", Some(false)),
            ("java8.al2", None),
            ("python3.12", Some(true)),
            ("python3.14", Some(true)),
            ("python3.11", None),
            ("dotnet8", Some(true)),
            ("dotnet10", Some(true)),
            ("dotnet7", None),
            ("nodejs22.x", None),
            ("provided.al2023/graalvm-java21", None),
        ] {
            assert_eq!(snapstart_charged(r), want, "{r}");
        }
    }
}
