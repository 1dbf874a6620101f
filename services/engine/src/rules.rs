//! A partnership's planning rules (CONTRACT section 3), with the defaults filled in: what the
//! registration holds, the report rules read, and `GET /v1/partnerships` shows.

use provisio_events::Rules;
use serde::Serialize;

/// The rules of a partnership with every key filled in (CONTRACT section 3's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EffectiveRules {
    pub surplus_tolerance: f64,
    pub viable_fill_rate: f64,
    pub min_group_size: u32,
}

impl Default for EffectiveRules {
    fn default() -> Self {
        EffectiveRules { surplus_tolerance: 0.2, viable_fill_rate: 0.6, min_group_size: 12 }
    }
}

impl EffectiveRules {
    pub fn of(rules: Option<&Rules>) -> Self {
        let d = EffectiveRules::default();
        let Some(r) = rules else { return d };
        EffectiveRules {
            surplus_tolerance: r.surplus_tolerance.unwrap_or(d.surplus_tolerance),
            viable_fill_rate: r.viable_fill_rate.unwrap_or(d.viable_fill_rate),
            min_group_size: r.min_group_size.unwrap_or(d.min_group_size),
        }
    }
}
