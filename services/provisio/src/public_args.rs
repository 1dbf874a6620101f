//! Flags of the public course finder and interest registration (CONTRACT section 11), and
//! the start-up work they ask for: loading the postcode lookup once.

use anyhow::Context;
use clap::Args;
use provisio_api::{AddressLimit, PublicConfig};
use provisio_import::PostcodeLookup;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone, Args)]
pub struct PublicArgs {
    /// ONS Postcode Directory or Code-Point Open extract (CSV with pcds/postcode, lat, long/lon
    /// and optionally oslaua/lad), loaded at start: postcodes for distances and interest.
    #[arg(long, env = "PROVISIO_POSTCODES")]
    pub postcodes: Option<PathBuf>,
    /// Registrations of interest per client address per hour (0: unlimited).
    #[arg(long, env = "PROVISIO_INTEREST_RATE_LIMIT", default_value_t = 20)]
    pub interest_rate_limit: u32,
    /// Take the client address from the first X-Forwarded-For entry (only behind a proxy that sets it).
    #[arg(long, env = "PROVISIO_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// A postcode extract the binary carries, used when no file is given (`provisio demo`'s).
    #[arg(skip)]
    pub built_in_postcodes: Option<&'static str>,
}

impl Default for PublicArgs {
    fn default() -> Self {
        Self { postcodes: None, interest_rate_limit: 20, trust_forwarded_for: false, built_in_postcodes: None }
    }
}

impl PublicArgs {
    /// The open endpoints' configuration, with the postcode file read and logged.
    pub fn load(&self) -> anyhow::Result<PublicConfig> {
        let postcodes = match (&self.postcodes, self.built_in_postcodes) {
            (None, None) => None,
            (None, Some(csv)) => Some(Arc::new(
                PostcodeLookup::from_csv(csv.as_bytes()).context("reading the built-in postcode extract")?,
            )),
            (Some(path), _) => {
                let started = Instant::now();
                let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
                let lookup = PostcodeLookup::from_csv(std::io::BufReader::with_capacity(1 << 20, file))
                    .with_context(|| format!("reading the postcode lookup {}", path.display()))?;
                tracing::info!(
                    message = "Postcode lookup loaded.",
                    file = %path.display(),
                    postcodes = lookup.len(),
                    millis = started.elapsed().as_millis() as u64,
                );
                Some(Arc::new(lookup))
            }
        };
        let finder = provisio_finder::Finder::new(postcodes.clone()).context("creating the course finder's index")?;
        Ok(PublicConfig {
            finder: Arc::new(std::sync::RwLock::new(finder)),
            postcodes,
            interest_limit: AddressLimit::new(self.interest_rate_limit),
            trust_forwarded_for: self.trust_forwarded_for,
        })
    }
}
