//! `provisio-bench image`: an engine image of the benchmark's state (its dataset and 1M live
//! offers), made and read back in this process with no server: the size, the encoding time
//! and the decoding time, which is most of a start-up from a snapshot (issue 19). A profiler
//! run on it (`perf record -g`) shows where decoding goes without the whole benchmark.

use crate::Cli;
use crate::data::World;
use provisio_engine::Engine;
use std::time::Instant;

/// The state of `cli`'s dataset and live offers; `rounds` decodes timed (the fastest and the
/// median are printed).
pub(crate) fn run(cli: &Cli, rounds: usize) -> anyhow::Result<()> {
    let mut world = World::new(cli.partnerships, cli.providers);
    let mut events = world.dataset(cli.events);
    events.extend(world.more_offers(cli.offers, 0));
    let started = Instant::now();
    let mut engine = Engine::new();
    for (position, e) in (1..).zip(&events) {
        let value: serde_json::Value = serde_json::from_slice(&e.body)?;
        let event = provisio_events::validate_stored(&value)
            .map_err(|errors| anyhow::anyhow!("event {} does not validate: {errors:?}", e.id))?;
        engine.apply(position, &event);
    }
    println!(
        "Applied {} events ({} live offers) in {:.2} s",
        events.len(),
        world.live_offers,
        started.elapsed().as_secs_f64()
    );
    drop(events);

    let started = Instant::now();
    let image = engine.encode();
    let encode = started.elapsed().as_secs_f64();
    println!("Image: {:.1} MB, encoded in {encode:.2} s", image.len() as f64 / 1e6);
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds.max(1) {
        let started = Instant::now();
        let decoded = Engine::decode(&image)?;
        times.push(started.elapsed().as_secs_f64());
        // Once, that the image holds the engine; dropping is not part of a start-up.
        if round == 0 {
            anyhow::ensure!(decoded == engine, "the decoded engine differs from the encoded one");
        }
        drop(decoded);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "Decoded {} times: fastest {:.3} s, median {:.3} s ({:.0} ns per event)",
        times.len(),
        times[0],
        times[times.len() / 2],
        times[times.len() / 2] * 1e9 / engine.position() as f64
    );
    Ok(())
}
