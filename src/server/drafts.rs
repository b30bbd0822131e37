//! Drafts of rejected plain-form posts: what the visitor typed and why it
//! was refused, kept until the form's page shows it again.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use super::middleware::visitor::Visitor;
use crate::domain::PostDraft;

/// How long a rejected form's draft waits for its page.
pub const DRAFT_TTL: Duration = Duration::from_secs(10 * 60);
/// The most drafts kept at once; the oldest goes first beyond it, so memory
/// stays bounded whatever the traffic.
const DRAFT_CAPACITY: usize = 10_000;

/// Drafts of rejected plain-form posts, kept in memory until their page
/// takes them, they expire, or newer drafts push them out.
#[derive(Debug)]
pub struct DraftStore {
    entries: Mutex<HashMap<String, StoredDraft>>,
    capacity: usize,
    /// Orders drafts by age even when two share an `Instant`.
    next_seq: AtomicU64,
}

impl Default for DraftStore {
    fn default() -> Self {
        DraftStore::with_capacity(DRAFT_CAPACITY)
    }
}

#[derive(Debug)]
struct StoredDraft {
    visitor: Visitor,
    page: String,
    draft: PostDraft,
    stored_at: Instant,
    seq: u64,
}

impl DraftStore {
    /// A store that holds at most `capacity` drafts.
    pub fn with_capacity(capacity: usize) -> Self {
        DraftStore { entries: Mutex::default(), capacity: capacity.max(1), next_seq: Default::default() }
    }

    /// Keeps `draft` for `visitor`'s next visit to `page`; returns the
    /// random token that finds it again.
    pub fn put(&self, visitor: &Visitor, page: &str, draft: PostDraft) -> String {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        entries.retain(|_, entry| now.duration_since(entry.stored_at) < DRAFT_TTL);
        if entries.len() >= self.capacity
            && let Some(oldest) = entries.iter().min_by_key(|(_, entry)| entry.seq).map(|(token, _)| token.clone())
        {
            entries.remove(&oldest);
        }
        entries.insert(
            token.clone(),
            StoredDraft { visitor: visitor.clone(), page: page.to_owned(), draft, stored_at: now, seq },
        );
        token
    }

    /// Removes and returns the draft behind `token` if it belongs to
    /// `visitor` and `page` and has not expired.
    pub fn take(&self, token: &str, visitor: &Visitor, page: &str) -> Option<PostDraft> {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = entries.get(token)?;
        if entry.visitor != *visitor || entry.page != page {
            return None;
        }
        let entry = entries.remove(token)?;
        (entry.stored_at.elapsed() < DRAFT_TTL).then_some(entry.draft)
    }

    /// How many drafts are held.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }

    /// True when no draft is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(title: &str) -> PostDraft {
        PostDraft { title: title.into(), ..PostDraft::default() }
    }

    #[test]
    fn a_draft_is_given_back_once_to_its_visitor_on_its_page() {
        let store = DraftStore::default();
        let alice = Visitor::from_id("a".repeat(32));
        let token = store.put(&alice, "/posts/new", draft("typed"));
        assert_eq!(store.take(&token, &alice, "/posts/new").map(|d| d.title), Some("typed".into()));
        assert_eq!(store.take(&token, &alice, "/posts/new"), None);
    }

    #[test]
    fn a_draft_is_not_given_to_another_visitor_or_another_page() {
        let store = DraftStore::default();
        let alice = Visitor::from_id("a".repeat(32));
        let mallory = Visitor::from_id("m".repeat(32));
        let token = store.put(&alice, "/posts/new", draft("secret"));
        assert_eq!(store.take(&token, &mallory, "/posts/new"), None);
        assert_eq!(store.take(&token, &alice, "/posts/1/edit"), None);
        // Neither failed attempt used it up.
        assert!(store.take(&token, &alice, "/posts/new").is_some());
    }

    #[test]
    fn the_store_never_holds_more_than_its_capacity() {
        let store = DraftStore::with_capacity(50);
        let visitor = Visitor::from_id("v".repeat(32));
        let first = store.put(&visitor, "/posts/new", draft("first"));
        for _ in 0..100 {
            store.put(&visitor, "/posts/new", draft("more"));
        }
        assert_eq!(store.len(), 50);
        assert_eq!(store.take(&first, &visitor, "/posts/new"), None, "the oldest draft made room");
    }
}
