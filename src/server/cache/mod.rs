//! A read cache in front of the database: list pages, posts, their counts,
//! and rendered pages with holes for the counts ([`kept`]), each kept
//! under the tags of what it shows ([`Tag`]).
//!
//! Invariant: no read that starts after a write has been answered sees data
//! older than that write. Writes call [`ReadCache::revalidate`] after their
//! transaction commits and before their response goes out; it bumps the
//! generation of each tag and drops its entries. A reader takes a
//! [`Ticket`] (the tag's generation) *before* querying the database and may
//! store what it read only if the generation is still the same, so a result
//! read before a write committed can never be stored after the write
//! revalidated. Counts are the exception that keeps pages alive under
//! traffic: a write that changes them sets them, committed, before its
//! answer ([`ReadCache::counts_changed`]), and every page is served with
//! the counts of that moment in its holes.

mod bounded;
pub mod holes;
pub mod kept;
pub mod splice;

use std::{
    collections::HashMap,
    hash::{BuildHasher, RandomState},
    sync::{Arc, Mutex},
};

use self::bounded::Bounded;
pub use self::kept::{Encoding, Kept, KeptPage, PageKey, RenderTurn};
use crate::domain::{PostImage, PostPage, Tag};

/// A post's text as its page needs it, the same for every visitor.
/// Server-only: `author_id` never leaves the server. Its counts are kept
/// apart ([`Counts`]), since they change far more often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedPost {
    /// The post's id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its content.
    pub content: String,
    /// Who wrote it.
    pub author_id: String,
    /// Its image, if any.
    pub image: Option<PostImage>,
}

/// A post's counts as they stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// How many visitors like it.
    pub likes: i64,
    /// How many times it was viewed.
    pub views: i64,
}

/// The generation of a tag when a reader started; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

/// How many generation counters tags share. Two tags on one counter only
/// make a reader skip storing now and then; the memory stays fixed however
/// many posts there are.
const GENERATIONS: usize = 4096;

/// How many posts' counts are kept per unit of capacity: counts are small
/// (about 50 bytes with their map entry) and every list and post page
/// served needs them.
pub const COUNTS_PER_CAPACITY: usize = 16;

/// The cache. With `capacity` 0 (or switched off in `Leptos.toml`) it
/// stores nothing and every read goes to the database.
///
/// Its bounds, for `capacity` C (1000 by default): C list pages of data, C
/// posts' text, C kept pages (a list page is about 20 KB of HTML plus up to
/// 10 KB of compressed copies; a post page about 6 KB plus its content),
/// and 16 C posts' counts. At the default, about 40 MB at most.
#[derive(Debug)]
pub struct ReadCache {
    capacity: usize,
    hasher: RandomState,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    generations: Box<[u64]>,
    /// Per generation counter, the feed position of the newest write by
    /// another instance that revalidated one of its tags (see
    /// [`ReadCache::counts_changed`]).
    foreign: Box<[i64]>,
    /// List pages by their `before` cursor; tagged `Tag::Posts`. Their
    /// counts are refreshed from `counts` whenever one is read.
    pages: Bounded<Option<i64>, PostPage>,
    /// Posts by id; each tagged `Tag::Post(id)`.
    posts: Bounded<i64, CachedPost>,
    /// Counts by post id; each tagged `Tag::Counts(id)`, and set by every
    /// write that changes them.
    counts: Bounded<i64, Counts>,
    /// Rendered pages with holes for the counts: the list pages tagged
    /// `Tag::Posts`, a post's pages `Tag::Post(id)`.
    kept: Bounded<PageKey, Arc<KeptPage>>,
    /// The pages being rendered to be kept, each locked by its renderer
    /// until it is done: as many as requests render at once.
    renders: HashMap<PageKey, Arc<tokio::sync::Mutex<()>>>,
}

impl ReadCache {
    /// A cache holding up to `capacity` list pages, posts and kept pages,
    /// and the counts of `COUNTS_PER_CAPACITY * capacity` posts.
    pub fn new(capacity: usize) -> Self {
        ReadCache {
            capacity,
            hasher: RandomState::new(),
            inner: Mutex::new(Inner {
                generations: vec![0; GENERATIONS].into_boxed_slice(),
                foreign: vec![0; GENERATIONS].into_boxed_slice(),
                pages: Bounded::new(capacity),
                posts: Bounded::new(capacity),
                counts: Bounded::new(capacity * COUNTS_PER_CAPACITY),
                kept: Bounded::new(capacity),
                renders: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn slot(&self, tag: Tag) -> usize {
        (self.hasher.hash_one(tag) % GENERATIONS as u64) as usize
    }

    /// Whether it keeps anything at all.
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Takes a ticket for `tag`, before reading what it covers.
    pub fn ticket(&self, tag: Tag) -> Ticket {
        let slot = self.slot(tag);
        Ticket(self.lock().generations[slot])
    }

    /// The cached list page after `before`, if any, with the counts as
    /// kept (see [`ReadCache::counts`] for fresh ones).
    pub fn page(&self, before: Option<i64>) -> Option<PostPage> {
        self.lock().pages.get(&before).cloned()
    }

    /// Stores a list page read under `ticket`, unless a write has
    /// revalidated the list since.
    pub fn store_page(&self, before: Option<i64>, page: &PostPage, ticket: Ticket) {
        let slot = self.slot(Tag::Posts);
        let mut inner = self.lock();
        if Ticket(inner.generations[slot]) == ticket {
            inner.pages.insert(before, page.clone());
        }
    }

    /// The cached post `id`, if any.
    pub fn post(&self, id: i64) -> Option<CachedPost> {
        self.lock().posts.get(&id).cloned()
    }

    /// Stores post `id` read under `ticket`, unless a write has revalidated
    /// it since.
    pub fn store_post(&self, post: &CachedPost, ticket: Ticket) {
        let slot = self.slot(Tag::Post(post.id));
        let mut inner = self.lock();
        if Ticket(inner.generations[slot]) == ticket {
            inner.posts.insert(post.id, post.clone());
        }
    }

    /// The counts of each of `ids` that are kept.
    pub fn counts(&self, ids: impl IntoIterator<Item = i64>) -> Vec<(i64, Option<Counts>)> {
        let inner = self.lock();
        ids.into_iter().map(|id| (id, inner.counts.get(&id).copied())).collect()
    }

    /// Stores counts read from the database under `ticket` (taken for
    /// `Tag::Counts(id)`), unless a write has set them since.
    pub fn store_counts(&self, id: i64, counts: Counts, ticket: Ticket) {
        let slot = self.slot(Tag::Counts(id));
        let mut inner = self.lock();
        if Ticket(inner.generations[slot]) == ticket {
            inner.counts.insert(id, counts);
        }
    }

    /// Called by a write of this instance that changed post `id`'s counts,
    /// once committed at feed position `seq`, with the counts as its
    /// transaction left them. This instance's writes call it in the order
    /// they committed (they hold the write gate's turn). But another
    /// instance may have committed a newer count since, and this instance
    /// may already have applied that write from the feed: then the counts
    /// are dropped rather than set, and the next reader reads them.
    pub fn counts_changed(&self, id: i64, counts: Counts, seq: i64) {
        let slot = self.slot(Tag::Counts(id));
        let mut inner = self.lock();
        inner.generations[slot] += 1;
        if seq > inner.foreign[slot] {
            inner.counts.insert(id, counts);
        } else {
            inner.counts.remove(&id);
        }
    }

    /// Called by every write once committed: what `tags` cover is read
    /// again from the database by the next reader. Counts are not dropped
    /// but set, by [`ReadCache::counts_changed`]; kept pages have holes for
    /// them, so a like or a view changes no page.
    pub fn revalidate(&self, tags: impl IntoIterator<Item = Tag>) {
        self.revalidate_at(tags, None);
    }

    /// [`ReadCache::revalidate`], for a write by another instance at feed
    /// position `seq`, read from the feed.
    pub fn revalidate_foreign(&self, tags: impl IntoIterator<Item = Tag>, seq: i64) {
        self.revalidate_at(tags, Some(seq));
    }

    fn revalidate_at(&self, tags: impl IntoIterator<Item = Tag>, foreign: Option<i64>) {
        let tags: Vec<Tag> = tags.into_iter().collect();
        let slots: Vec<usize> = tags.iter().map(|tag| self.slot(*tag)).collect();
        let mut inner = self.lock();
        for (tag, slot) in tags.into_iter().zip(slots) {
            inner.generations[slot] += 1;
            if let Some(seq) = foreign {
                inner.foreign[slot] = inner.foreign[slot].max(seq);
            }
            match tag {
                Tag::Posts => {
                    inner.pages.clear();
                    inner.kept.retain(|key| key.tag() != Tag::Posts);
                }
                Tag::Post(id) => {
                    inner.posts.remove(&id);
                    inner.counts.remove(&id);
                    inner.kept.retain(|key| key.tag() != Tag::Post(id));
                }
                Tag::Counts(id) => {
                    inner.counts.remove(&id);
                }
            }
        }
    }

    /// Drops everything and refuses what any reader under way read, as if
    /// every tag were revalidated by another instance's write at feed
    /// position `through`: for when this instance may have missed writes up
    /// to there ([`crate::server::feed`]).
    pub fn forget_all(&self, through: i64) {
        let mut inner = self.lock();
        for generation in inner.generations.iter_mut() {
            *generation += 1;
        }
        for foreign in inner.foreign.iter_mut() {
            *foreign = (*foreign).max(through);
        }
        inner.pages.clear();
        inner.posts.clear();
        inner.counts.clear();
        inner.kept.clear();
    }

    /// How many entries of each kind it holds: list pages, posts, counts,
    /// kept pages, and the kept pages' bytes.
    pub fn sizes(&self) -> CacheSizes {
        let inner = self.lock();
        CacheSizes {
            pages: inner.pages.len(),
            posts: inner.posts.len(),
            counts: inner.counts.len(),
            kept: inner.kept.len(),
            kept_bytes: inner.kept.values().map(|page| page.weight()).sum(),
        }
    }
}

/// What [`ReadCache::sizes`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheSizes {
    /// List pages of data.
    pub pages: usize,
    /// Posts' text.
    pub posts: usize,
    /// Posts' counts.
    pub counts: usize,
    /// Rendered pages.
    pub kept: usize,
    /// The rendered pages' bytes, compressed copies included.
    pub kept_bytes: usize,
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

    /// This instance committed counts at feed position 5; another committed
    /// newer ones at 6, and this instance read that from the feed before it
    /// got round to setting its own: its own are older and must not be set.
    #[test]
    fn counts_older_than_another_instances_write_already_applied_are_not_set() {
        let cache = ReadCache::new(10);
        let counts = |likes| Counts { likes, views: 0 };
        cache.counts_changed(1, counts(1), 3);
        cache.revalidate_foreign([Tag::Counts(1)], 6);
        cache.counts_changed(1, counts(2), 5);
        assert_eq!(cache.counts([1]), vec![(1, None)], "read again from the database instead");
        cache.counts_changed(1, counts(3), 7);
        assert_eq!(cache.counts([1]), vec![(1, Some(counts(3)))]);
        cache.forget_all(9);
        cache.counts_changed(1, counts(4), 8);
        assert_eq!(cache.counts([1]), vec![(1, None)], "missed writes up to 9 may be newer");
    }

    #[test]
    fn revalidating_one_post_keeps_the_others() {
        let cache = ReadCache::new(10);
        for id in [1, 2] {
            let post = CachedPost { id, title: "t".into(), content: "c".into(), author_id: "a".into(), image: None };
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
