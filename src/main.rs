//! The bulletin server: load the configuration, open the database, serve.

use std::{process::ExitCode, time::Duration};

use bulletin::server::{Config, build_router, build_state, serve, telemetry};

/// Rendering allocates many small strings; mimalloc serves them faster than
/// glibc's malloc (see bench/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long in-flight requests may take to finish after SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    telemetry::init();

    let config = match Config::load() {
        Ok(config) => config,
        Err(err) => {
            tracing::error!("configuration: {err}");
            return ExitCode::FAILURE;
        }
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if config.worker_threads > 0 {
        runtime.worker_threads(config.worker_threads);
    }
    match runtime.enable_all().build() {
        Ok(runtime) => runtime.block_on(run(config)),
        Err(err) => {
            tracing::error!("cannot start the async runtime: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> ExitCode {
    match &config.source {
        Some(path) => tracing::info!("configuration: {}", path.display()),
        None => tracing::info!("configuration: no Leptos.toml found, using defaults and environment"),
    }
    tracing::info!("database: {}", config.database.describe());
    let addr = config.site_addr;
    let serve_options =
        serve::ServeOptions { header_read_timeout: config.security.header_read_timeout, grace: SHUTDOWN_GRACE };

    let state = match build_state(config).await {
        Ok(state) => state,
        Err(err) => {
            tracing::error!("start-up: {err}");
            return ExitCode::FAILURE;
        }
    };
    let client = state.assets.wasm_file(&state.config.site_root);
    if !client.is_file() {
        tracing::warn!(
            "site root {} has no built client ({} is missing): pages will render but not hydrate. \
             Build it with `cargo leptos build`, or point LEPTOS_SITE_ROOT at it.",
            state.config.site_root.display(),
            client.display()
        );
    }
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!("cannot listen on {addr}: {err}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("listening on http://{addr}");
    // Streams never end by themselves: on the signal that stops the server,
    // end them, so their connections close and their browsers reconnect
    // elsewhere.
    let live = state.live.clone();
    tokio::spawn(async move {
        serve::shutdown_signal().await;
        live.close();
    });
    let router = build_router(state.clone());
    #[cfg(feature = "bench")]
    let router = serve::with_bench_ceiling(router).await;
    if let Err(err) = serve::serve(listener, router, serve_options).await {
        tracing::error!("server: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
