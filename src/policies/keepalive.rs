//! Keep-alive: how long an execution environment stays idle before it is retired.

use crate::engine::Time;

/// What to do with an environment that has just become idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeepAliveDecision {
    /// Keep it for this long, then retire it unless it was reused.
    KeepFor(Time),
    /// Retire it now.
    TerminateNow,
}

/// A keep-alive policy. One instance exists per function and run.
///
/// The idle pool retires environments from its oldest end, so a policy's windows must not
/// shrink over time within one function (every built-in policy keeps them constant).
pub trait KeepAlivePolicy: Send {
    /// Called when an environment of this function becomes idle at `now`.
    fn on_idle(&mut self, now: Time) -> KeepAliveDecision;
}

/// A keep-alive policy as chosen in a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeepAliveSpec {
    /// Keep each idle environment for a fixed time (AWS-like).
    Fixed {
        /// Idle lifetime.
        idle: Time,
    },
    /// Retire every environment as soon as it finishes: every invocation is cold.
    None,
}

impl KeepAliveSpec {
    /// The policy object for one function.
    pub fn build(&self) -> Box<dyn KeepAlivePolicy> {
        match self {
            KeepAliveSpec::Fixed { idle } => Box::new(Fixed { idle: *idle }),
            KeepAliveSpec::None => Box::new(NoKeepAlive),
        }
    }
}

/// `fixed {idle}`.
pub struct Fixed {
    idle: Time,
}

impl KeepAlivePolicy for Fixed {
    fn on_idle(&mut self, _now: Time) -> KeepAliveDecision {
        KeepAliveDecision::KeepFor(self.idle)
    }
}

/// `none`.
pub struct NoKeepAlive;

impl KeepAlivePolicy for NoKeepAlive {
    fn on_idle(&mut self, _now: Time) -> KeepAliveDecision {
        KeepAliveDecision::TerminateNow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions() {
        let mut f = KeepAliveSpec::Fixed {
            idle: Time::from_secs(600),
        }
        .build();
        assert_eq!(
            f.on_idle(Time::from_secs(5)),
            KeepAliveDecision::KeepFor(Time::from_secs(600))
        );
        let mut n = KeepAliveSpec::None.build();
        assert_eq!(n.on_idle(Time::ZERO), KeepAliveDecision::TerminateNow);
    }
}
