//! Drafts of rejected plain-form posts: what the visitor typed and why it
//! was refused, kept until the form's page shows it again.
//!
//! They live in the database (`migrations/…_drafts.sql`), not in the
//! server's memory: behind a load balancer the redirect after a rejected
//! post may reach another instance, which must find the draft all the same.

use std::{sync::Arc, time::Duration};

use super::{
    clock::Clock,
    db::{Db, WriteGate, either},
    error::db_error,
    visitor::Visitor,
};
use crate::{domain::PostDraft, error::AppError};

/// How long a rejected form's draft waits for its page.
pub const DRAFT_TTL: Duration = Duration::from_secs(10 * 60);
/// The most drafts kept at once; the oldest goes first beyond it.
const DRAFT_CAPACITY: i64 = 10_000;
/// The most bytes the drafts take together, as stored; the oldest go first
/// beyond it. A draft keeps each field only a little past its limit
/// (`domain::form::draft_keeps`: 132 characters of title, 11 000 of
/// content), at most about 70 KB as JSON and typically under 15 KB, so the
/// table stays bounded in bytes as well as rows whatever is sent.
pub const DRAFT_MAX_BYTES: i64 = 32 << 20;

/// Whether `text` has the shape of a draft's token (what [`DraftStore::put`]
/// hands out: 32 lowercase hexadecimal digits).
pub fn is_token(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What the draft cookie holds, signed: the token, then the page the draft
/// is for. The signature proves the server made it for that page, so a
/// request can tell without a query whether it carries a draft for the page
/// it asks for; any other draft cookie is junk and costs nothing.
pub fn cookie_value(token: &str, page: &str) -> String {
    format!("{token}{page}")
}

/// The token and the page of a draft cookie's (verified) value.
pub fn parse_cookie_value(value: &str) -> Option<(&str, &str)> {
    let (token, page) = value.split_at_checked(32)?;
    (is_token(token) && page.starts_with('/')).then_some((token, page))
}

/// Drafts of rejected plain-form posts, kept in the database until their
/// page takes them, they expire, or newer drafts push them out.
#[derive(Debug)]
pub struct DraftStore {
    db: Db,
    writes: Arc<WriteGate>,
    capacity: i64,
    max_bytes: i64,
    ttl: Duration,
    clock: Clock,
}

impl DraftStore {
    /// The store in `db`, whose writes take their turn at `writes`.
    pub fn new(db: Db, writes: Arc<WriteGate>) -> Self {
        DraftStore::with_limits(db, writes, DRAFT_CAPACITY, DRAFT_MAX_BYTES, DRAFT_TTL)
    }

    /// A store that holds at most `capacity` drafts and `max_bytes` of them,
    /// each for `ttl`.
    pub fn with_limits(db: Db, writes: Arc<WriteGate>, capacity: i64, max_bytes: i64, ttl: Duration) -> Self {
        DraftStore { db, writes, capacity: capacity.max(1), max_bytes, ttl, clock: Clock::system() }
    }

    /// The same store, telling the time by `clock` (a test's, moved by
    /// hand) rather than the system's.
    pub fn with_clock(self, clock: Clock) -> Self {
        DraftStore { clock, ..self }
    }

    /// Keeps `draft` for `visitor`'s next visit to `page`; returns the
    /// random token that finds it again. Expired drafts go first, then the
    /// oldest while the store is full, in rows or in bytes.
    pub async fn put(&self, visitor: &Visitor, page: &str, draft: &PostDraft) -> Result<String, AppError> {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let json = serde_json::to_string(draft).map_err(super::error::internal_error)?;
        let now = self.clock.now_ms();
        let _turn = self.writes.turn().await;
        let mut tx = self.db.begin_write().await.map_err(db_error)?;
        either!(Tx, &mut tx, |tx| async {
            sqlx::query("DELETE FROM drafts WHERE expires_at <= $1").bind(now).execute(&mut **tx).await?;
            sqlx::query(
                "DELETE FROM drafts WHERE token IN (SELECT token FROM drafts ORDER BY expires_at \
                 LIMIT (SELECT CASE WHEN count(*) >= $1 THEN count(*) - $1 + 1 ELSE 0 END FROM drafts))",
            )
            .bind(self.capacity)
            .execute(&mut **tx)
            .await?;
            // The newest drafts that fit beside this one, in bytes; the rest go.
            sqlx::query(
                "DELETE FROM drafts WHERE token IN (SELECT token FROM (SELECT token, sum(octet_length(draft)) \
                 OVER (ORDER BY expires_at DESC, token) AS newer FROM drafts) AS sized WHERE newer > $1)",
            )
            .bind(self.max_bytes - json.len() as i64)
            .execute(&mut **tx)
            .await?;
            sqlx::query("INSERT INTO drafts (token, visitor_id, page, draft, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&token)
                .bind(visitor.id())
                .bind(page)
                .bind(json)
                .bind(now + self.ttl.as_millis() as i64)
                .execute(&mut **tx)
                .await?;
            Ok::<_, sqlx::Error>(())
        }
        .await)
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(token)
    }

    /// Removes and returns the draft behind `token` if it belongs to
    /// `visitor` and `page` and has not expired. A token that finds nothing
    /// costs a read, not a write: a draft cookie may ride along on other
    /// pages until it expires.
    pub async fn take(&self, token: &str, visitor: &Visitor, page: &str) -> Result<Option<PostDraft>, AppError> {
        let found: Option<i64> = either!(Db, &self.db, |pool| {
            sqlx::query_scalar("SELECT expires_at FROM drafts WHERE token = $1 AND visitor_id = $2 AND page = $3")
                .bind(token)
                .bind(visitor.id())
                .bind(page)
                .fetch_optional(pool)
                .await
        })
        .map_err(db_error)?;
        if found.is_none() {
            return Ok(None);
        }
        let taken: Option<(String, i64)> = {
            let _turn = self.writes.turn().await;
            either!(Db, &self.db, |pool| {
                sqlx::query_as(
                    "DELETE FROM drafts WHERE token = $1 AND visitor_id = $2 AND page = $3 \
                     RETURNING draft, expires_at",
                )
                .bind(token)
                .bind(visitor.id())
                .bind(page)
                .fetch_optional(pool)
                .await
            })
            .map_err(db_error)?
        };
        Ok(taken
            .filter(|(_, expires_at)| *expires_at > self.clock.now_ms())
            .and_then(|(json, _)| serde_json::from_str(&json).ok()))
    }

    /// How many drafts are held, expired ones included until they go.
    pub async fn held(&self) -> Result<i64, AppError> {
        either!(Db, &self.db, |pool| sqlx::query_scalar("SELECT count(*) FROM drafts").fetch_one(pool).await)
            .map_err(db_error)
    }

    /// How many bytes the drafts held take, as stored.
    pub async fn held_bytes(&self) -> Result<i64, AppError> {
        either!(Db, &self.db, |pool| {
            sqlx::query_scalar("SELECT coalesce(sum(octet_length(draft)), 0) FROM drafts").fetch_one(pool).await
        })
        .map_err(db_error)
    }
}

/// A draft taken for the page being rendered: the page it is for, and the
/// draft. The drafts middleware (`middleware::drafts`) puts it in the request; the form page takes it from
/// there when it renders.
#[derive(Clone, Debug)]
pub struct TakenDraft {
    /// The form page the draft is for.
    pub page: String,
    /// What the visitor typed, and what was wrong with it.
    pub draft: PostDraft,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_cookie_holds_its_token_and_its_page() {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let value = cookie_value(&token, "/posts/7/edit");
        assert_eq!(parse_cookie_value(&value), Some((token.as_str(), "/posts/7/edit")));
        for junk in ["", "junk", &token, &format!("{token}posts"), &format!("{}/posts/new", "Z".repeat(32))] {
            assert_eq!(parse_cookie_value(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn only_what_put_hands_out_has_the_shape_of_a_token() {
        assert!(is_token(&uuid::Uuid::new_v4().simple().to_string()));
        for junk in ["", "junk", &"A".repeat(32), &"0".repeat(31), &"0".repeat(33), "0123456789abcdef0123456789abcdeg"]
        {
            assert!(!is_token(junk), "{junk:?}");
        }
    }
}
