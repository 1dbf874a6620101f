//! Which log position an instant falls at: what `as_of=<timestamp>` reads.

use crate::{Store, StoreError, on_pool};
use sqlx::Row;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

impl Store {
    /// The greatest position whose `recorded_at` is at or before `at`, 0 when none is.
    ///
    /// `recorded_at` never decreases as the position grows, so the positions recorded by `at`
    /// are a prefix of the log: a binary search over positions finds its end with a few dozen
    /// primary-key lookups. The text cannot be compared in SQL: its fraction of a second has
    /// as many digits as it needs (`…:20Z` sorts after `…:20.5Z`), and no index covers it.
    #[tracing::instrument(skip(self))]
    pub async fn position_at(&self, at: OffsetDateTime) -> Result<i64, StoreError> {
        // Invariant: every position <= `low` is recorded by `at`; none > `high` is.
        let (mut low, mut high) = (0, self.last_position().await?);
        while low < high {
            let mid = low + (high - low + 1) / 2;
            // The first event at or after `mid` (positions may have gaps); there is one, since
            // `mid <= high` and `high` is a position of the log or below one.
            let Some((position, recorded_at)) = self.first_from(mid).await? else {
                high = mid - 1;
                continue;
            };
            let recorded = OffsetDateTime::parse(&recorded_at, &Rfc3339).ok();
            if recorded.is_some_and(|r| r <= at) {
                low = position;
            } else {
                high = mid - 1;
            }
        }
        Ok(low)
    }

    async fn first_from(&self, position: i64) -> Result<Option<(i64, String)>, StoreError> {
        let row = on_pool!(self, pool => sqlx::query(
            "select position, recorded_at from events where position >= $1 order by position limit 1",
        )
        .bind(position)
        .fetch_optional(pool)
        .await?
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("position")?, r.try_get("recorded_at")?)))
        .transpose()?);
        Ok(row)
    }
}
