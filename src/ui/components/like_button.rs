//! The Like button on a post's page.

use leptos::{prelude::*, server_fn::ServerFn, task::spawn_local};

use crate::{
    api::posts::{SetLike, set_like},
    domain::{Count, LikeState},
    error::AppError,
    ui::{
        components::ErrorAlert,
        island::island_with_props,
        live::{LiveCounts, on_live_counts},
        shortcuts::use_shortcut,
    },
};

island_with_props! {
    /// A toggle (`aria-pressed`) and the count "N likes".
    ///
    /// With JavaScript a click (or the `l` key) changes the pressed state and
    /// the count at once, then tells the server. Requests never overlap: one at
    /// a time carries the latest wish, and when it returns, another goes if the
    /// wish changed meanwhile, so fast clicks end in the state of the last one
    /// and no stale answer overwrites a newer wish. A failure puts back what the
    /// server last confirmed and says so in an alert. Without JavaScript the
    /// button submits a small form and the server answers with a 303 back here.
    ///
    /// Other visitors' likes arrive through the live stream (`ui::live`) and
    /// move the count, never over this visitor's own pending wish.
    ///
    /// An island (`ui::island`): the only part of a post's page, with the view
    /// count, that runs in the browser. The next page the visitor opens is
    /// rendered after the like was answered, so it shows it.
    pub fn LikeButton(
        /// The post.
        id: i64,
        /// The state the page was rendered with.
        initial: LikeState,
    ) -> impl IntoView {
        like_button(id, initial)
    }
}

fn like_button(id: i64, initial: LikeState) -> impl IntoView {
    let sync = LikeSync {
        id,
        wanted: RwSignal::new(initial.liked),
        confirmed: RwSignal::new(initial),
        in_flight: RwSignal::new(false),
        error: RwSignal::new(None),
    };
    let form = NodeRef::<leptos::html::Form>::new();
    let mounted = move || form.get_untracked().is_some_and(|form| form.is_connected());
    use_shortcut("l", mounted, move || sync.toggle());
    on_live_counts(id, mounted, move |counts| sync.live(counts));
    let wanted = sync.wanted;

    view! {
        <form
            node_ref=form
            class="like-form"
            aria-label="Likes"
            method="post"
            action=SetLike::url()
            aria-busy=move || sync.in_flight.get().to_string()
        >
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="liked" value=move || (!wanted.get()).to_string() />
            <button
                type="submit"
                class="like"
                aria-pressed=move || wanted.get().to_string()
                on:click=move |ev| {
                    ev.prevent_default();
                    sync.toggle();
                }
            >
                "Like"
            </button>
            <span class="likes">{move || format!("{} likes", sync.shown_count())}</span>
        </form>
        {move || sync.error.get().map(|error| view! { <ErrorAlert error /> })}
    }
}

/// The state behind a Like button: what the visitor wants, what the server
/// last confirmed, and whether a request is on its way.
#[derive(Clone, Copy)]
struct LikeSync {
    id: i64,
    wanted: RwSignal<bool>,
    confirmed: RwSignal<LikeState>,
    in_flight: RwSignal<bool>,
    error: RwSignal<Option<AppError>>,
}

impl LikeSync {
    /// The count to show: the confirmed one, adjusted in the browser by
    /// the wish not yet confirmed. The server renders no wish: it prints
    /// the confirmed count whole, which may be a kept page's hole
    /// ([`Count`]).
    fn shown_count(self) -> Count {
        let confirmed = self.confirmed.get();
        #[cfg(not(feature = "ssr"))]
        match (self.wanted.get(), confirmed.liked) {
            (true, false) => return confirmed.like_count.moved_by(1),
            (false, true) => return confirmed.like_count.moved_by(-1),
            _ => {}
        }
        confirmed.like_count
    }

    /// Another visitor's like, or unlike, from the live stream. The count
    /// follows unless this visitor's own wish is pending (it would be
    /// overwritten by a count from before it) or the count is older than
    /// the one the server last confirmed to this visitor.
    fn live(self, counts: LiveCounts) {
        let (Some(false), Some(wanted)) = (self.in_flight.try_get_untracked(), self.wanted.try_get_untracked()) else {
            return;
        };
        self.confirmed.update(|confirmed| {
            if wanted == confirmed.liked && counts.at >= confirmed.at {
                confirmed.like_count = Count::from(counts.likes);
                confirmed.at = counts.at;
            }
        });
    }

    fn toggle(self) {
        self.wanted.update(|wanted| *wanted = !*wanted);
        self.error.set(None);
        self.send();
    }

    /// Sends the current wish if none is on its way and it differs from
    /// what the server confirmed. The signals may be gone by the time an
    /// answer comes (the page was left), hence the `try_` calls.
    fn send(self) {
        let (Some(false), Some(wanted), Some(confirmed)) =
            (self.in_flight.try_get_untracked(), self.wanted.try_get_untracked(), self.confirmed.try_get_untracked())
        else {
            return;
        };
        if wanted == confirmed.liked {
            return;
        }
        self.in_flight.set(true);
        spawn_local(async move {
            let answer = set_like(self.id, wanted).await;
            self.in_flight.try_set(false);
            match answer {
                Ok(state) => {
                    self.confirmed.try_set(state);
                    self.send();
                }
                Err(error) => {
                    if let Some(confirmed) = self.confirmed.try_get_untracked() {
                        self.wanted.try_set(confirmed.liked);
                    }
                    self.error.try_set(Some(error));
                }
            }
        });
    }
}
