//! The application state: built once at start-up, cloned cheaply into every
//! request. There is no global state; server functions reach this through
//! Leptos context, which `build_router` provides.
//!
//! Every layer with state clones it for every request, so `AppState` is one
//! `Arc`: a clone is one reference count, not one per field (LeptosOptions
//! alone holds a dozen shared strings; `bench/RESULTS.md` has the profile).

use std::{ops::Deref, sync::Arc};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::{
    Config,
    assets::ClientAssets,
    cache::ReadCache,
    cookies::SecretKey,
    db::Db,
    drafts::DraftStore,
    feed::ChangeFeed,
    middleware::rate_limit::WriteLimits,
    services::{
        Store, WriteGate,
        likes::{LikeWriter, ViewWriter},
        publishing::PostWriter,
    },
};

/// Everything a request handler may need: a shared handle to
/// [`AppStateInner`], whose fields it dereferences to.
#[derive(Clone, Debug)]
pub struct AppState(Arc<AppStateInner>);

impl From<AppStateInner> for AppState {
    fn from(inner: AppStateInner) -> Self {
        AppState(Arc::new(inner))
    }
}

impl Deref for AppState {
    type Target = AppStateInner;

    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

/// What [`AppState`] holds.
#[derive(Clone, Debug)]
pub struct AppStateInner {
    /// The runtime configuration, as loaded at start-up.
    pub config: Arc<Config>,
    /// What Leptos needs to render pages and find the client's files.
    pub leptos_options: LeptosOptions,
    /// The URLs of the client's files, from the site's manifest.
    pub assets: Arc<ClientAssets>,
    /// The database connection pool.
    pub db: Db,
    /// Signs and checks the visitor cookie.
    pub cookie_key: SecretKey,
    /// Rejected plain-form posts waiting for their form page, in the
    /// database.
    pub drafts: Arc<DraftStore>,
    /// How fast visitors and addresses may write.
    pub write_limits: Arc<WriteLimits>,
    /// Recent reads of the list and the posts, revalidated by writes.
    pub cache: Arc<ReadCache>,
    /// The queue of likes waiting to be written.
    pub likes: Arc<LikeWriter>,
    /// The queue of views waiting to be counted.
    pub views: Arc<ViewWriter>,
    /// The queue of posts waiting to be published.
    pub publishing: Arc<PostWriter>,
    /// Where writers take turns (see [`WriteGate`]).
    pub writes: Arc<WriteGate>,
    /// What other instances on the database wrote (see [`ChangeFeed`]).
    pub feed: Arc<ChangeFeed>,
}

impl AppState {
    /// The database, cache, write queues and write gate, as the services
    /// take them.
    pub fn store(&self) -> Store<'_> {
        Store {
            db: &self.db,
            cache: &self.cache,
            likes: &self.likes,
            views: &self.views,
            publishing: &self.publishing,
            writes: &self.writes,
            feed: &self.feed,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
