//! Reading the log ahead of whoever applies it: pages read on a task of their own and parsed
//! on blocking threads, so reading, parsing and applying overlap.

use provisio_engine::{Change, Engine};
use provisio_events::Event;
use provisio_store::{LogQuery, Store, StoredEvent};
use tokio::sync::mpsc;
use tokio_util::task::AbortOnDropHandle;

/// Events read from the log per page.
pub(crate) const PAGE: i64 = 5_000;

/// Reads the whole log as replay and `rebuild` do, parsing each event when `parse` is set,
/// and applies nothing; answers the number of events read. The benchmark's measure of what
/// replay would reach if applying cost nothing.
pub async fn read_whole_log(store: Store, parse: bool) -> Result<usize, provisio_store::StoreError> {
    let unparsed: fn(&[StoredEvent]) -> ParsedEvents = |page| page.iter().map(|e| (e.position, None)).collect();
    let (mut pages, _reader) = read_ahead(store, 0, i64::MAX, if parse { parse_page } else { unparsed });
    let mut read = 0;
    while let Some(page) = pages.recv().await {
        read += page_or_panic(page)?.events.len();
    }
    Ok(read)
}

/// Events by position: `None` for a stored event that no longer validates.
pub(crate) type ParsedEvents = Vec<(i64, Option<Event>)>;

/// A page of the log, parsed.
pub(crate) struct ParsedPage {
    pub(crate) last: i64,
    pub(crate) events: ParsedEvents,
}

/// Why the read-ahead stopped before the end of what it was asked for.
pub(crate) enum ReadAheadError {
    Store(provisio_store::StoreError),
    /// A page's parser panicked (a bug): passed on to whoever applies the pages, so that a
    /// replay never stops short as if it had reached the end of the log.
    Panicked(Box<dyn std::any::Any + Send>),
}

/// A page from [`read_ahead`], or the store's error; a parser's panic is resumed here.
pub(crate) fn page_or_panic(
    item: Result<ParsedPage, ReadAheadError>,
) -> Result<ParsedPage, provisio_store::StoreError> {
    match item {
        Ok(page) => Ok(page),
        Err(ReadAheadError::Store(error)) => Err(error),
        Err(ReadAheadError::Panicked(panic)) => std::panic::resume_unwind(panic),
    }
}

/// Reads and parses the log after `after` up to `until` on a task of its own, a couple of
/// pages ahead of whoever applies them; dropping the handle stops it. Each page is parsed
/// (by `parse`, [`parse_page`] but in a test) on a blocking thread while the next one is
/// read, so reading, parsing and applying overlap.
pub(crate) fn read_ahead(
    store: Store,
    after: i64,
    until: i64,
    parse: fn(&[StoredEvent]) -> ParsedEvents,
) -> (mpsc::Receiver<Result<ParsedPage, ReadAheadError>>, AbortOnDropHandle<()>) {
    let (tx, rx) = mpsc::channel(2);
    let (parsing_tx, mut parsing) = mpsc::channel::<tokio::task::JoinHandle<ParsedPage>>(2);
    let reader = tokio::spawn(async move {
        let mut after = after;
        while after < until {
            let page = store.read_log(&LogQuery { after, limit: PAGE, ..Default::default() }).await?;
            let page: Vec<StoredEvent> = page.into_iter().take_while(|e| e.position <= until).collect();
            let Some(last) = page.last().map(|e| e.position) else { break };
            after = last;
            // Parsing is the costly part: off the async workers, beside the reading.
            let parse = tokio::task::spawn_blocking(move || ParsedPage { last, events: parse(&page) });
            if parsing_tx.send(parse).await.is_err() {
                break;
            }
        }
        Ok(())
    });
    let task = tokio::spawn(async move {
        let reader = AbortOnDropHandle::new(reader);
        while let Some(parse) = parsing.recv().await {
            let page = match parse.await {
                Ok(page) => Ok(page),
                Err(error) if error.is_panic() => Err(ReadAheadError::Panicked(error.into_panic())),
                Err(_) => return, // cancelled: the runtime is shutting down
            };
            let failed = page.is_err();
            if tx.send(page).await.is_err() || failed {
                return;
            }
        }
        // The pages ran out: the reader finished, or failed and says why.
        if let Ok(Err(error)) = reader.await {
            let _ = tx.send(Err(ReadAheadError::Store(error))).await;
        }
    });
    (rx, AbortOnDropHandle::new(task))
}

/// Parses stored events; one that no longer validates is logged and left as `None` (the log
/// only holds validated events, so this means a changed contract).
pub(crate) fn parse_page(page: &[StoredEvent]) -> ParsedEvents {
    page.iter()
        .map(|stored| {
            let parsed = stored.parse();
            if parsed.is_none() {
                tracing::error!(message = "A stored event does not validate; skipped.", position = stored.position);
            }
            (stored.position, parsed)
        })
        .collect()
}

/// Applies parsed events in order, skipping those that did not parse.
pub(crate) fn apply_parsed(engine: &mut Engine, events: &[(i64, Option<Event>)]) -> Vec<Change> {
    let mut changes = Vec::new();
    for (position, event) in events {
        if let Some(event) = event {
            changes.extend(engine.apply(*position as u64, event));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parser that panics (a bug) makes the replay fail loudly instead of ending it early
    /// as if the log ended there.
    #[tokio::test]
    async fn a_page_parser_that_panics_is_not_taken_for_the_end_of_the_log() {
        let file = provisio_testkit::sqlite_file();
        let store = Store::connect(&file.url).await.unwrap();
        let event = |id: &str| provisio_store::NewEvent {
            id: id.into(),
            source: "s".into(),
            event_type: "t".into(),
            body: "{}".into(),
            key_id: None,
        };
        store
            .append(&provisio_store::AppendBatch { events: vec![event("a"), event("b")], ..Default::default() })
            .await
            .unwrap();
        let (mut pages, _reader) = read_ahead(store.clone(), 0, i64::MAX, |_| panic!("a bug in the parser"));

        let item = pages.recv().await.expect("the panic is passed on, not an end of pages");
        let resumed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| page_or_panic(item)));
        let panic = resumed.err().expect("the parser's panic is resumed by whoever applies the pages");
        assert_eq!(panic.downcast_ref::<&str>(), Some(&"a bug in the parser"));
        store.close().await;
    }
}
