//! Engine images (ADR 0009): opaque bytes by the log position they cover, next to the log.
//! The store neither reads nor checks them; the projector and the API do.

use crate::{Store, StoreError, on_pool};
use sqlx::Row;
use std::time::Duration;

impl Store {
    /// Stores an image of the state after `position` and drops all but the newest `keep`, in
    /// one transaction: a write cut short leaves the images as they were. `hold` keeps the
    /// transaction open that long before committing (zero but in the crash test, which kills
    /// the process in the middle of a write).
    #[tracing::instrument(skip(self, image), fields(bytes = image.len()))]
    pub async fn put_engine_image(
        &self,
        position: i64,
        image: &[u8],
        keep: i64,
        hold: Duration,
    ) -> Result<(), StoreError> {
        let now = crate::now_rfc3339();
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("insert into engine_images (position, written_at, image) values ($1, $2, $3) \
                         on conflict (position) do nothing")
                .bind(position)
                .bind(&now)
                .bind(image)
                .execute(&mut *tx)
                .await?;
            sqlx::query("delete from engine_images where position not in \
                         (select position from engine_images order by position desc limit $1)")
                .bind(keep.max(1))
                .execute(&mut *tx)
                .await?;
            if !hold.is_zero() {
                tracing::warn!(message = "Holding an engine image write open (test setting).", position);
                tokio::time::sleep(hold).await;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The positions of the stored images at or below `at`, newest first.
    pub async fn engine_image_positions(&self, at: i64) -> Result<Vec<i64>, StoreError> {
        Ok(on_pool!(self, pool => sqlx::query(
            "select position from engine_images where position <= $1 order by position desc",
        )
        .bind(at)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| r.try_get("position"))
        .collect::<Result<Vec<i64>, sqlx::Error>>()?))
    }

    /// The image stored for `position`, if it is still kept.
    pub async fn engine_image(&self, position: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(on_pool!(self, pool => sqlx::query("select image from engine_images where position = $1")
            .bind(position)
            .fetch_optional(pool)
            .await?
            .map(|r| r.try_get("image"))
            .transpose()?))
    }
}
