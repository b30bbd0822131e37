//! The list of posts on the home page, which grows as it is scrolled.

use leptos::{html::Div, prelude::*, task::spawn_local};

use crate::{
    api::posts::list_posts,
    domain::{PostPage, PostSummary, paths},
    error::AppError,
    ui::{components::ErrorAlert, island::island_with_props},
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

island_with_props! {
    /// The rest of the list, after the posts the server rendered.
    ///
    /// With JavaScript, when the end of the list scrolls into view the next page
    /// is fetched through `list_posts` and appended; the cursor is the last id
    /// shown, so posts published meanwhile cause neither duplicates nor gaps.
    /// The "Older posts" link always points after the last post shown, and is
    /// how a browser without JavaScript pages through.
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
    let feed = Feed {
        posts: RwSignal::new(Vec::new()),
        next_before: RwSignal::new(next_before),
        loading: RwSignal::new(false),
        error: RwSignal::new(None),
    };
    let end = NodeRef::<Div>::new();
    when_visible(end, move || feed.load_more(), move || feed.posts.with(Vec::len));

    view! {
        // Posts are only ever appended, so the list is rendered by position
        // rather than keyed: the items already shown are kept as they are.
        {move || {
            feed.posts.with(|posts| {
                (!posts.is_empty())
                    .then(|| {
                        view! {
                            <ol class="posts">
                                {posts.iter().cloned().map(|post| view! { <PostItem post /> }).collect_view()}
                            </ol>
                        }
                    })
            })
        }}
        {move || feed.loading.get().then(|| view! { <p class="loading-more" aria-busy="true">"Loading more posts…"</p> })}
        {move || feed.error.get().map(|error| view! { <ErrorAlert error /> })}
        {move || {
            feed.next_before
                .get()
                .map(|before| {
                    view! {
                        <nav class="pager" aria-label="Pages">
                            <a href=format!("/?before={before}") rel="next">
                                "Older posts"
                            </a>
                        </nav>
                    }
                })
        }}
        <div class="feed-end" node_ref=end aria-hidden="true"></div>
    }
}

/// The posts appended and how to get more.
#[derive(Clone, Copy)]
struct Feed {
    posts: RwSignal<Vec<PostSummary>>,
    next_before: RwSignal<Option<i64>>,
    loading: RwSignal<bool>,
    error: RwSignal<Option<AppError>>,
}

impl Feed {
    /// Fetches the page after the last post shown and appends it, unless a
    /// fetch is under way or there is nothing more.
    fn load_more(self) {
        let (Some(false), Some(Some(before))) =
            (self.loading.try_get_untracked(), self.next_before.try_get_untracked())
        else {
            return;
        };
        self.loading.set(true);
        self.error.set(None);
        spawn_local(async move {
            match list_posts(Some(before)).await {
                Ok(page) => {
                    self.posts.try_update(|posts| {
                        // Ids only shrink down the list; anything else would
                        // be a duplicate.
                        let last = posts.last().map_or(before, |post| post.id);
                        posts.extend(page.posts.into_iter().filter(|post| post.id < last));
                    });
                    self.next_before.try_set(page.next_before);
                }
                Err(error) => {
                    self.error.try_set(Some(error));
                }
            }
            self.loading.try_set(false);
        });
    }
}

/// Calls `load` whenever `target` is in the viewport: when it scrolls into
/// view, and again each time `grown` changes while it is still in view (a
/// page that did not fill the screen). Browser only.
fn when_visible(target: NodeRef<Div>, load: impl Fn() + Clone + 'static, grown: impl Fn() -> usize + 'static) {
    Effect::new(move |_| {
        // A fresh observer per change of `grown`: a new observer reports
        // the current intersection at once.
        let _ = grown();
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
                    <a href=format!("/posts/{}", post.id)>{post.title}</a>
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
