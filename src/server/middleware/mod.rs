//! The layers every request passes through, one file per layer, applied in
//! one order by [`stack`].
//!
//! They wrap the router as a whole, not each route, so every server function
//! (present and future) and every page gets the same treatment, and a page
//! served from the cache never reaches the router. docs/SECURITY.md
//! states the guarantees; `src/tests/threats.rs` proves them
//! one threat at a time.

pub mod body_limit;
pub mod drafts;
pub mod error_page;
pub mod errors;
pub mod form_guard;
pub mod headers;
pub mod hosts;
pub mod kept_pages;
pub mod origin;
pub mod page_end;
pub mod rate_limit;
pub mod read_your_writes;
pub mod redirects;
pub mod request_id;
pub mod visitor;
pub mod write_pages;

use axum::{
    Router,
    middleware::{from_fn, from_fn_with_state},
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        CompressionLayer,
        predicate::{NotForContentType, Predicate, SizeAbove},
    },
    trace::TraceLayer,
};

use super::AppState;

/// Wraps `app` in the layers every request passes through, outermost first:
/// 1. every response, whoever answered it, carries the security headers
///    (no sniffing, no framing, the referrer policy; see [`headers`]);
/// 2. a request id, answered in `x-request-id`, and a tracing span that
///    carries it, so every log line of the request names it;
/// 3. large responses are compressed for browsers that accept it;
/// 4. a panic anywhere inside becomes a 500 carrying that id;
/// 5. every refusal and failed server function is answered as an
///    [`AppError`](crate::error::AppError), with its own status;
/// 6. a request for a host the site does not answer for is refused (400),
///    and state-changing requests from other sites (403);
/// 7. a body over the size limit (larger for a form with a file) is
///    refused (413), one of declared length read first so that the client
///    reads the answer;
/// 8. a write whose script asked for the page it leads to is answered with
///    that page, read through the layers below as the browser's next
///    request would be (one round trip, not two);
/// 9. the visitor is identified (the signed cookie);
/// 10. a server function's form must be exactly its fields, read within the
///     time limit (400, 408, 415); a form with a file waits its turn (503
///     past a bound), and its file is set beside its fields;
/// 11. writes are rate-limited per visitor and per address (429);
/// 12. redirects stay on this site;
/// 13. a rejected plain form's draft is handed to its form page's render;
/// 14. a visitor's request waits (within a bound) until this instance has
///     caught up with the change feed as far as their last write;
/// 15. a list or post page is served from the cache when it can be, with
///     the counts of the moment in its holes;
/// 16. a page Leptos renders ends at `</html>` (its empty tables cut off).
///
/// Public so tests can wrap their own routes (a handler that panics) in the
/// very same stack.
pub fn stack(app: Router, state: &AppState) -> Router {
    let layers = tower::ServiceBuilder::new()
        .layer(from_fn_with_state(state.clone(), headers::security_headers))
        .map_request(request_id::drop_clients_id)
        .layer(request_id::set())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_id::span)
                .on_response(request_id::log_response)
                .on_failure(()),
        )
        .layer(request_id::propagate())
        .layer(from_fn(request_id::scope))
        .layer(compression())
        .layer(CatchPanicLayer::custom(errors::panic_response))
        .layer(from_fn_with_state(state.clone(), errors::error_responses))
        .layer(from_fn_with_state(state.clone(), hosts::allowed_hosts_only))
        .layer(from_fn_with_state(state.clone(), origin::same_origin_only))
        .layer(from_fn_with_state(state.clone(), body_limit::limit_bodies))
        .layer(from_fn(write_pages::answer_with_page))
        .layer(from_fn_with_state(state.clone(), visitor::identify))
        .layer(from_fn_with_state(state.clone(), form_guard::exact_forms))
        .layer(from_fn_with_state(state.clone(), rate_limit::limit_writes))
        .layer(from_fn(redirects::local_redirects_only))
        .layer(from_fn_with_state(state.clone(), drafts::give_back))
        .layer(from_fn_with_state(state.clone(), read_your_writes::catch_up))
        .layer(from_fn_with_state(state.clone(), kept_pages::serve_kept_pages))
        .layer(from_fn(page_end::end_at_html))
        .service(app);
    Router::new().fallback_service(layers)
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
