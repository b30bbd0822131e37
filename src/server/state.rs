//! The application state: built once at start-up ([`build_state`]), cloned cheaply into every
//! request. There is no global state; server functions reach this through
//! Leptos context, which `build_router` provides.
//!
//! Every layer with state clones it for every request, so `AppState` is one
//! `Arc`: a clone is one reference count, not one per field (LeptosOptions
//! alone holds a dozen shared strings; `bench/RESULTS.md` has the profile).

use std::{ops::Deref, sync::Arc, time::Duration};

use axum::{extract::FromRef, http::HeaderValue};
use leptos::config::LeptosOptions;

use super::{
    Config,
    assets::ClientAssets,
    cache::ReadCache,
    config::SecretSource,
    csp,
    db::{self, Db, WriteGate},
    drafts::DraftStore,
    feed::ChangeFeed,
    limits::WriteLimits,
    live::Live,
    secret::SecretKey,
    services::{
        Store,
        images::ImageWork,
        likes::{LikeWriter, ViewWriter},
        publishing::PostWriter,
    },
    telemetry::Throttled,
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
    /// Every page's `Content-Security-Policy` ([`super::csp`]), made once.
    pub page_csp: HeaderValue,
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
    /// The streams of changes open pages follow (see [`Live`]).
    pub live: Arc<Live>,
    /// The turns uploads take to be read and decoded (see [`ImageWork`]).
    pub images: Arc<ImageWork>,
    /// The log lines of refused requests (another site's, another host's,
    /// over the write limits), at most one a second, so an attack does not
    /// grow the log at its rate.
    pub refusals_logged: Arc<Throttled>,
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

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The cookie-signing key could not be read or created.
    #[error("secret key: {0}")]
    SecretKey(std::io::Error),
}

/// Opens the database (applying migrations), loads or creates the
/// cookie-signing key, and assembles the state.
pub async fn build_state(config: Config) -> Result<AppState, StartupError> {
    let cookie_key = match &config.secret {
        SecretSource::Key(key) => key.clone(),
        SecretSource::File(path) => SecretKey::load_or_create(path).map_err(StartupError::SecretKey)?,
    };
    let db = db::connect(&config.database).await?;
    let cache = Arc::new(ReadCache::new(config.cache_capacity));
    let writes = Arc::new(WriteGate::default());
    let feed = ChangeFeed::start(db.clone(), cache.clone(), writes.clone(), config.follow_every).await?;
    let likes = Arc::new(LikeWriter::start(db.clone(), cache.clone(), writes.clone(), feed.clone()));
    let views = Arc::new(ViewWriter::start(db.clone(), cache.clone(), writes.clone(), feed.clone()));
    let publishing = Arc::new(PostWriter::start(db.clone(), cache.clone(), writes.clone(), feed.clone()));
    let live = Live::start(db.clone(), feed.clone(), config.live);
    db.start_housekeeping(writes.clone());
    let drafts = Arc::new(DraftStore::new(db.clone(), writes.clone()));
    let write_limits = Arc::new(WriteLimits::configured(&config.security));
    let assets = Arc::new(ClientAssets::load(&config.site_root, config.hash_files));
    let policy = csp::page_policy(&assets, config.watch.then_some(config.reload_port));
    Ok(AppState::from(AppStateInner {
        leptos_options: config.leptos_options(),
        page_csp: HeaderValue::from_str(&policy).expect("a policy of hashes and ASCII words"),
        assets,
        config: Arc::new(config),
        db,
        drafts,
        write_limits,
        cache,
        likes,
        views,
        publishing,
        writes,
        feed,
        live,
        images: Arc::new(ImageWork::default()),
        cookie_key,
        refusals_logged: Arc::new(Throttled::new(Duration::from_secs(1))),
    }))
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
