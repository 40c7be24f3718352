//! The tenants of a source (`tenants`): how many there are, how popular each is, and the
//! draw of the tenant of each request.

use crate::engine::SimRng;
use rand::RngExt;
use rand_distr::{Distribution, Zipf};

/// Which tenant sends a request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Popularity {
    /// Every tenant alike.
    Uniform,
    /// Tenant k (from 1) with probability ∝ 1/k^s.
    Zipf(f64),
}

/// `tenants = { count, popularity, s }`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TenantMix {
    /// Tenants, ids 0..count.
    pub count: u32,
    /// How requests spread over them.
    pub popularity: Popularity,
}

/// Draws the tenant of each request of one arrival stream.
pub struct TenantDraw {
    count: u32,
    zipf: Option<Zipf<f64>>,
    rng: SimRng,
}

impl TenantDraw {
    /// The draw of `mix`, from its own random stream (so that it shifts no other draw).
    pub fn new(mix: &TenantMix, rng: SimRng) -> TenantDraw {
        let zipf = match mix.popularity {
            Popularity::Uniform => None,
            Popularity::Zipf(s) => {
                Some(Zipf::new(f64::from(mix.count), s).expect("validated: count ≥ 1, s ≥ 0"))
            }
        };
        TenantDraw {
            count: mix.count,
            zipf,
            rng,
        }
    }

    /// The next request's tenant, 0..count (0 the most popular under `zipf`).
    #[inline]
    pub fn draw(&mut self) -> u32 {
        match &self.zipf {
            None => self.rng.random_range(0..self.count),
            Some(z) => (z.sample(&mut self.rng) as u32 - 1).min(self.count - 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn zipf_tenants_follow_one_over_k_to_the_s() {
        let mix = TenantMix {
            count: 100,
            popularity: Popularity::Zipf(1.1),
        };
        let mut d = TenantDraw::new(&mix, RngStreams::new(3).stream("t"));
        let n = 200_000;
        let mut counts = vec![0u32; 100];
        for _ in 0..n {
            counts[d.draw() as usize] += 1;
        }
        let h: f64 = (1..=100).map(|k| (k as f64).powf(-1.1)).sum();
        for k in [0usize, 1, 9, 99] {
            let p = ((k + 1) as f64).powf(-1.1) / h;
            let sd = (p * (1.0 - p) / n as f64).sqrt();
            let got = f64::from(counts[k]) / n as f64;
            // 4 standard deviations of a binomial proportion.
            assert!((got - p).abs() < 4.0 * sd, "tenant {k}: {got} vs {p}");
        }
    }

    #[test]
    fn uniform_tenants_cover_every_id_alike() {
        let mix = TenantMix {
            count: 10,
            popularity: Popularity::Uniform,
        };
        let mut d = TenantDraw::new(&mix, RngStreams::new(5).stream("t"));
        let mut counts = [0u32; 10];
        for _ in 0..100_000 {
            counts[d.draw() as usize] += 1;
        }
        // Binomial(100,000, 0.1): σ = 95; 4σ.
        assert!(
            counts.iter().all(|&c| (c as i64 - 10_000).abs() < 380),
            "{counts:?}"
        );
        let one = TenantMix {
            count: 1,
            popularity: Popularity::Zipf(1.1),
        };
        let mut d = TenantDraw::new(&one, RngStreams::new(5).stream("t"));
        assert!((0..1000).all(|_| d.draw() == 0));
    }
}
