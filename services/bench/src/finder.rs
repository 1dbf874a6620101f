//! The public course finder's figures (issue 17): searches with words and a postcode under
//! load, what the index costs in memory per live offer, and loading a postcode directory of
//! the ONSPD's size. The dataset's venues have postcodes and positions from here, and the
//! service reads a postcode file of them (written here) for its distances.

use crate::figures::Figures;
use crate::load;
use crate::servers::{Service, memory_of};
use provisio_engine::Engine;
use provisio_finder::Finder;
use provisio_import::PostcodeLookup;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Rows of the ONS Postcode Directory (2.6 million postcodes in the UK).
pub(crate) const ONSPD_ROWS: u32 = 2_600_000;
/// Inward codes per outward code: a digit and two letters.
const INWARD: u32 = 10 * 26 * 26;

/// The `n`th generated postcode (unique for `n` below about 26 million): `B`, a letter and
/// a number, then a digit and two letters.
pub(crate) fn postcode(n: u32) -> String {
    let letter = |i: u32| char::from(b'A' + (i % 26) as u8);
    let (outward, inward) = (n / INWARD, n % INWARD);
    format!("B{}{} {}{}{}", letter(outward), outward / 26, inward / 676, letter(inward / 26), letter(inward))
}

/// The position of generated postcode `n`: within about 10 km of its partnership's centre
/// for a venue's (see `venue_point`), anywhere in England's middle otherwise.
pub(crate) fn point(n: u32) -> (f64, f64) {
    (50.8 + f64::from(n % 400) / 100.0, -3.5 + f64::from((n / 400) % 400) / 100.0)
}

/// Where venue `n` (of partnership `p`) is: partnerships sit on a grid 33 km by 16 km apart,
/// so a 25 km search reaches a few of them.
pub(crate) fn venue_point(p: u32, n: u32) -> (f64, f64) {
    let jitter = |k: u32| f64::from(k % 17) / 100.0 - 0.08;
    (50.8 + f64::from(p % 12) * 0.3 + jitter(n), -3.5 + f64::from(p / 12) * 0.25 + jitter(n / 17))
}

/// Writes a `pcds,lat,long` CSV of `rows` postcodes to a file in the temporary directory;
/// `venues` (postcode, position) come first.
pub(crate) fn write_postcodes(name: &str, venues: &[(String, (f64, f64))], rows: u32) -> anyhow::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("provisio-bench-{name}-{}.csv", std::process::id()));
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
    writeln!(out, "pcds,lat,long")?;
    for (pc, (lat, lon)) in venues {
        writeln!(out, "{pc},{lat:.6},{lon:.6}")?;
    }
    // Generated postcodes after the venues' numbers, so none is written twice.
    for n in (venues.len() as u32)..rows {
        let (lat, lon) = point(n);
        writeln!(out, "{},{lat:.6},{lon:.6}", postcode(n))?;
    }
    out.flush()?;
    Ok(path)
}

/// Loads a generated directory of ONSPD's size as the service does at start: (seconds, bytes
/// of resident memory the lookup added to this process).
pub(crate) fn load_directory(rows: u32) -> anyhow::Result<(f64, f64, usize)> {
    let path = write_postcodes("onspd", &[], rows)?;
    let (_, before) = memory_of("/proc/self/status");
    let started = Instant::now();
    let lookup = PostcodeLookup::from_csv(std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&path)?));
    let took = started.elapsed().as_secs_f64();
    let (_, after) = memory_of("/proc/self/status");
    std::fs::remove_file(&path)?;
    let lookup = lookup?;
    Ok((took, after.saturating_sub(before) as f64, lookup.len()))
}

/// Builds the finder over `engine` in this process as the service does after a start:
/// (seconds, resident bytes it added, bytes tantivy counts for the word index, courses).
pub(crate) fn build_index(engine: &Arc<Engine>) -> anyhow::Result<(f64, f64, f64, usize)> {
    let (_, before) = memory_of("/proc/self/status");
    let started = Instant::now();
    let mut finder = Finder::new(None)?;
    finder.rebuild(engine)?;
    let took = started.elapsed().as_secs_f64();
    let (_, after) = memory_of("/proc/self/status");
    Ok((took, after.saturating_sub(before) as f64, finder.text_bytes() as f64, finder.len()))
}

/// The search URL of `words` near `postcode`.
fn search_url(service: &Service, words: &str, postcode: &str) -> String {
    format!("{}/v1/public/courses?q={}&postcode={}", service.base, words.replace(' ', "+"), postcode.replace(' ', "+"))
}

/// Waits until the service's finder answers the search with courses (after a start it builds
/// its index in the background, and answers `503` meanwhile): seconds waited.
pub(crate) async fn wait_for_index(service: &Service, words: &str, postcode: &str) -> anyhow::Result<f64> {
    let (http, url, started) = (service.http(1)?, search_url(service, words, postcode), Instant::now());
    loop {
        let page: serde_json::Value = http.get(&url).send().await?.json().await?;
        if page["total"].as_u64().is_some_and(|n| n > 0) {
            return Ok(started.elapsed().as_secs_f64());
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(300), "the finder found no course after 300 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `clients` searchers asking for courses with `words` near `postcode` for `duration`.
pub(crate) async fn search_load(
    f: &mut Figures,
    service: &Service,
    words: &str,
    postcode: &str,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<()> {
    let url = search_url(service, words, postcode);
    let total = {
        let page: serde_json::Value = service.http(1)?.get(&url).send().await?.json().await?;
        page["total"].as_f64().unwrap_or(0.0)
    };
    let load = load::http_load(service.http(clients)?, url, clients, duration).await?;
    f.add("query.search.per_s", &format!("course search \"{words}\" near {postcode}"), load.per_second, "requests/s");
    f.add("query.search.p50", "course search p50", load.latency.p50, "ms");
    f.add("query.search.p99", "course search p99", load.latency.p99, "ms");
    f.add("query.search.total", "  courses matching the search", total, "courses");
    f.add("query.search.bytes", "  first page's size", load.bytes as f64, "B");
    Ok(())
}

/// Removes a file this module wrote, ignoring one already gone.
pub(crate) fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}
