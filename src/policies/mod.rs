//! Platform policies. Each is a trait whose implementations return decisions; the model
//! (src/model) carries them out. A policy never reaches into the world.

pub mod eviction;
pub mod keepalive;
pub mod placement;
pub mod provisioning;
pub mod selection;

pub use eviction::{Candidate, Eviction, EvictionSpec};
pub use keepalive::{KeepAliveDecision, KeepAlivePolicy, KeepAliveSpec};
pub use placement::{Placement, PlacementSpec, Room, cpu_share, home_host, host_cpu};
pub use provisioning::{Observation, ProvisioningPolicy, ProvisioningSpec, TargetTracking};
pub use selection::{InstanceSelection, SelectionSpec};
