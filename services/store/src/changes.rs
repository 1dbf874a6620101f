//! The projection's read model: report-row changes by position, written with the
//! projector's checkpoint in one transaction.

use crate::{Store, StoreError, on_pool};
use sqlx::Row;

/// One change of a report row, as the JSON change object of the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChange {
    pub position: i64,
    /// The change's place among those of its position, from 0.
    pub seq: i32,
    pub partnership_id: String,
    pub kind: String,
    pub body: String,
}

/// The checkpoint name under which the projector records the last position it applied.
pub const PROJECTOR_CHECKPOINT: &str = "projector";

/// Changes written by one PostgreSQL statement, at most.
const CHANGES_PER_STATEMENT: usize = 5_000;

/// Bytes of change bodies sent by one PostgreSQL statement, at most (one change larger than
/// this goes alone). sqlx keeps each pooled connection's write buffer at the size of the
/// largest statement it ever sent, for the connection's life: 5,000 coverage changes of
/// about 4.5 kB made 22 MB statements, and the soak's writer held five such buffers
/// (BENCHMARKS.md, seventh soak run). Bounded, a connection holds at most about this much.
const BODY_BYTES_PER_STATEMENT: usize = 1 << 20;

/// Splits changes into the runs one statement sends: consecutive, none empty, each within
/// both bounds unless a single change is larger than the byte bound.
fn statements(changes: &[StoredChange]) -> impl Iterator<Item = &[StoredChange]> {
    let mut rest = changes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let end = rest
            .iter()
            .take(CHANGES_PER_STATEMENT)
            .position(|c| {
                bytes += c.body.len();
                bytes > BODY_BYTES_PER_STATEMENT
            })
            .map_or(rest.len().min(CHANGES_PER_STATEMENT), |over| over.max(1));
        let (run, after) = rest.split_at(end);
        rest = after;
        Some(run)
    })
}

impl Store {
    /// Records the changes made by positions up to `through`, and `through` as the
    /// projector's checkpoint, in one transaction.
    ///
    /// Idempotent: a change already recorded under its (position, seq) is left as it is, so
    /// a retry after a commit whose answer was lost (the connection died after COMMIT) finds
    /// its own earlier write and succeeds. The same positions always make the same changes.
    #[tracing::instrument(skip_all, fields(changes = changes.len(), through))]
    pub async fn record_changes(&self, changes: &[StoredChange], through: i64) -> Result<(), StoreError> {
        match &self.pool {
            // Many changes per statement, not one round trip per change: a busy batch makes
            // thousands of them (measured by services/bench). Each statement sets the
            // checkpoint too, so the usual case is one statement, atomic on its own, with no
            // transaction to open and commit around it.
            crate::Pool::Postgres(pool) => {
                let record = |chunk: &[StoredChange]| {
                    sqlx::query(concat!(
                        "with recorded as ( \
                             insert into changes (position, seq, partnership_id, kind, body) \
                             select * from unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[]) \
                             on conflict (position, seq) do nothing) \
                         insert into consumer_checkpoints (name, stream_sequence) values ($6, $7) ",
                        crate::checkpoint_forward!()
                    ))
                    .bind(chunk.iter().map(|c| c.position).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|c| c.seq).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|c| c.partnership_id.as_str()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|c| c.kind.as_str()).collect::<Vec<_>>())
                    .bind(chunk.iter().map(|c| c.body.as_str()).collect::<Vec<_>>())
                    .bind(PROJECTOR_CHECKPOINT)
                    .bind(through)
                };
                let runs: Vec<&[StoredChange]> = statements(changes).collect();
                if runs.len() <= 1 {
                    record(changes).execute(pool).await?;
                } else {
                    let mut tx = pool.begin().await?;
                    for run in runs {
                        record(run).execute(&mut *tx).await?;
                    }
                    tx.commit().await?;
                }
            }
            crate::Pool::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                for c in changes {
                    sqlx::query(
                        "insert into changes (position, seq, partnership_id, kind, body) values ($1, $2, $3, $4, $5) \
                         on conflict (position, seq) do nothing",
                    )
                    .bind(c.position)
                    .bind(c.seq)
                    .bind(c.partnership_id.as_str())
                    .bind(c.kind.as_str())
                    .bind(c.body.as_str())
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query(crate::UPSERT_CHECKPOINT)
                    .bind(PROJECTOR_CHECKPOINT)
                    .bind(through)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// A partnership's changes after the change `(position, seq)`, in order, at most `limit`.
    pub async fn read_changes(
        &self,
        partnership_id: &str,
        after: (i64, i32),
        limit: i64,
    ) -> Result<Vec<StoredChange>, StoreError> {
        let rows = on_pool!(self, pool => sqlx::query(
            "select position, seq, partnership_id, kind, body from changes \
             where partnership_id = $1 and (position > $2 or (position = $2 and seq > $3)) \
             order by position, seq limit $4",
        )
        .bind(partnership_id)
        .bind(after.0)
        .bind(after.1)
        .bind(limit)
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(|r| Ok(StoredChange {
            position: r.try_get("position")?,
            seq: r.try_get("seq")?,
            partnership_id: r.try_get("partnership_id")?,
            kind: r.try_get("kind")?,
            body: r.try_get("body")?,
        }))
        .collect::<Result<Vec<_>, sqlx::Error>>()?);
        Ok(rows)
    }

    /// Answers once the database answers a trivial query: how readiness checks it is reachable.
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => _ = sqlx::query("select 1").execute(pool).await?);
        Ok(())
    }

    /// Forgets the read model, so that the projector rebuilds it from the log.
    pub async fn reset_projection(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("delete from changes").execute(&mut *tx).await?;
            // Images are of the projection too: a rebuild may follow a change of the rules.
            sqlx::query("delete from engine_images").execute(&mut *tx).await?;
            sqlx::query("delete from consumer_checkpoints where name = $1").bind(PROJECTOR_CHECKPOINT).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(body_len: usize) -> StoredChange {
        StoredChange {
            position: 1,
            seq: 0,
            partnership_id: "lp".into(),
            kind: "gap".into(),
            body: "x".repeat(body_len),
        }
    }

    fn run_lengths(changes: &[StoredChange]) -> Vec<usize> {
        statements(changes).map(<[StoredChange]>::len).collect()
    }

    #[test]
    fn small_changes_go_by_count() {
        let changes = vec![change(10); CHANGES_PER_STATEMENT * 2 + 1];
        assert_eq!(run_lengths(&changes), [CHANGES_PER_STATEMENT, CHANGES_PER_STATEMENT, 1]);
        assert_eq!(run_lengths(&changes[..3]), [3]);
        assert!(run_lengths(&[]).is_empty());
    }

    #[test]
    fn large_bodies_go_by_bytes_and_an_oversized_one_goes_alone() {
        let quarter = BODY_BYTES_PER_STATEMENT / 4;
        let changes = vec![change(quarter); 9];
        assert_eq!(run_lengths(&changes), [4, 4, 1]);

        let mixed = [change(10), change(BODY_BYTES_PER_STATEMENT * 2), change(10)];
        assert_eq!(run_lengths(&mixed), [1, 1, 1]);
    }
}
