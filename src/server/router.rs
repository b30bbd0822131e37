//! Building the router from the state.
//!
//! `build_router` lives here rather than in `main` so tests drive the whole
//! application with `tower::ServiceExt::oneshot`, no port.

use std::sync::{Arc, OnceLock};

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

use super::{AppState, assets::ClientAssets};
use crate::ui::{App, shell};

/// The whole application: pages, server functions, posts' images, static
/// files, the 404 fallback, the health check, and the layers every request
/// passes through.
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
        .route(super::live_stream::PATH, get(super::live_stream::live_stream))
        .route(super::image_files::PATH, get(super::image_files::serve_image))
        // Registers every page route and every `#[server]` function, and
        // provides `AppState` to both through context.
        .leptos_routes(&state, routes, move || shell(options.clone(), &page_assets.current()))
        // Files under site_root (the client's pkg/, favicon), else the 404 page.
        // A `.br` or `.gz` beside a file (`--precompress`) is served to
        // browsers that accept it.
        .fallback(static_files);
    let app = app.with_state(state.clone());
    super::middleware::stack(app, &state)
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
///
/// Files and the not-found page are only read: any other method is 405
/// (Leptos's file handler would otherwise answer a POST with the file).
async fn cache_static_files(State(assets): State<Arc<ClientAssets>>, request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        let mut refused =
            (StatusCode::METHOD_NOT_ALLOWED, "405 Method Not Allowed: this address is only read\n").into_response();
        refused.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return refused;
    }
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let served = matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED | StatusCode::PARTIAL_CONTENT);
    if served {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(assets.cache_control(&path)));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
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
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(err) => {
            tracing::warn!(cause = %err, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
