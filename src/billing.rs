//! Billing: AWS Lambda's price lists and the cost of a run, exact to the millisecond.

use crate::engine::Time;

/// A function's CPU architecture (it picks the price list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Architecture {
    /// x86_64.
    #[default]
    X86_64,
    /// Graviton.
    Arm64,
}

impl Architecture {
    /// The name used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

/// The prices of one architecture.
#[derive(Clone, Debug, PartialEq)]
pub struct Rates {
    /// On-demand duration price tiers: (GB-seconds in this tier, USD per GB-second); the
    /// last tier's size is infinite.
    pub tiers: Vec<(f64, f64)>,
    /// Provisioned concurrency, USD per GB-second provisioned.
    pub provisioned_per_gb_second: f64,
    /// Execution on provisioned environments, USD per GB-second.
    pub provisioned_duration_per_gb_second: f64,
}

impl Rates {
    /// The first-tier on-demand price, USD per GB-second.
    pub fn per_gb_second(&self) -> f64 {
        self.tiers[0].1
    }

    /// Cost of `gbs` on-demand GB-seconds through the tiers, for a month of usage.
    pub fn tiered_cost(&self, gbs: f64) -> f64 {
        self.tiered_cost_over(gbs, 1.0)
    }

    /// Cost of `gbs` on-demand GB-seconds used in `months` months (730 h each): the
    /// monthly tiers, prorated to that period.
    pub fn tiered_cost_over(&self, gbs: f64, months: f64) -> f64 {
        let mut left = gbs;
        let mut cost = 0.0;
        for (i, &(size, rate)) in self.tiers.iter().enumerate() {
            let last = i + 1 == self.tiers.len();
            let here = if last { left } else { left.min(size * months) };
            cost += here * rate;
            left -= here;
            if left <= 0.0 {
                break;
            }
        }
        cost
    }
}

/// A complete price list.
#[derive(Clone, Debug, PartialEq)]
pub struct Pricing {
    /// Name of the preset this was built from.
    pub preset: &'static str,
    /// x86_64 prices.
    pub x86: Rates,
    /// arm64 prices.
    pub arm64: Rates,
    /// USD per million requests.
    pub per_million_requests: f64,
    /// Whether on-demand INIT time is billed (AWS: since 1 Aug 2025).
    pub bill_init: bool,
    /// Take the monthly free tier off the run's totals, prorated to the run's duration.
    pub free_tier: bool,
    /// The architecture of functions that do not name one.
    pub default_architecture: Architecture,
    /// SnapStart's snapshot cache (Python, .NET), USD per GB-second of memory for as long
    /// as the version is active, at least `SNAPSHOT_CACHE_MINIMUM`.
    pub snapstart_cache_per_gb_second: f64,
    /// SnapStart's restores (Python, .NET), USD per GB of memory restored.
    pub snapstart_restore_per_gb: f64,
    /// Ephemeral storage above 512 MB, USD per GB-second of billed duration.
    pub ephemeral_per_gb_second: f64,
    /// Lambda@Edge, USD per million requests.
    pub edge_per_million_requests: f64,
    /// Lambda@Edge, USD per GB-second (AWS quotes it per 128 MB-second, × 8).
    pub edge_per_gb_second: f64,
    /// Response streaming, USD per GB streamed beyond the first 6 MB of each response.
    pub streaming_per_gb: f64,
    /// Response streaming's monthly free allowance (with `free_tier`), GB.
    pub streaming_free_gb: f64,
    /// Tenant isolation, USD per GB of memory of each new tenant environment.
    pub tenant_environment_per_gb: f64,
    /// A Compute Savings Plan's discount (0–1) off duration and provisioned concurrency
    /// charges of regional functions, not requests.
    pub savings_plan_discount: f64,
    /// SQS event source mappings in provisioned mode, USD per event poller unit-hour.
    pub sqs_per_epu_hour: f64,
    /// Kafka (MSK, self-managed) event source mappings in provisioned mode, USD per
    /// event poller unit-hour.
    pub kafka_per_epu_hour: f64,
}

/// Bytes in a GB, as AWS counts streamed responses (1 GB = 1,024 MB).
pub const BYTES_PER_GB: f64 = (1u64 << 30) as f64;

/// The charged GB of ephemeral storage of `storage_mb`: what is above the free 512 MB.
pub fn ephemeral_gb(storage_mb: u32) -> f64 {
    f64::from(storage_mb.saturating_sub(FREE_EPHEMERAL_MB)) / 1024.0
}
/// Free tier: requests per month.
pub const FREE_REQUESTS: f64 = 1_000_000.0;
/// Free tier: GB-seconds per month.
pub const FREE_GB_SECONDS: f64 = 400_000.0;
/// A month, as the AWS Pricing Calculator counts it: 730 hours.
pub const MONTH: Time = Time::from_secs(730 * 3600);
/// SnapStart's cache is charged for at least three hours.
pub const SNAPSHOT_CACHE_MINIMUM: Time = Time::from_secs(3 * 3600);
/// Ephemeral storage that comes free with every function, MB.
pub const FREE_EPHEMERAL_MB: u32 = 512;
/// Lambda Managed Instances' management fee: 15 % of the instances' on-demand price.
pub const MANAGEMENT_FEE: f64 = 0.15;
/// Provisioned concurrency is charged in whole blocks of five minutes.
pub const PROVISIONED_BLOCK: Time = Time::from_secs(300);
/// An event poller unit is charged for at least a minute each time it starts.
pub const EPU_MINIMUM: Time = Time::from_secs(60);

/// The charged time of one event poller unit that ran for `span`: whole seconds, at
/// least `EPU_MINIMUM` (ESM provisioned mode is billed per second, with a 1-minute
/// minimum).
pub fn epu_charged(span: Time) -> Time {
    const SECOND: u64 = 1_000_000_000;
    Time(span.as_nanos().div_ceil(SECOND).saturating_mul(SECOND)).max(EPU_MINIMUM)
}

/// Names of the built-in presets.
pub const PRESETS: &[&str] = &["aws-x86-2025", "aws-arm64-2025"];

fn aws_2025_x86() -> Rates {
    Rates {
        tiers: vec![
            (6e9, 0.000_016_666_7),
            (9e9, 0.000_015),
            (f64::INFINITY, 0.000_013_333_4),
        ],
        provisioned_per_gb_second: 0.000_004_166_7,
        provisioned_duration_per_gb_second: 0.000_009_722_2,
    }
}

fn aws_2025_arm64() -> Rates {
    Rates {
        tiers: vec![
            (7.5e9, 0.000_013_333_4),
            (11.25e9, 0.000_012_000_1),
            (f64::INFINITY, 0.000_010_666_7),
        ],
        provisioned_per_gb_second: 0.000_003_333_4,
        provisioned_duration_per_gb_second: 0.000_007_777_8,
    }
}

impl Pricing {
    /// A built-in preset by name: both hold AWS's 2025 US East prices for both
    /// architectures; the name sets the default architecture.
    pub fn preset(name: &str) -> Option<Pricing> {
        let (preset, arch) = match name {
            "aws-x86-2025" => ("aws-x86-2025", Architecture::X86_64),
            "aws-arm64-2025" => ("aws-arm64-2025", Architecture::Arm64),
            _ => return None,
        };
        Some(Pricing {
            preset,
            x86: aws_2025_x86(),
            arm64: aws_2025_arm64(),
            per_million_requests: 0.20,
            bill_init: true,
            free_tier: false,
            default_architecture: arch,
            snapstart_cache_per_gb_second: 0.000_001_504_6,
            snapstart_restore_per_gb: 0.000_139_799_8,
            ephemeral_per_gb_second: 0.000_000_030_9,
            edge_per_million_requests: 0.60,
            edge_per_gb_second: 0.000_006_251_25 * 8.0,
            savings_plan_discount: 0.0,
            tenant_environment_per_gb: 0.000_167,
            streaming_per_gb: 0.008,
            streaming_free_gb: 100.0,
            sqs_per_epu_hour: 0.009_25,
            kafka_per_epu_hour: 0.185,
        })
    }

    /// The rates of an architecture.
    pub fn rates(&self, arch: Architecture) -> &Rates {
        match arch {
            Architecture::X86_64 => &self.x86,
            Architecture::Arm64 => &self.arm64,
        }
    }

    /// USD per request.
    pub fn per_request(&self) -> f64 {
        self.per_million_requests / 1e6
    }
}

/// What one function used during a run, in exact integers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Billed requests (invocations started; throttles and DryRun are free).
    pub requests: u64,
    /// Billed milliseconds of on-demand execution (and INIT when billed).
    pub ondemand_ms: u64,
    /// Billed milliseconds of execution on provisioned environments.
    pub provisioned_exec_ms: u64,
    /// Environment-nanoseconds of provisioned concurrency (already rounded to 5-min blocks).
    pub provisioned_env_ns: u128,
    /// SnapStart restores.
    pub restores: u64,
    /// Environments started for a tenant (tenant isolation).
    pub tenant_environments: u64,
    /// Bytes streamed beyond the first 6 MB of each response.
    pub streamed_bytes: u64,
    /// Managed Instances: instance-nanoseconds of the capacity provider's instances.
    pub instance_ns: u128,
    /// ESM provisioned mode: charged EPU-nanoseconds of its SQS mappings.
    pub sqs_epu_ns: u128,
    /// ESM provisioned mode: charged EPU-nanoseconds of its Kafka mappings.
    pub kafka_epu_ns: u128,
}

/// The memory of a function, as priced.
#[derive(Clone, Copy, Debug)]
pub struct Sizing {
    /// Configured memory.
    pub memory_mb: u32,
    /// Architecture.
    pub architecture: Architecture,
    /// Ephemeral storage, MB (512 is free).
    pub ephemeral_storage_mb: u32,
    /// SnapStart with a charged cache and restores (Python and .NET).
    pub snapstart_charged: bool,
    /// A Lambda@Edge function: its own prices, no free tier, no tiers.
    pub edge: bool,
    /// On Managed Instances: its instances' EC2 price.
    pub managed: Option<InstancePrice>,
}

/// The EC2 price of a capacity provider's instances.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InstancePrice {
    /// On-demand price, USD per instance-hour.
    pub hourly: f64,
    /// A Savings Plan's (or Reserved Instance's) discount on it, 0–1.
    pub savings_plan_discount: f64,
}

impl InstancePrice {
    /// USD per instance-nanosecond: the EC2 price (less the discount), and the management
    /// fee (15 % of the on-demand price).
    pub fn per_ns(&self) -> (f64, f64) {
        let per_ns = self.hourly / 3.6e12;
        (
            per_ns * (1.0 - self.savings_plan_discount),
            per_ns * MANAGEMENT_FEE,
        )
    }
}

/// GB-seconds of `ms` milliseconds at `memory_mb` (GB = MB / 1024).
pub fn gb_seconds(ms: u64, memory_mb: u32) -> f64 {
    (u128::from(ms) * u128::from(memory_mb)) as f64 / 1_024_000.0
}

/// The costs of one function, or of the whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Costs {
    /// GB-seconds billed for execution (on-demand and provisioned).
    pub billed_gb_seconds: f64,
    /// Request charges, USD.
    pub request: f64,
    /// Duration charges (on-demand and on provisioned environments), USD.
    pub compute: f64,
    /// Provisioned concurrency allocation charges, USD.
    pub provisioned: f64,
    /// SnapStart's cache and restore charges, USD.
    pub snapstart: f64,
    /// Ephemeral storage charges (above 512 MB), USD.
    pub ephemeral: f64,
    /// Tenant isolation's charges for new tenant environments, USD.
    pub tenant: f64,
    /// Response streaming's charges, USD.
    pub streaming: f64,
    /// Managed Instances: the EC2 instances, less any Savings Plan, USD.
    pub instance: f64,
    /// Managed Instances: the management fee, 15 % of the instances' on-demand price, USD.
    pub management_fee: f64,
    /// Event source mappings in provisioned mode: their event poller units, USD.
    pub esm: f64,
    /// The run's usage scaled to a month (730 h), priced with the whole monthly free
    /// tier (when it applies) and volume tiers, USD.
    pub monthly: f64,
}

impl Costs {
    /// All charges, USD.
    pub fn total(&self) -> f64 {
        self.request
            + self.compute
            + self.provisioned
            + self.snapstart
            + self.ephemeral
            + self.tenant
            + self.streaming
            + self.instance
            + self.management_fee
            + self.esm
    }
}

/// The charges of the EPUs of a function's mappings in provisioned mode, USD.
pub fn esm_cost(pricing: &Pricing, u: &Usage) -> f64 {
    const HOUR: f64 = 3600e9;
    u.sqs_epu_ns as f64 / HOUR * pricing.sqs_per_epu_hour
        + u.kafka_epu_ns as f64 / HOUR * pricing.kafka_per_epu_hour
}

/// Bills a run of `period`: the costs of each function and of the whole.
///
/// Tiers and the free tier apply to the run's totals (per architecture for duration),
/// prorated to the run's period: a one-day run gets 1/30.4 of a month's free allowance and
/// of each volume tier. Each function carries its proportional share, so the rows add up
/// to the total. Because every charge is then the month's charge of the usage scaled to
/// a month, times the run's share of a month, the monthly cost is the cost over that
/// share.
pub fn bill(pricing: &Pricing, funcs: &[(Sizing, Usage)], period: Time) -> (Vec<Costs>, Costs) {
    let months = period.as_nanos().max(1) as f64 / MONTH.as_nanos() as f64;
    // Lambda@Edge functions have prices of their own, with no free tier and no tiers.
    let total_requests: u64 = funcs
        .iter()
        .filter(|(s, _)| !s.edge)
        .map(|(_, u)| u.requests)
        .sum();
    let billable_requests = if pricing.free_tier {
        (total_requests as f64 - FREE_REQUESTS * months).max(0.0)
    } else {
        total_requests as f64
    };
    let request_cost = billable_requests * pricing.per_request();

    let od_gbs: Vec<f64> = funcs
        .iter()
        .map(|(s, u)| gb_seconds(u.ondemand_ms, s.memory_mb))
        .collect();
    let all_od: f64 = funcs
        .iter()
        .zip(&od_gbs)
        .filter(|((s, _), _)| !s.edge)
        .map(|(_, g)| *g)
        .sum();
    let free_share = if pricing.free_tier && all_od > 0.0 {
        (FREE_GB_SECONDS * months / all_od).min(1.0)
    } else {
        0.0
    };
    // Tiered cost per architecture, over the billable GB-seconds of that architecture.
    let arch_cost = |arch: Architecture| -> (f64, f64) {
        let g: f64 = funcs
            .iter()
            .zip(&od_gbs)
            .filter(|((s, _), _)| s.architecture == arch && !s.edge)
            .map(|(_, g)| *g)
            .sum();
        (
            g,
            pricing
                .rates(arch)
                .tiered_cost_over(g * (1.0 - free_share), months),
        )
    };
    // Streamed bytes: the free allowance, prorated, off the run's total, each function
    // keeping its share of the rest.
    let all_streamed: u64 = funcs.iter().map(|(_, u)| u.streamed_bytes).sum();
    let streamed_gb = all_streamed as f64 / BYTES_PER_GB;
    let billable_streamed_gb = if pricing.free_tier {
        (streamed_gb - pricing.streaming_free_gb * months).max(0.0)
    } else {
        streamed_gb
    };
    let (g_x86, c_x86) = arch_cost(Architecture::X86_64);
    let (g_arm, c_arm) = arch_cost(Architecture::Arm64);

    let mut total = Costs::default();
    let mut rows = Vec::with_capacity(funcs.len());
    for ((s, u), g) in funcs.iter().zip(&od_gbs) {
        let rates = pricing.rates(s.architecture);
        let (g_arch, c_arch) = match s.architecture {
            Architecture::X86_64 => (g_x86, c_x86),
            Architecture::Arm64 => (g_arm, c_arm),
        };
        let pc_exec_gbs = gb_seconds(u.provisioned_exec_ms, s.memory_mb);
        let pc_env_gbs = u.provisioned_env_ns as f64 / 1e9 * f64::from(s.memory_mb) / 1024.0;
        let gb = f64::from(s.memory_mb) / 1024.0;
        let (cache, cache_month, restores) = if s.snapstart_charged {
            let price = pricing.snapstart_cache_per_gb_second;
            let active = period.max(SNAPSHOT_CACHE_MINIMUM);
            (
                gb * seconds(active) * price,
                gb * seconds(MONTH) * price,
                u.restores as f64 * gb * pricing.snapstart_restore_per_gb,
            )
        } else {
            (0.0, 0.0, 0.0)
        };
        let ephemeral_gb = ephemeral_gb(s.ephemeral_storage_mb);
        let billed_s = (u.ondemand_ms + u.provisioned_exec_ms) as f64 / 1000.0;
        let kept = 1.0 - pricing.savings_plan_discount;
        let (request, compute, provisioned) = if s.edge {
            (
                u.requests as f64 * pricing.edge_per_million_requests / 1e6,
                g * pricing.edge_per_gb_second,
                0.0,
            )
        } else {
            (
                if total_requests > 0 {
                    request_cost * u.requests as f64 / total_requests as f64
                } else {
                    0.0
                },
                (if g_arch > 0.0 {
                    c_arch * g / g_arch
                } else {
                    0.0
                } + pc_exec_gbs * rates.provisioned_duration_per_gb_second)
                    * kept,
                pc_env_gbs * rates.provisioned_per_gb_second * kept,
            )
        };
        let (instance, management_fee) = s.managed.map_or((0.0, 0.0), |p| {
            let (ec2, fee) = p.per_ns();
            let ns = u.instance_ns as f64;
            (ns * ec2, ns * fee)
        });
        let c = Costs {
            billed_gb_seconds: g + pc_exec_gbs,
            instance,
            management_fee,
            request,
            compute,
            provisioned,
            snapstart: cache + restores,
            ephemeral: ephemeral_gb * billed_s * pricing.ephemeral_per_gb_second,
            tenant: u.tenant_environments as f64 * gb * pricing.tenant_environment_per_gb,
            streaming: if all_streamed > 0 {
                billable_streamed_gb * u.streamed_bytes as f64 / all_streamed as f64
                    * pricing.streaming_per_gb
            } else {
                0.0
            },
            esm: esm_cost(pricing, u),
            monthly: 0.0,
        };
        // The cache is charged by time: a month's is a month's, whatever the run's length
        // (a run under the 3-hour minimum pays the minimum; a month does not).
        let c = Costs {
            monthly: (c.total() - cache) / months + cache_month,
            ..c
        };
        total.billed_gb_seconds += c.billed_gb_seconds;
        total.request += c.request;
        total.compute += c.compute;
        total.provisioned += c.provisioned;
        total.snapstart += c.snapstart;
        total.ephemeral += c.ephemeral;
        total.tenant += c.tenant;
        total.streaming += c.streaming;
        total.instance += c.instance;
        total.management_fee += c.management_fee;
        total.esm += c.esm;
        total.monthly += c.monthly;
        rows.push(c);
    }
    (rows, total)
}

fn seconds(t: Time) -> f64 {
    t.as_nanos() as f64 / 1e9
}

/// Rounds a provisioned period up to whole 5-minute blocks.
pub fn provisioned_period(t: Time) -> Time {
    let block = PROVISIONED_BLOCK.as_nanos();
    Time(t.as_nanos().div_ceil(block).saturating_mul(block))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x86(mb: u32) -> Sizing {
        Sizing {
            memory_mb: mb,
            architecture: Architecture::X86_64,
            ephemeral_storage_mb: FREE_EPHEMERAL_MB,
            snapstart_charged: false,
            edge: false,
            managed: None,
        }
    }

    #[test]
    fn aws_pricing_page_example_with_free_tier() {
        // 3 M requests × 120 ms at 1,536 MB → 540,000 GB-s; minus 400,000 free → $2.33;
        // 2 M billable requests → $0.40; total $2.73.
        let mut p = Pricing::preset("aws-x86-2025").unwrap();
        p.free_tier = true;
        let u = Usage {
            requests: 3_000_000,
            ondemand_ms: 3_000_000 * 120,
            ..Usage::default()
        };
        let (_, t) = bill(&p, &[(x86(1536), u)], MONTH);
        assert_eq!(t.billed_gb_seconds, 540_000.0);
        assert_eq!(format!("{:.2}", t.compute), "2.33");
        assert_eq!(format!("{:.2}", t.request), "0.40");
        assert_eq!(format!("{:.2}", t.total()), "2.73");
    }

    #[test]
    fn the_free_tier_and_the_tiers_are_prorated_to_the_run() {
        // One day (24 of a month's 730 h) of 100,000 requests × 1 s at 1,024 MB: 100,000
        // GB-s. The day's free allowance is 400,000 × 24/730 = 13,150.68 GB-s and
        // 1 M × 24/730 = 32,876.7 requests, not the month's.
        let mut p = Pricing::preset("aws-x86-2025").unwrap();
        p.free_tier = true;
        let u = Usage {
            requests: 100_000,
            ondemand_ms: 100_000 * 1000,
            ..Usage::default()
        };
        let day = Time::from_secs(24 * 3600);
        let (_, t) = bill(&p, &[(x86(1024), u)], day);
        let k = 24.0 / 730.0;
        let compute = (100_000.0 - 400_000.0 * k) * 0.000_016_666_7;
        let request = (100_000.0 - 1_000_000.0 * k) * 0.20 / 1e6;
        assert!(
            (t.compute - compute).abs() < 1e-12,
            "{} vs {compute}",
            t.compute
        );
        assert!(
            (t.request - request).abs() < 1e-15,
            "{} vs {request}",
            t.request
        );
        // A month of that day: 3,041,666.7 GB-s, 400,000 free, all in the first tier.
        let monthly = (100_000.0 / k - 400_000.0) * 0.000_016_666_7
            + (100_000.0 / k - 1_000_000.0) * 0.20 / 1e6;
        assert!(
            (t.monthly - monthly).abs() < 1e-9,
            "{} vs {monthly}",
            t.monthly
        );
        // The volume tiers shrink with the run: in a day, 6 B × 24/730 GB-s at the first
        // price, 9 B × 24/730 at the second, the rest at the third.
        p.free_tier = false;
        let big = Usage {
            requests: 1,
            ondemand_ms: 300_000_000_000_000,
            ..Usage::default()
        };
        let (_, t) = bill(&p, &[(x86(1024), big)], day);
        let (first, second) = (6e9 * k, 9e9 * k);
        let want = first * 0.000_016_666_7
            + second * 0.000_015
            + (3e11 - first - second) * 0.000_013_333_4;
        assert!(
            (t.compute - want).abs() < 1e-6 * want,
            "{} vs {want}",
            t.compute
        );
    }

    #[test]
    fn rows_add_up_and_free_tier_is_taken_once() {
        let mut p = Pricing::preset("aws-x86-2025").unwrap();
        p.free_tier = true;
        let a = Usage {
            requests: 800_000,
            ondemand_ms: 400_000_000,
            ..Usage::default()
        };
        let b = Usage {
            requests: 800_000,
            ondemand_ms: 400_000_000,
            ..Usage::default()
        };
        let (rows, t) = bill(&p, &[(x86(1024), a), (x86(1024), b)], MONTH);
        // 800,000 GB-s in all, 400,000 free; 1.6 M requests, 1 M free.
        assert!((t.compute - 400_000.0 * 0.000_016_666_7).abs() < 1e-9);
        assert!((t.request - 0.12).abs() < 1e-12);
        assert!((rows[0].total() + rows[1].total() - t.total()).abs() < 1e-12);
    }

    #[test]
    fn tiers_apply_above_six_billion_gb_seconds() {
        let r = aws_2025_x86();
        let c = r.tiered_cost(7e9);
        assert!((c - (6e9 * 0.000_016_666_7 + 1e9 * 0.000_015)).abs() < 1e-3);
    }

    #[test]
    fn provisioned_rounds_to_five_minutes() {
        assert_eq!(provisioned_period(Time::from_secs(1)), Time::from_secs(300));
        assert_eq!(
            provisioned_period(Time::from_secs(600)),
            Time::from_secs(600)
        );
        assert_eq!(
            provisioned_period(Time::from_secs(601)),
            Time::from_secs(900)
        );
    }

    #[test]
    fn epus_are_charged_whole_seconds_with_a_minute_at_least() {
        let ns = |n: u64| Time(n);
        assert_eq!(epu_charged(Time::ZERO), Time::from_secs(60));
        assert_eq!(epu_charged(Time::from_secs(59)), Time::from_secs(60));
        assert_eq!(epu_charged(ns(60_000_000_001)), Time::from_secs(61));
        assert_eq!(epu_charged(Time::from_secs(61)), Time::from_secs(61));
        assert_eq!(epu_charged(ns(3_600_999_999_999)), Time::from_secs(3601));
        // An hour of 2 SQS EPUs and of 3 Kafka EPUs at AWS's prices.
        let p = Pricing::preset("aws-x86-2025").unwrap();
        let hour = 3600 * 1_000_000_000u128;
        let u = Usage {
            sqs_epu_ns: 2 * hour,
            kafka_epu_ns: 3 * hour,
            ..Usage::default()
        };
        assert!((esm_cost(&p, &u) - (2.0 * 0.009_25 + 3.0 * 0.185)).abs() < 1e-12);
        let (rows, t) = bill(&p, &[(x86(128), u)], Time::from_secs(3600));
        assert_eq!(rows[0].esm, t.esm);
        assert!((t.total() - t.esm).abs() < 1e-12, "only the EPUs: {t:?}");
        // A month of the same: 730 times as much.
        assert!((t.monthly - 730.0 * t.esm).abs() < 1e-9, "{}", t.monthly);
    }

    #[test]
    fn provisioned_charges() {
        // 10 environments × 1 h × 2 GB × $0.0000041667 = $0.30; 1,000 s of execution on them
        // at 2 GB × $0.0000097222 = $0.0194444.
        let p = Pricing::preset("aws-x86-2025").unwrap();
        let u = Usage {
            requests: 0,
            ondemand_ms: 0,
            provisioned_exec_ms: 1_000_000,
            provisioned_env_ns: 10 * 3600 * 1_000_000_000u128,
            restores: 0,
            tenant_environments: 0,
            streamed_bytes: 0,
            instance_ns: 0,
            sqs_epu_ns: 0,
            kafka_epu_ns: 0,
        };
        let (_, t) = bill(&p, &[(x86(2048), u)], MONTH);
        assert!(
            (t.provisioned - 0.300_002_4).abs() < 1e-9,
            "{}",
            t.provisioned
        );
        assert!((t.compute - 0.019_444_4).abs() < 1e-9, "{}", t.compute);
    }

    #[test]
    fn each_architecture_goes_through_its_own_tiers() {
        // 5 B GB-s on x86 and 5 B on arm64 in a month: each within its first tier (6 B
        // and 7.5 B), so neither reaches its second, although together they would.
        let p = Pricing::preset("aws-x86-2025").unwrap();
        let ms = 5e9 as u64 * 1000;
        let usage = Usage {
            ondemand_ms: ms,
            ..Usage::default()
        };
        let arm = Sizing {
            architecture: Architecture::Arm64,
            ..x86(1024)
        };
        let (rows, _) = bill(&p, &[(x86(1024), usage), (arm, usage)], MONTH);
        let want_x86 = 5e9 * 0.000_016_666_7;
        let want_arm = 5e9 * 0.000_013_333_4;
        assert!(
            (rows[0].compute / want_x86 - 1.0).abs() < 1e-12,
            "{}",
            rows[0].compute
        );
        assert!(
            (rows[1].compute / want_arm - 1.0).abs() < 1e-12,
            "{}",
            rows[1].compute
        );
    }
}
