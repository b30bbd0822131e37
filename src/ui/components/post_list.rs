//! The list of posts on the home page, which grows as it is scrolled.

#[cfg(feature = "hydrate")]
use leptos::task::spawn_local;
use leptos::{html::Div, prelude::*};

#[cfg(feature = "hydrate")]
use crate::error::AppError;
use crate::{
    domain::{PostPage, PostSummary, paths},
    ui::island::island_with_props,
};

/// One page of posts, or the empty state, rendered on the server, and the
/// island that goes on from there.
#[component]
pub fn PostList(page: PostPage) -> impl IntoView {
    let PostPage { posts, next_before } = page;
    let items = if posts.is_empty() {
        view! { <p class="empty">"No posts yet"</p> }.into_any()
    } else {
        view! {
            <ol class="posts">
                {posts.into_iter().map(|post| view! { <PostItem post /> }).collect_view()}
            </ol>
        }
        .into_any()
    };
    view! {
        {items}
        <MorePosts next_before />
    }
}

/// Where a rendered list page's list part is ([`paths::LIST_PART`]): from
/// the list's `<ol class="posts">` to the end of its `MorePosts` island,
/// which is all the infinite scroll reads. `None` for a page without a list
/// (the empty state). The island is found from the end of the page: what a
/// visitor wrote comes before it, escaped or not.
#[cfg(feature = "ssr")]
pub fn list_part(html: &[u8]) -> Option<std::ops::Range<usize>> {
    let find = |needle: &[u8], from: usize| {
        html.get(from..)?.windows(needle.len()).position(|window| window == needle).map(|at| from + at)
    };
    let start = find(br#"<ol class="posts""#, 0)?;
    let island = br#"<leptos-island data-component="MorePosts""#;
    let island = html.windows(island.len()).rposition(|window| window == island).filter(|&at| at > start)?;
    let close = b"</leptos-island>";
    let end = find(close, island)? + close.len();
    Some(start..end)
}

island_with_props! {
    /// The rest of the list, after the posts the server rendered.
    ///
    /// With JavaScript, when the end of the list scrolls into view the next
    /// page of the list is fetched: the very page the "Older posts" link
    /// leads to (`/?before={id}`, a kept page, asked for its list part
    /// alone), whose posts are moved into the list on screen. So a list item is rendered in one
    /// place, `PostItem` on the server, and the client holds no copy of it.
    /// The cursor is the last id shown, so posts published meanwhile cause
    /// neither duplicates nor gaps. The "Older posts" link always points
    /// after the last post shown, and is how a browser without JavaScript
    /// pages through.
    ///
    /// An island (`ui::island`).
    fn MorePosts(
        /// The id of the last post the server rendered, if there are older
        /// ones.
        next_before: Option<i64>,
    ) -> impl IntoView {
        more_posts(next_before)
    }
}

fn more_posts(next_before: Option<i64>) -> impl IntoView {
    let feed =
        Feed { next_before: RwSignal::new(next_before), loading: RwSignal::new(false), error: RwSignal::new(None) };
    let end = NodeRef::<Div>::new();
    when_visible(end, move || feed.load_more(), move || feed.next_before.track());

    view! {
        {move || feed.loading.get().then(|| view! { <p class="loading-more" aria-busy="true">"Loading more posts…"</p> })}
        // ErrorAlert's markup, for a message that is not an AppError's (the
        // server's error page's own alert); a component of its own for both
        // cost every page 124 B of brotli.
        {move || feed.error.get().map(|message| view! { <p class="alert" role="alert">{message}</p> })}
        {move || {
            feed.next_before
                .get()
                .map(|before| {
                    view! {
                        <nav class="pager" aria-label="Pages">
                            <a href=paths::older(before) rel="next">
                                "Older posts"
                            </a>
                        </nav>
                    }
                })
        }}
        <div class="feed-end" node_ref=end aria-hidden="true"></div>
    }
}

/// Where the list stands.
#[derive(Clone, Copy)]
struct Feed {
    /// The cursor of the next page, if there are older posts.
    next_before: RwSignal<Option<i64>>,
    loading: RwSignal<bool>,
    /// What went wrong with the last fetch, in the server's words when it
    /// answered.
    error: RwSignal<Option<String>>,
}

impl Feed {
    /// Fetches the page after the last post shown and appends its posts,
    /// unless a fetch is under way or there is nothing more. Browser only.
    fn load_more(self) {
        let (Some(false), Some(Some(before))) =
            (self.loading.try_get_untracked(), self.next_before.try_get_untracked())
        else {
            return;
        };
        #[cfg(feature = "hydrate")]
        {
            self.loading.set(true);
            self.error.set(None);
            spawn_local(async move {
                match append_older(before).await {
                    Ok(next) => {
                        self.next_before.try_set(next);
                    }
                    Err(message) => {
                        self.error.try_set(Some(message));
                    }
                }
                self.loading.try_set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = before;
    }
}

/// Fetches the list's page after `before`, moves its posts into the list on
/// screen (the `ol.posts` the server rendered before this island), and
/// returns that page's own cursor, read from its `MorePosts` island. A post
/// not older than the last one shown is left out: it would be a duplicate.
/// On failure, the message to show: the server's, from its error page, or
/// that it could not be reached.
#[cfg(feature = "hydrate")]
async fn append_older(before: i64) -> Result<Option<i64>, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Document, DomParser, SupportedType};

    let unreachable = || AppError::Network.to_string();
    let window = web_sys::window().ok_or_else(unreachable)?;
    let init = web_sys::RequestInit::new();
    let headers = web_sys::Headers::new().map_err(|_| unreachable())?;
    headers.set("Accept", "text/html").map_err(|_| unreachable())?;
    // The list alone, from a kept page; the whole page otherwise, which
    // reads the same way.
    headers.set(paths::PART_HEADER, paths::LIST_PART).map_err(|_| unreachable())?;
    init.set_headers(&headers);
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&paths::older(before), &init))
        .await
        .map_err(|_| unreachable())?
        .unchecked_into();
    let html = JsFuture::from(response.text().map_err(|_| unreachable())?)
        .await
        .map_err(|_| unreachable())?
        .as_string()
        .unwrap_or_default();
    let page = DomParser::new()
        .and_then(|parser| parser.parse_from_string(&html, SupportedType::TextHtml))
        .map_err(|_| unreachable())?;
    let text_of = |page: &Document, selector: &str| {
        page.query_selector(selector).ok().flatten().and_then(|found| found.text_content())
    };
    if !response.ok() {
        return Err(text_of(&page, "main .alert").unwrap_or_else(unreachable));
    }

    let here = window.document().ok_or_else(unreachable)?;
    let list = here.query_selector("ol.posts").ok().flatten().ok_or_else(unreachable)?;
    let id_of = |item: &web_sys::Element| item.get_attribute("data-post").and_then(|id| id.parse::<i64>().ok());
    // Ids only shrink down the list.
    let mut last = list.last_element_child().as_ref().and_then(id_of).unwrap_or(before);
    let items = page.query_selector_all("ol.posts > li[data-post]").map_err(|_| unreachable())?;
    for index in 0..items.length() {
        let Some(item) = items.item(index).and_then(|node| node.dyn_into::<web_sys::Element>().ok()) else {
            continue;
        };
        if let Some(id) = id_of(&item).filter(|&id| id < last) {
            last = id;
            let _ = list.append_child(&item);
        }
    }
    // The page's own cursor, as its island was given it.
    let props = page
        .query_selector(r#"leptos-island[data-component="MorePosts"]"#)
        .ok()
        .flatten()
        .and_then(|island| island.get_attribute("data-props"))
        .and_then(|json| crate::wire::from_str::<MorePosts::Props>(&json).ok());
    Ok(props.and_then(|props| props.next_before))
}

/// Calls `load` whenever `target` is in the viewport: when it scrolls into
/// view, and again each time `track` reports a change while it is still in
/// view (a page that did not fill the screen). Browser only.
fn when_visible(target: NodeRef<Div>, load: impl Fn() + Clone + 'static, track: impl Fn() + 'static) {
    Effect::new(move |_| {
        // A fresh observer per change: a new observer reports the current
        // intersection at once.
        track();
        let Some(element) = target.get() else {
            return;
        };
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::{JsCast, closure::Closure};

            let load = load.clone();
            let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
                let visible = entries.iter().any(|entry| {
                    entry.dyn_into::<web_sys::IntersectionObserverEntry>().is_ok_and(|entry| entry.is_intersecting())
                });
                if visible {
                    load();
                }
            });
            if let Ok(observer) = web_sys::IntersectionObserver::new(callback.as_ref().unchecked_ref()) {
                observer.observe(&element);
                let alive = send_wrapper::SendWrapper::new((observer, callback));
                on_cleanup(move || alive.take().0.disconnect());
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (element, &load);
    });
}

#[component]
fn PostItem(post: PostSummary) -> impl IntoView {
    // The thumbnail, below the fold for most of the list: loaded when it
    // nears the screen.
    let thumbnail = post.image.map(|image| {
        let (width, height) = image.thumb_size();
        view! {
            <img
                class="thumb"
                src=paths::image(&image.thumb)
                alt=image.alt
                width=width
                height=height
                loading="lazy"
                decoding="async"
            />
        }
    });
    view! {
        <li class="post-item" data-post=post.id>
            <article>
                {thumbnail}
                <h2>
                    <a href=paths::post(post.id)>{post.title}</a>
                </h2>
                <p class="excerpt">{post.excerpt}</p>
                <p class="counts">
                    <span class="likes">{format!("{} likes", post.like_count)}</span>
                    <span class="views">{format!("{} views", post.view_count)}</span>
                </p>
            </article>
        </li>
    }
}
