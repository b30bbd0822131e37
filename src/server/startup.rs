//! Building the state and the router, and serving them.
//!
//! `build_router` lives here rather than in `main` so integration tests can
//! drive the whole application with `tower::ServiceExt::oneshot`, no port.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use axum::{Router, extract::State, http::StatusCode, middleware, response::IntoResponse, routing::get};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;

use super::{AppState, Config, config::SecretSource, cookies::SecretKey, db, telemetry, visitor};
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
    Ok(AppState {
        leptos_options: config.leptos_options(),
        config: Arc::new(config),
        db,
        cookie_key,
        drafts: Arc::default(),
    })
}

/// The whole application: pages, server functions, static files, the 404
/// fallback, the health check and request logging.
pub fn build_router(state: AppState) -> Router {
    let routes = route_list();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        // Registers every page route and every `#[server]` function, and
        // provides `AppState` to both through context.
        .leptos_routes(&state, routes, move || shell(options.clone()))
        // Files under site_root (the client's pkg/, favicon), else the 404 page.
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(super::middleware::server_fn_error_status))
        .layer(middleware::from_fn_with_state(state.clone(), visitor::identify))
        .layer(middleware::from_fn(telemetry::log_request))
        .with_state(state)
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

/// Serves until SIGINT or SIGTERM, then stops accepting connections and lets
/// requests in flight finish, for at most `grace`.
pub async fn serve(listener: TcpListener, router: Router, grace: Duration) -> std::io::Result<()> {
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = stopping_tx.send(());
    });
    let server = tokio::spawn(async move { server.await });
    tokio::select! {
        result = server => result.map_err(std::io::Error::other)?,
        () = async {
            let _ = stopping_rx.await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("requests still in flight after {grace:?}; exiting anyway");
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
