//! Replaying the log at start (its changes are recorded already) and rebuilding the read
//! model from the whole log (`provisio rebuild`).

use crate::Projection;
use crate::read_ahead::{apply_parsed, page_or_panic, parse_page, read_ahead};
use crate::recorder::to_stored;
use provisio_engine::{Change, Engine};
use provisio_store::PROJECTOR_CHECKPOINT;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio_util::task::AbortOnDropHandle;

impl Projection {
    /// Forgets the read model (engine images too) and builds it again from the whole log, calling `progress` with
    /// (events recorded, events in the log) as it goes. Run it with the service stopped.
    ///
    /// Three stages overlap: reading and parsing the log, applying it, and recording the
    /// changes (each stage waits on the others' I/O or CPU otherwise).
    pub async fn rebuild(&self, mut progress: impl FnMut(i64, i64)) -> Result<i64, provisio_store::StoreError> {
        let store = self.inner.store.clone();
        let total = store.last_position().await?;
        store.reset_projection().await?;
        let (mut pages, _reader) = read_ahead(store.clone(), 0, i64::MAX, parse_page);
        let (to_record, mut recording) = mpsc::channel::<(i64, Vec<Change>)>(2);
        let mut recorded = self.inner.recorded.subscribe();
        let projection = self.clone();
        let recorder = AbortOnDropHandle::new(tokio::spawn(async move {
            while let Some((through, changes)) = recording.recv().await {
                store.record_changes(&to_stored(&changes), through).await?;
                projection.inner.recorded.send_replace(through as u64);
            }
            Ok::<_, provisio_store::StoreError>(())
        }));
        let mut engine = Engine::new();
        let mut through = 0;
        while let Some(page) = pages.recv().await {
            let page = page_or_panic(page)?;
            let changes = apply_parsed(&mut engine, &page.events);
            through = page.last;
            if to_record.send((through, changes)).await.is_err() {
                break; // the recorder failed: its error is answered below
            }
            if recorded.has_changed().unwrap_or(false) {
                progress(*recorded.borrow_and_update() as i64, total);
            }
        }
        drop(to_record);
        match recorder.await {
            Ok(result) => result?,
            // Nothing aborts the recorder here, so this is its panic: pass it on.
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
        progress(through, total);
        self.publish_snapshot(&engine, through);
        Ok(through)
    }

    /// Applies the log up to the recorded checkpoint without recording anything, from the
    /// newest usable engine image at or below it (ADR 0009); answers the engine, the position
    /// reached and the image's position (0: none).
    pub(crate) async fn replay(&self) -> Result<(Engine, i64, i64), provisio_store::StoreError> {
        let checkpoint = self.inner.store.checkpoint(PROJECTOR_CHECKPOINT).await? as i64;
        let started = Instant::now();
        let (mut engine, image) = self.start_from_image(checkpoint).await?;
        let (mut through, mut applied) = (image, 0usize);
        let (mut pages, _reader) = read_ahead(self.inner.store.clone(), image, checkpoint, parse_page);
        while let Some(page) = pages.recv().await {
            let page = page_or_panic(page)?;
            apply_parsed(&mut engine, &page.events);
            through = page.last;
            applied += page.events.len();
        }
        self.publish_snapshot(&engine, through);
        tracing::info!(
            message = "Projection replayed.",
            events = applied,
            position = through,
            from_image = image,
            took_ms = started.elapsed().as_millis() as u64
        );
        Ok((engine, through, image))
    }
}
