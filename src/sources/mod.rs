//! Event sources: the service catalog and the arrival processes that drive them.

pub mod arrival;
pub mod catalog;
pub mod cloudwatch;

pub mod tenants;
pub mod trace;
pub mod weekly;

pub use arrival::{ArrivalProcess, ArrivalStream, Ramp, Stage};
pub use catalog::{InvocationType, Service, SourceModel};
