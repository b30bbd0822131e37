//! Serving the router on a socket, and stopping gracefully.

use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

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

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
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

/// Adds `/__ceiling` for the benchmark: the page `/` rendered once, now,
/// served as constant bytes by a bare handler outside every layer. It shows
/// how far rendering `/` is from the fastest answer this server can give.
/// Only in a server built with the `bench` feature (`bench/run.sh`).
#[cfg(feature = "bench")]
pub async fn with_bench_ceiling(router: Router) -> Router {
    use axum::routing::get;
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
