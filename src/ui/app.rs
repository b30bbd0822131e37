//! The HTML shell, the root component and the route table.

use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::{
    domain::paths,
    ui::{
        components::{NotFound, SiteHeader},
        escape::escape_on_server,
        flash::{FlashMessages, FlashRegion},
        pages::{EditPostPage, HomePage, NewPostPage, PostPage},
        revalidate::Revalidator,
        shortcuts::{ShortcutHint, use_shortcut},
        theme::ThemeChoice,
    },
};

/// The whole HTML document the server sends; the client hydrates `App`
/// inside it.
///
/// The head names the client's files as `assets` says (fingerprinted in a
/// release build) and loads them itself, in place of Leptos's
/// `HydrationScripts`, which would read the manifest from disk on every
/// render. The document outside `App` is never hydrated, so none of this
/// has to match anything in the client.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions, assets: &crate::server::assets::ClientAssets) -> impl IntoView + use<> {
    use leptos_meta::MetaTags;

    use crate::ui::theme::theme_attribute;

    let boot = assets.boot_script();
    view! {
        <!DOCTYPE html>
        // The chosen theme is rendered by the server, so the first paint is right.
        <html lang="en" data-theme=theme_attribute()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                // `id="leptos"`: the stylesheet cargo-leptos's live reload swaps.
                <link id="leptos" rel="stylesheet" href=assets.css.clone() />
                <link rel="modulepreload" href=assets.js.clone() />
                <link
                    rel="preload"
                    href=assets.wasm.clone()
                    r#as="fetch"
                    r#type="application/wasm"
                    crossorigin=""
                />
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

/// The root component: document metadata, the header, the flash message
/// and the routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    Revalidator::provide();
    FlashMessages::provide();
    ThemeChoice::provide();
    // Effects run only in the browser, after hydration: the mark tells CSS
    // and end-to-end tests that the page is live, not just server HTML.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });

    view! {
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="description" content="A posts board where every change goes through a server function." />
        // Page titles can hold a post's title: escaped, see `escape`.
        <Title formatter=|page: String| escape_on_server(format!("{page} · bulletin")) />
        <Router>
            <SiteHeader />
            <main id="main">
                <FlashRegion />
                // Every page renders in `Async` mode: the server waits for the
                // page's data and sends it in place. Streaming would send a
                // "Loading" placeholder that only JavaScript can replace, and
                // would commit the status before a page can say 404.
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    // Before `/posts/:id`, which would otherwise take "new" for an id.
                    <Route path=path!("/posts/new") view=NewPostPage ssr=SsrMode::Async />
                    <Route path=path!("/posts/:id") view=PostPage ssr=SsrMode::Async />
                    <Route path=path!("/posts/:id/edit") view=EditPostPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <SiteFooter />
        </Router>
    }
}

/// The footer: the shortcut that works on every page, and the key that
/// goes with it.
#[component]
fn SiteFooter() -> impl IntoView {
    let navigate = leptos_router::hooks::use_navigate();
    use_shortcut("n", move || navigate(paths::NEW_POST, Default::default()));
    view! {
        <footer class="site-footer">
            <ShortcutHint key="n" does="new post" />
        </footer>
    }
}
