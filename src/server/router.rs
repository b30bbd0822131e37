//! Building the state and the router, and serving them.
//!
//! `build_router` lives here rather than in `main` so integration tests can
//! drive the whole application with `tower::ServiceExt::oneshot`, no port.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use axum::{
    Router,
    extract::{Request, State},
    handler::Handler,
    http::{HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        CompressionLayer,
        predicate::{NotForContentType, Predicate, SizeAbove},
    },
};

use super::{
    AppState, Config,
    assets::ClientAssets,
    cache::ReadCache,
    config::SecretSource,
    cookies::SecretKey,
    db,
    security::rate_limit::WriteLimits,
    services::{WriteGate, likes::LikeWriter},
    state::AppStateInner,
    telemetry, visitor,
};
use crate::app::{App, shell};

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
    let likes = Arc::new(LikeWriter::start(db.clone(), cache.clone(), writes.clone()));
    let write_limits = Arc::new(WriteLimits::new(
        config.security.writes_per_minute_per_visitor,
        config.security.writes_per_minute_per_ip,
    ));
    Ok(AppState::from(AppStateInner {
        leptos_options: config.leptos_options(),
        assets: Arc::new(ClientAssets::load(&config.site_root, config.hash_files)),
        config: Arc::new(config),
        db,
        drafts: Arc::default(),
        write_limits,
        cache,
        likes,
        writes,
        cookie_key,
    }))
}

/// The whole application: pages, server functions, static files, the 404
/// fallback, the health check, and the layers every request passes through.
pub fn build_router(state: AppState) -> Router {
    let routes = route_list();
    let options = state.leptos_options.clone();
    let page_assets = PageAssets::new(&state);
    let not_found_assets = page_assets.clone();
    let static_files =
        leptos_axum::file_and_error_handler::<AppState, _>(move |options| shell(options, &not_found_assets.current()))
            .layer(middleware::from_fn_with_state(state.assets.clone(), cache_static_files));
    let app = Router::new()
        .route("/healthz", get(healthz))
        // Registers every page route and every `#[server]` function, and
        // provides `AppState` to both through context.
        .leptos_routes(&state, routes, move || shell(options.clone(), &page_assets.current()))
        // Files under site_root (the client's pkg/, favicon), else the 404 page.
        // A `.br` or `.gz` beside a file (`--precompress`) is served to
        // browsers that accept it.
        .fallback(static_files);
    let app = app.with_state(state.clone());
    harden(app, &state)
}

/// Where the document every page renders into finds the names of the
/// client's files: loaded once, or, under `cargo leptos watch`, again for
/// each page.
#[derive(Clone)]
struct PageAssets {
    loaded: Arc<ClientAssets>,
    rebuilt_in_place: Option<(std::path::PathBuf, bool)>,
}

impl PageAssets {
    fn new(state: &AppState) -> Self {
        PageAssets {
            loaded: state.assets.clone(),
            rebuilt_in_place: state.config.watch.then(|| (state.config.site_root.clone(), state.config.hash_files)),
        }
    }

    fn current(&self) -> Arc<ClientAssets> {
        match &self.rebuilt_in_place {
            Some((site_root, hash_files)) => Arc::new(ClientAssets::load(site_root, *hash_files)),
            None => self.loaded.clone(),
        }
    }
}

/// Tells browsers how long to keep a static file: a year for the client's
/// fingerprinted files, which never change under their name, and
/// revalidate-before-use for anything else. Caches are told that the bytes
/// depend on `Accept-Encoding`, since a precompressed copy may be chosen.
async fn cache_static_files(State(assets): State<Arc<ClientAssets>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    let mut response = next.run(request).await;
    let served = matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED | StatusCode::PARTIAL_CONTENT);
    if is_read && served {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(assets.cache_control(&path)));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Responses smaller than this are sent as they are: compressing them
/// saves less than it costs.
pub const COMPRESS_MIN_BYTES: u16 = 1024;

/// Compresses responses on the fly (brotli or gzip, as the browser
/// accepts) when they are over [`COMPRESS_MIN_BYTES`]: the HTML of pages
/// above all. Brotli runs at level 4, the usual choice for on-the-fly work.
/// Left alone: anything already encoded (a precompressed file), images,
/// event streams, and `.wasm`, which a release build precompresses and a
/// debug build makes too large to compress per request.
fn compression() -> CompressionLayer<impl Predicate> {
    let worth_it = SizeAbove::new(COMPRESS_MIN_BYTES)
        .and(NotForContentType::IMAGES)
        .and(NotForContentType::SSE)
        .and(NotForContentType::GRPC)
        .and(NotForContentType::const_new("application/wasm"));
    CompressionLayer::new().br(true).gzip(true).compress_when(worth_it)
}

/// Wraps `app` in the layers every request passes through, outermost first:
/// 1. a request id and one log line per request;
/// 2. large responses are compressed for browsers that accept it;
/// 3. a panic anywhere inside becomes a 500 carrying that id;
/// 4. state-changing requests from other sites are refused (403);
/// 5. the body is read within its size and time limits (413, 408);
/// 6. the visitor is identified (the signed cookie);
/// 7. a server function's form must be exactly its fields (400);
/// 8. writes are rate-limited per visitor and per address (429);
/// 9. redirects stay on this site, and a failed server function gets its
///    error's status;
/// 10. a list page is served whole from the cache when it can be
///     (`page_cache`).
///
/// The layers wrap the router as a whole, not each route: a request goes
/// through them before routing, and a list page served from the cache never
/// reaches the router. (Per-route layers are cloned for every request along
/// with the route's handler; that cloning was a third of the CPU time of a
/// cached `GET /`.)
///
/// Public so tests can wrap their own routes (a handler that panics) in the
/// very same stack.
pub fn harden(app: Router, state: &AppState) -> Router {
    use super::security::{forms, limits, origin, rate_limit};

    let stack = tower::ServiceBuilder::new()
        .layer(middleware::from_fn(telemetry::log_request))
        .layer(compression())
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn_with_state(state.clone(), origin::same_origin_only))
        .layer(middleware::from_fn_with_state(state.clone(), limits::bounded_body))
        .layer(middleware::from_fn_with_state(state.clone(), visitor::identify))
        .layer(middleware::from_fn(forms::exact_forms))
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit::limit_writes))
        .layer(middleware::from_fn(super::middleware::local_redirects_only))
        .layer(middleware::from_fn(super::middleware::server_fn_error_status))
        .layer(middleware::from_fn_with_state(state.clone(), super::page_cache::serve_list_pages))
        .service(app);
    Router::new().fallback_service(stack)
}

/// The answer to a request whose handler panicked: the generic internal
/// error, its reference logged with the panic's message.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    let error = super::internal_error(format!("panic: {message}"));
    super::security::refuse(error, false)
}

/// Adds `/__ceiling` for the benchmark: the page `/` rendered once, now,
/// served as constant bytes by a bare handler outside every layer. It shows
/// how far rendering `/` is from the fastest answer this server can give.
pub async fn with_bench_ceiling(router: Router) -> Router {
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let request = axum::extract::Request::get("/").header("accept", "text/html").body(axum::body::Body::empty());
    let page = match request {
        Ok(request) => match router.clone().oneshot(request).await {
            Ok(response) => response.into_body().collect().await.map(|body| body.to_bytes()).unwrap_or_default(),
            Err(never) => match never {},
        },
        Err(_) => axum::body::Bytes::new(),
    };
    tracing::warn!("benchmark ceiling enabled at /__ceiling ({} bytes)", page.len());
    router.route(
        "/__ceiling",
        get(move || {
            let page = page.clone();
            async move { ([("content-type", "text/html; charset=utf-8")], page) }
        }),
    )
}

/// The route table, generated from `App` once per process.
///
/// It is a pure function of the code, so once is enough. And it must be
/// once: Leptos generates it by rendering the app with resource loading
/// suppressed, and renders of other requests that overlap that generation
/// never finish (seen in tests, where each builds its own router: one hang
/// in about twenty parallel runs, every time with a router built in a loop
/// beside 400 renders). With the table cached, building a second router
/// renders nothing.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// For load balancers: 200 when the database answers, 503 when it does not.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match db::ping(&state.db).await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(err) => {
            tracing::warn!(cause = %err, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// How the server treats connections.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// How long a client may take to send a request's headers; a slower one
    /// (one byte a second, say) is disconnected without holding up others.
    pub header_read_timeout: Duration,
    /// After SIGTERM, how long requests in flight may take to finish.
    pub grace: Duration,
}

/// Serves until SIGINT or SIGTERM, then stops accepting connections, lets
/// requests in flight finish (at most `options.grace`), and returns.
///
/// Each connection is served by hyper directly rather than `axum::serve`,
/// for the header read timeout, and every request carries the peer's
/// address (`ConnectInfo`) for the per-address write limit.
pub async fn serve(listener: TcpListener, router: Router, options: ServeOptions) -> std::io::Result<()> {
    use hyper_util::{
        rt::{TokioIo, TokioTimer},
        server::graceful::GracefulShutdown,
        service::TowerToHyperService,
    };
    use tower::ServiceExt;

    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown_signal());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait, not spin.
                    tracing::warn!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let router = router.clone();
        let service = TowerToHyperService::new(tower::service_fn(move |mut request: axum::extract::Request<_>| {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            router.clone().oneshot(request.map(axum::body::Body::new))
        }));
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(options.header_read_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!("connection from {peer} ended: {err}");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing requests in flight");
    tokio::select! {
        () = graceful.shutdown() => Ok(()),
        () = tokio::time::sleep(options.grace) => {
            tracing::warn!("requests still in flight after {:?}; exiting anyway", options.grace);
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
