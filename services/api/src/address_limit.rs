//! A per-client-address allowance for the open write of section 11 (`POST
//! /v1/public/interest`): so many an hour, counted in memory only and forgotten after the hour.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window the allowance counts over.
const WINDOW: Duration = Duration::from_secs(3_600);
/// Addresses held before the expired ones are dropped, bounding memory under a flood.
const PRUNE_AT: usize = 100_000;

/// Requests each address has made in its current window.
#[derive(Debug)]
pub struct AddressLimit {
    per_hour: u32,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl AddressLimit {
    /// `per_hour` 0 turns the limit off.
    pub fn new(per_hour: u32) -> Self {
        Self { per_hour, seen: Mutex::default() }
    }

    /// Counts one request from `address`: `Err(seconds)` to wait when over the allowance.
    pub fn check(&self, address: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_hour == 0 {
            return Ok(());
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() >= PRUNE_AT {
            seen.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let (start, count) = seen.entry(address).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            (*start, *count) = (now, 0);
        }
        if *count >= self.per_hour {
            return Err((WINDOW - now.duration_since(*start)).as_secs().max(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_allowance_per_hour_and_others_are_apart() {
        let limit = AddressLimit::new(2);
        let (a, b) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let t = Instant::now();
        assert_eq!(limit.check(a, t), Ok(()));
        assert_eq!(limit.check(a, t), Ok(()));
        assert_eq!(limit.check(a, t + Duration::from_secs(600)), Err(3_000));
        assert_eq!(limit.check(b, t), Ok(()));
        assert_eq!(limit.check(a, t + WINDOW), Ok(()));
        assert_eq!(AddressLimit::new(0).check(a, t), Ok(()));
    }
}
