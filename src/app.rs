//! The HTML shell, the root component and the route table.

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::{
    components::SiteHeader,
    escape::escape_on_server,
    flash::{FlashMessages, FlashRegion},
    pages::{EditPostPage, HomePage, NewPostPage, NotFound, PostPage},
    paths,
    revalidate::Revalidator,
    shortcuts::{ShortcutHint, use_shortcut},
    theme::{ThemeChoice, theme_attribute},
};

/// The whole HTML document the server sends; the client hydrates `App`
/// inside it.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        // The chosen theme is rendered by the server, so the first paint is right.
        <html lang="en" data-theme=theme_attribute()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
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
        <Stylesheet id="leptos" href="/pkg/bulletin.css" />
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
