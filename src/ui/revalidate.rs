//! Refreshing what a write changed: one mechanism, keyed by what changed.
//!
//! The counterpart of Next.js's `revalidateTag`. Every resource that shows
//! data from the server tracks the tags it depends on; after a successful
//! write, the code that made it calls [`Revalidator::revalidate`] with the
//! tags of what it changed, and exactly the resources tracking those tags
//! fetch again. No component holds a version signal of its own.

use std::collections::HashMap;

use leptos::prelude::*;

pub use crate::domain::Tag;

/// The tags' versions, provided once by `App`.
#[derive(Clone, Copy)]
pub struct Revalidator {
    versions: StoredValue<HashMap<Tag, ArcRwSignal<u64>>>,
}

impl Revalidator {
    /// Creates the revalidator and provides it to every component below.
    pub fn provide() -> Self {
        let revalidator = Revalidator { versions: StoredValue::new(HashMap::new()) };
        provide_context(revalidator);
        revalidator
    }

    /// The revalidator `App` provided.
    pub fn expect() -> Self {
        expect_context::<Revalidator>()
    }

    /// Makes the running reactive computation (a resource's source) depend
    /// on `tag`: it runs again when `tag` is revalidated. Returns the tag's
    /// version, to be part of the source's value.
    pub fn track(&self, tag: Tag) -> u64 {
        self.signal(tag).map(|signal| signal.get()).unwrap_or_default()
    }

    /// Marks every tag in `tags` as changed: whatever tracks them fetches
    /// again.
    pub fn revalidate(&self, tags: impl IntoIterator<Item = Tag>) {
        for tag in tags {
            if let Some(signal) = self.signal(tag) {
                signal.update(|version| *version += 1);
            }
        }
    }

    fn signal(&self, tag: Tag) -> Option<ArcRwSignal<u64>> {
        self.versions.try_update_value(|versions| versions.entry(tag).or_default().clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revalidating_a_tag_moves_only_that_tags_version() {
        Owner::new().with(|| {
            let revalidator = Revalidator::provide();
            let (posts, one, two) =
                (revalidator.track(Tag::Posts), revalidator.track(Tag::Post(1)), revalidator.track(Tag::Post(2)));
            revalidator.revalidate([Tag::Posts, Tag::Post(1)]);
            assert_eq!(revalidator.track(Tag::Posts), posts + 1);
            assert_eq!(revalidator.track(Tag::Post(1)), one + 1);
            assert_eq!(revalidator.track(Tag::Post(2)), two, "an unrelated post is left alone");
        });
    }

    #[test]
    fn a_memo_tracking_a_tag_recomputes_when_it_is_revalidated() {
        Owner::new().with(|| {
            let revalidator = Revalidator::provide();
            let runs = ArcRwSignal::new(0);
            let counter = runs.clone();
            let memo = Memo::new(move |_| {
                counter.update_untracked(|n| *n += 1);
                revalidator.track(Tag::Post(7))
            });
            assert_eq!(memo.get_untracked(), 0);
            revalidator.revalidate([Tag::Post(8)]);
            assert_eq!(memo.get_untracked(), 0);
            revalidator.revalidate([Tag::Post(7)]);
            assert_eq!(memo.get_untracked(), 1);
            assert_eq!(runs.get_untracked(), 2, "computed once at first, once after the revalidation");
        });
    }
}
