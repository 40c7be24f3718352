//! Lambda Managed Instances, validated: the capacity providers (`[[capacity_providers]]`)
//! and what a function with `compute = "managed_instances"` runs with. The run-time model
//! is `world/managed/`.

use crate::engine::Time;

/// A capacity provider: EC2 instances of one type that Lambda runs functions on.
#[derive(Clone, Debug, PartialEq)]
pub struct CapacityProvider {
    /// Unique name.
    pub name: String,
    /// The EC2 instance type, a label (e.g. `m7g.xlarge`).
    pub instance_type: String,
    /// vCPUs of an instance (one is kept for Lambda's agent and the OS).
    pub vcpus: u32,
    /// Memory of an instance, GB (one is kept).
    pub memory_gb: u32,
    /// The instance's EC2 on-demand price, USD per hour.
    pub hourly_price: f64,
    /// The most vCPUs of all its instances together (AWS's `MaxVCpuCount`).
    pub max_vcpus: u32,
    /// A Savings Plan's or Reserved Instance's discount (0–1) on the EC2 price; the
    /// management fee stays on the on-demand price.
    pub savings_plan_discount: f64,
    /// From an instance's launch to when environments can start on it (assumption).
    pub launch_delay: Time,
    /// The CPU utilisation (and use of concurrency slots) scaling aims at (assumption).
    pub target_utilization: f64,
}

impl CapacityProvider {
    /// vCPUs and GB of an instance left for execution environments.
    pub fn usable(&self) -> (u32, u32) {
        (self.vcpus - RESERVED_VCPUS, self.memory_gb - RESERVED_GB)
    }

    /// The environments of `vcpus` vCPUs and `gb` GB one instance holds.
    pub fn envs_per_instance(&self, vcpus: u32, gb: u32) -> u32 {
        let (v, m) = self.usable();
        (v / vcpus).min(m / gb)
    }
}

/// What each instance keeps for itself: 1 vCPU and 1 GB.
pub const RESERVED_VCPUS: u32 = 1;
/// See `RESERVED_VCPUS`.
pub const RESERVED_GB: u32 = 1;
/// How often the scaler looks at utilisation (assumption: CloudWatch's 1-minute metrics).
pub const SCALE_INTERVAL: Time = Time::from_secs(60);
/// Capacity at most doubles within this long: faster traffic growth is throttled, as AWS
/// documents.
pub const DOUBLING_TIME: Time = Time::from_secs(300);
/// Instances are replaced after this long (AWS: every 14 days).
pub const INSTANCE_LIFETIME: Time = Time::from_secs(14 * 86_400);
/// The longest invocation of an asynchronous or event-source invocation: 90 minutes.
pub const MAX_ASYNC_TIMEOUT: Time = Time::from_secs(90 * 60);

/// A function on Lambda Managed Instances.
#[derive(Clone, Debug, PartialEq)]
pub struct Managed {
    /// Index of its capacity provider.
    pub provider: usize,
    /// vCPUs of each execution environment (`memory_mb` / `memory_per_vcpu_gb`).
    pub env_vcpus: u32,
    /// GB of each execution environment.
    pub env_gb: u32,
    /// Requests one environment runs at once: `per_vcpu_concurrency` × its vCPUs.
    pub concurrency: u32,
    /// The CPU-bound share of a request's duration (`cpu_bound_fraction`): that part
    /// slows down when the environment's requests want more CPU than it has.
    pub cpu_fraction: f64,
    /// The fewest environments (AWS: 3, one per Availability Zone).
    pub min_environments: u32,
    /// The most environments (`max_environments`; `u32::MAX`: as many as `max_vcpus`
    /// allows).
    pub max_environments: u32,
}

impl Managed {
    /// The most requests the function can run at once: its most environments (what
    /// `max_vcpus` holds, at most `max_environments`) × their slots.
    pub fn most_concurrency(&self, p: &CapacityProvider) -> u32 {
        let fit = (p.max_vcpus / p.vcpus) * p.envs_per_instance(self.env_vcpus, self.env_gb);
        u32::try_from(u64::from(fit.min(self.max_environments)) * u64::from(self.concurrency))
            .unwrap_or(u32::MAX)
    }
}

/// AWS's most concurrent requests per vCPU of each runtime family, the default of
/// `per_vcpu_concurrency`; `None` for a runtime Managed Instances do not run.
pub fn per_vcpu_cap(runtime: &str) -> Option<u32> {
    if runtime.starts_with("nodejs") {
        Some(64)
    } else if runtime.starts_with("java") || runtime.starts_with("dotnet") {
        Some(32)
    } else if runtime.starts_with("python") {
        Some(16)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_families_have_awss_caps() {
        assert_eq!(per_vcpu_cap("nodejs22.x"), Some(64));
        assert_eq!(per_vcpu_cap("java21"), Some(32));
        assert_eq!(per_vcpu_cap("dotnet8"), Some(32));
        assert_eq!(per_vcpu_cap("python3.13"), Some(16));
        assert_eq!(per_vcpu_cap("ruby3.4"), None);
        assert_eq!(per_vcpu_cap("provided.al2023/rust"), None);
    }

    #[test]
    fn an_instance_keeps_one_vcpu_and_one_gb() {
        let p = CapacityProvider {
            name: "p".into(),
            instance_type: "m7g.2xlarge".into(),
            vcpus: 8,
            memory_gb: 32,
            hourly_price: 0.3264,
            max_vcpus: 400,
            savings_plan_discount: 0.0,
            launch_delay: Time::from_secs(60),
            target_utilization: 0.5,
        };
        assert_eq!(p.usable(), (7, 31));
        // 2 vCPU / 4 GB environments: 3 fit by CPU (7/2), 7 by memory.
        assert_eq!(p.envs_per_instance(2, 4), 3);
        // 1 vCPU / 8 GB: 7 by CPU, 3 by memory (31/8).
        assert_eq!(p.envs_per_instance(1, 8), 3);
        assert_eq!(p.envs_per_instance(1, 2), 7);
    }
}
