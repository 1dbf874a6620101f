//! Engine images (ADR 0009): opaque bytes by the log position they cover, next to the log.
//! The store neither reads nor checks them; the projector and the API do.

use crate::{Pool, Store, StoreError, on_pool};
use sqlx::Row;
use sqlx::postgres::PgConnection;
use std::time::Duration;

/// How much of an image one message of the PostgreSQL copy carries. An image bound to an
/// `insert` was copied whole into sqlx's arguments and then its connection's write buffer,
/// which the pooled connection keeps at its largest size: two copies of 123 MB per million
/// offers beside the encoded image.
const COPY_PIECE: usize = 1 << 20;

/// Drops all but the newest `keep` images, holds the transaction `hold` (see
/// `Store::put_engine_image`) and commits.
macro_rules! prune_and_commit {
    ($tx:ident, $keep:expr, $hold:expr) => {{
        sqlx::query(
            "delete from engine_images where position not in \
                     (select position from engine_images order by position desc limit $1)",
        )
        .bind($keep.max(1))
        .execute(&mut *$tx)
        .await?;
        if !$hold.is_zero() {
            tracing::warn!(message = "Holding an engine image write open (test setting).");
            tokio::time::sleep($hold).await;
        }
        $tx.commit().await?;
    }};
}

/// Adds the image's row through `copy … from stdin` in PostgreSQL's binary form, sent a
/// piece at a time.
async fn copy_image_in(
    conn: &mut PgConnection,
    position: i64,
    written_at: &str,
    image: &[u8],
) -> Result<(), StoreError> {
    let field = |bytes: &[u8]| -> Result<[u8; 4], StoreError> {
        Ok(i32::try_from(bytes.len()).map_err(|_| StoreError::ImageTooLarge(bytes.len()))?.to_be_bytes())
    };
    // The header (signature, flags, no extension), then one tuple of three fields.
    let mut head = b"PGCOPY\n\xff\r\n\0".to_vec();
    head.extend_from_slice(&[0; 8]);
    head.extend_from_slice(&3i16.to_be_bytes());
    head.extend_from_slice(&8i32.to_be_bytes());
    head.extend_from_slice(&position.to_be_bytes());
    head.extend_from_slice(&field(written_at.as_bytes())?);
    head.extend_from_slice(written_at.as_bytes());
    head.extend_from_slice(&field(image)?);
    let mut copy =
        conn.copy_in_raw("copy engine_images (position, written_at, image) from stdin (format binary)").await?;
    copy.send(head).await?;
    for piece in image.chunks(COPY_PIECE) {
        copy.send(piece).await?;
    }
    copy.send(&(-1i16).to_be_bytes()[..]).await?;
    copy.finish().await?;
    Ok(())
}

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
        match &self.pool {
            Pool::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let stored: bool =
                    sqlx::query_scalar("select exists (select 1 from engine_images where position = $1)")
                        .bind(position)
                        .fetch_one(&mut *tx)
                        .await?;
                if !stored {
                    copy_image_in(&mut tx, position, &now, image).await?;
                }
                prune_and_commit!(tx, keep, hold);
            }
            Pool::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "insert into engine_images (position, written_at, image) values ($1, $2, $3) \
                             on conflict (position) do nothing",
                )
                .bind(position)
                .bind(&now)
                .bind(image)
                .execute(&mut *tx)
                .await?;
                prune_and_commit!(tx, keep, hold);
            }
        }
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
