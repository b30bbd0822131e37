//! The HTML shell, the root component and the route table.

use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::ui::{
    components::{NotFound, SiteHeader},
    escape::escape_text,
    flash::FlashRegion,
    pages::{EditPostPage, HomePage, NewPostPage, PostPage},
    shortcuts::NewPostShortcut,
};

/// The whole HTML document the server sends.
///
/// Nothing in it is hydrated as a whole: the page is the server's HTML, and
/// only the islands inside it (`<leptos-island>`) run in the browser. The
/// head carries the stylesheet (inline when small) and one inline script (`client.js`) that
/// loads the client once the page has been parsed and its stylesheet read,
/// so the `.wasm` never competes with what the first paint needs, and that
/// navigates between pages by swapping in the server's HTML. The client's
/// files are named as `assets` says (fingerprinted in a release build).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions, assets: &crate::server::assets::ClientAssets) -> impl IntoView + use<> {
    use leptos_meta::MetaTags;

    use crate::ui::theme::theme_attribute;

    // Islands mode: nothing outside an island is hydrated, so no resource's
    // data is serialised into the page (islands switch this on for
    // themselves).
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let boot = assets.boot.clone();
    // Carried inline when it is small (`server::assets::INLINE_STYLE_MAX_BYTES`);
    // `id="leptos"` on the link: the stylesheet cargo-leptos's live reload swaps.
    let stylesheet = match assets.style.clone() {
        Some(style) => leptos::either::Either::Left(view! { <style>{style.to_string()}</style> }),
        None => leptos::either::Either::Right(view! { <link id="leptos" rel="stylesheet" href=assets.css.clone() /> }),
    };
    view! {
        <!DOCTYPE html>
        // The chosen theme is rendered by the server, so the first paint is right.
        <html lang="en" data-theme=theme_attribute()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                {stylesheet}
                <AutoReload options />
                <script type="module">{boot}</script>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The root component, rendered on the server for every page: document
/// metadata, the header, the flash message, the routes and the footer.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="description" content="A posts board where every change goes through a server function." />
        // Page titles can hold a post's title: escaped, see `escape`.
        <Title formatter=|page: String| escape_text(&format!("{page} · bulletin")) />
        <Router>
            <SiteHeader />
            <main id="main">
                <FlashRegion />
                // Every page renders in `Async` mode: the server waits for the
                // page's data and sends it in place, so the page is complete
                // without JavaScript and can still say 404.
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    // Before `/posts/:id`, which would otherwise take "new" for an id.
                    <Route path=path!("/posts/new") view=NewPostPage ssr=SsrMode::Async />
                    <Route path=path!("/posts/:id") view=PostPage ssr=SsrMode::Async />
                    <Route path=path!("/posts/:id/edit") view=EditPostPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <footer class="site-footer">
                <NewPostShortcut />
            </footer>
        </Router>
    }
}
