//! Percentiles over recorded latencies.

/// Latency figures in milliseconds, with the samples they come from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Latency {
    pub(crate) count: usize,
    pub(crate) p50: f64,
    pub(crate) p99: f64,
    pub(crate) p999: f64,
    pub(crate) max: f64,
    sorted: Vec<f64>,
}

impl Latency {
    pub(crate) fn of(mut ms: Vec<f64>) -> Self {
        if ms.is_empty() {
            return Self::default();
        }
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
        Self { count: ms.len(), p50: at(0.50), p99: at(0.99), p999: at(0.999), max: ms[ms.len() - 1], sorted: ms }
    }

    /// The latency of two steps taken one after the other, each as measured here and
    /// independent of the other: 1,000,000 sums of a sample of each, drawn with a fixed seed
    /// (so a run's figure does not depend on luck). Tails that come together (both steps
    /// slowed by the same busy core or disk) would make the real sum worse, not better.
    pub(crate) fn then(&self, next: &Latency) -> Latency {
        if self.sorted.is_empty() || next.sorted.is_empty() {
            return Latency::default();
        }
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut draw = |n: usize| {
            // xorshift64*: uniform enough for picking samples.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as usize % n
        };
        Latency::of(
            (0..1_000_000)
                .map(|_| self.sorted[draw(self.sorted.len())] + next.sorted[draw(next.sorted.len())])
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_read_off_the_sorted_samples() {
        let l = Latency::of((1..=1000).rev().map(f64::from).collect());
        assert_eq!((l.count, l.p50, l.p99, l.p999, l.max), (1000, 500.0, 990.0, 999.0, 1000.0));
    }

    #[test]
    fn two_steps_in_turn_add_their_latencies() {
        // A first step slow a quarter of the time, then a second that always takes 1 ms.
        let sum = Latency::of(vec![0.0, 0.0, 0.0, 100.0]).then(&Latency::of(vec![1.0; 4]));
        assert_eq!(sum.count, 1_000_000);
        assert_eq!((sum.p50, sum.p99, sum.max), (1.0, 101.0, 101.0));
        assert_eq!(Latency::default().then(&sum).count, 0, "no samples, no sum");
    }
}
