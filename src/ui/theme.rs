//! The theme a visitor chose.
//!
//! The server renders it from the `theme` cookie as `data-theme` on `<html>`
//! (in `shell`), so the first paint is already right. Switching calls
//! `set_theme` and, with JavaScript, changes the attribute in place: no
//! navigation, so everything else on the page (text typed into a form) stays
//! as it was.

use leptos::{ev::MouseEvent, prelude::*, server_fn::ServerFn, task::spawn_local};

use crate::{
    api::preferences::{SetTheme, set_theme},
    domain::Theme,
    error::AppError,
    ui::{components::ErrorAlert, island::island_with_props},
};

/// The value of `data-theme` on `<html>` for the request being rendered.
#[cfg(feature = "ssr")]
pub fn theme_attribute() -> Option<&'static str> {
    crate::ui::bridge::theme().map(Theme::as_str)
}

/// Makes the page follow `theme` at once: the attribute on `<html>` that
/// the stylesheet reads.
fn apply(theme: Option<Theme>) {
    if let Some(html) = document().document_element() {
        let _ = match theme {
            Some(theme) => html.set_attribute("data-theme", theme.as_str()),
            None => html.remove_attribute("data-theme"),
        };
    }
}

island_with_props! {
    /// The header's theme controls: a button offering the other theme and, once
    /// one is chosen, "Use system theme". A plain form without JavaScript (the
    /// server answers with a 303 back to `return_to`); with it, the buttons call
    /// `set_theme` from their click handlers and the page switches in place.
    /// An island (`ui::island`).
    pub fn ThemeControls(
        /// The theme the page was rendered with (`None`: the system's).
        theme: Option<Theme>,
        /// The page to come back to after a plain form post.
        return_to: String,
    ) -> impl IntoView {
        theme_controls(theme, return_to)
    }
}

fn theme_controls(theme: Option<Theme>, return_to: String) -> impl IntoView {
    let chosen = RwSignal::new(theme);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let offered = move || chosen.get().map_or(Theme::Dark, Theme::other);
    // The buttons are disabled while a choice is on its way, so choices
    // never overlap.
    let choose = move |ev: MouseEvent, theme: &'static str| {
        ev.prevent_default();
        pending.set(true);
        error.set(None);
        spawn_local(async move {
            match set_theme(theme.to_owned(), None).await {
                Ok(theme) => {
                    chosen.try_set(theme);
                    apply(theme);
                }
                Err(failure) => {
                    error.try_set(Some(failure));
                }
            }
            pending.try_set(false);
        });
    };

    view! {
        <form
            class="theme-controls"
            aria-label="Theme"
            method="post"
            action=SetTheme::url()
            aria-busy=move || pending.get().to_string()
        >
            <input type="hidden" name="return_to" value=return_to />
            <button
                type="submit"
                name="theme"
                value=move || offered().as_str()
                disabled=pending
                on:click=move |ev| choose(ev, offered().as_str())
            >
                {move || match offered() {
                    Theme::Dark => "Dark theme",
                    Theme::Light => "Light theme",
                }}
            </button>
            {move || {
                chosen
                    .get()
                    .is_some()
                    .then(|| {
                        view! {
                            <button
                                type="submit"
                                name="theme"
                                value="system"
                                disabled=pending
                                on:click=move |ev| choose(ev, "system")
                            >
                                "Use system theme"
                            </button>
                        }
                    })
            }}
        </form>
        {move || error.get().map(|error| view! { <ErrorAlert error /> })}
    }
}
