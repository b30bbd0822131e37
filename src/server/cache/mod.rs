//! A read cache in front of the database for the list and post queries,
//! keyed by the same tags the client revalidates by.
//!
//! Invariant: no read that starts after a write has been answered sees data
//! older than that write. Writes call [`ReadCache::revalidate`] after their
//! transaction commits and before their response goes out; it bumps the
//! generation of each tag and drops its entries. A reader takes a
//! [`Ticket`] (the tag's generation) *before* querying the database and may
//! store what it read only if the generation is still the same, so a result
//! read before a write committed can never be stored after the write
//! revalidated.

pub mod pages;

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex},
};

use self::pages::ListDocument;
use crate::domain::{PostPage, Tag};

/// A post's row as the post page needs it, the same for every visitor.
/// Server-only: `author_id` never leaves the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedPost {
    /// The post's id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its content.
    pub content: String,
    /// How many visitors like it.
    pub like_count: i64,
    /// How many times it was viewed.
    pub view_count: i64,
    /// Who wrote it.
    pub author_id: String,
}

/// The generation of a tag when a reader started; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

/// The cache. With `capacity` 0 (or switched off in `Leptos.toml`) it
/// stores nothing and every read goes to the database.
#[derive(Debug)]
pub struct ReadCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    generations: HashMap<Tag, u64>,
    /// List pages by their `before` cursor; tagged `Tag::Posts`.
    pages: HashMap<Option<i64>, PostPage>,
    /// Posts by id; each tagged `Tag::Post(id)`.
    posts: HashMap<i64, CachedPost>,
    /// Whole rendered list pages (see [`ListDocument`]); tagged `Tag::Posts`.
    documents: HashMap<DocumentKey, Arc<ListDocument>>,
}

/// What a rendered list page depends on besides the posts: its address
/// (path and query) and the theme it was rendered in.
pub type DocumentKey = (String, Option<&'static str>);

impl ReadCache {
    /// A cache holding up to `capacity` list pages and `capacity` posts.
    pub fn new(capacity: usize) -> Self {
        ReadCache { capacity, inner: Mutex::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether it keeps anything at all.
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Takes a ticket for `tag`, before reading what it covers.
    pub fn ticket(&self, tag: Tag) -> Ticket {
        Ticket(self.lock().generations.get(&tag).copied().unwrap_or(0))
    }

    /// The cached list page after `before`, if any.
    pub fn page(&self, before: Option<i64>) -> Option<PostPage> {
        self.lock().pages.get(&before).cloned()
    }

    /// Stores a list page read under `ticket`, unless a write has
    /// revalidated the list since.
    pub fn store_page(&self, before: Option<i64>, page: &PostPage, ticket: Ticket) {
        let capacity = self.capacity;
        let mut inner = self.lock();
        if inner.current(Tag::Posts) == ticket {
            insert_bounded(&mut inner.pages, before, page.clone(), capacity);
        }
    }

    /// The cached post `id`, if any.
    pub fn post(&self, id: i64) -> Option<CachedPost> {
        self.lock().posts.get(&id).cloned()
    }

    /// Stores post `id` read under `ticket`, unless a write has revalidated
    /// it since.
    pub fn store_post(&self, post: &CachedPost, ticket: Ticket) {
        let capacity = self.capacity;
        let mut inner = self.lock();
        if inner.current(Tag::Post(post.id)) == ticket {
            insert_bounded(&mut inner.posts, post.id, post.clone(), capacity);
        }
    }

    /// The rendered list page for `key`, if any.
    pub fn document(&self, key: &DocumentKey) -> Option<Arc<ListDocument>> {
        self.lock().documents.get(key).cloned()
    }

    /// Stores a list page rendered under `ticket` (taken for `Tag::Posts`),
    /// unless a write has revalidated the list since.
    pub fn store_document(&self, key: DocumentKey, document: Arc<ListDocument>, ticket: Ticket) {
        let capacity = self.capacity;
        let mut inner = self.lock();
        if inner.current(Tag::Posts) == ticket {
            insert_bounded(&mut inner.documents, key, document, capacity);
        }
    }

    /// Called by every write once committed: what `tags` cover is read
    /// again from the database by the next reader.
    pub fn revalidate(&self, tags: impl IntoIterator<Item = Tag>) {
        let mut inner = self.lock();
        for tag in tags.into_iter().flat_map(kept_under) {
            *inner.generations.entry(tag).or_default() += 1;
            match tag {
                Tag::Posts => {
                    inner.pages.clear();
                    inner.documents.clear();
                }
                Tag::Post(id) => {
                    inner.posts.remove(&id);
                }
                Tag::Counts(_) => unreachable!("counts are kept under the tags of what shows them"),
            }
        }
    }
}

/// The tags of what this cache keeps that a change to `tag` makes stale.
/// Counts are baked into kept lists and posts, so a change of counts drops
/// both: this is the seam where a cache that fills counts in when it serves
/// a page would keep the page instead.
fn kept_under(tag: Tag) -> impl Iterator<Item = Tag> {
    let (first, second) = match tag {
        Tag::Counts(id) => (Tag::Posts, Some(Tag::Post(id))),
        other => (other, None),
    };
    std::iter::once(first).chain(second)
}

impl Inner {
    fn current(&self, tag: Tag) -> Ticket {
        Ticket(self.generations.get(&tag).copied().unwrap_or(0))
    }
}

/// Inserts, making room first by dropping an arbitrary entry when full: a
/// miss costs one query, and the bound keeps memory flat.
fn insert_bounded<K: Eq + Hash + Clone, V>(map: &mut HashMap<K, V>, key: K, value: V, capacity: usize) {
    if capacity == 0 {
        return;
    }
    if map.len() >= capacity
        && !map.contains_key(&key)
        && let Some(victim) = map.keys().next().cloned()
    {
        map.remove(&victim);
    }
    map.insert(key, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(marker: i64) -> PostPage {
        PostPage { posts: Vec::new(), next_before: Some(marker) }
    }

    #[test]
    fn a_page_read_before_a_write_is_never_stored_after_it() {
        let cache = ReadCache::new(10);
        let ticket = cache.ticket(Tag::Posts);
        // The write commits and revalidates while the read is under way.
        cache.revalidate([Tag::Posts]);
        cache.store_page(None, &page(1), ticket);
        assert_eq!(cache.page(None), None);

        let ticket = cache.ticket(Tag::Posts);
        cache.store_page(None, &page(2), ticket);
        assert_eq!(cache.page(None), Some(page(2)));
    }

    #[test]
    fn revalidating_one_post_keeps_the_others() {
        let cache = ReadCache::new(10);
        for id in [1, 2] {
            let post = CachedPost {
                id,
                title: "t".into(),
                content: "c".into(),
                like_count: 0,
                view_count: 0,
                author_id: "a".into(),
            };
            cache.store_post(&post, cache.ticket(Tag::Post(id)));
        }
        cache.revalidate([Tag::Post(1)]);
        assert!(cache.post(1).is_none() && cache.post(2).is_some());
    }

    #[test]
    fn the_cache_holds_at_most_its_capacity_and_nothing_at_zero() {
        let cache = ReadCache::new(3);
        for before in 0..10 {
            cache.store_page(Some(before), &page(before), cache.ticket(Tag::Posts));
        }
        assert_eq!(cache.lock().pages.len(), 3);
        let off = ReadCache::new(0);
        off.store_page(None, &page(1), off.ticket(Tag::Posts));
        assert_eq!(off.page(None), None);
    }
}
