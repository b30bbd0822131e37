//! The theme a visitor chose, as the page knows it.
//!
//! The server renders it from the `theme` cookie as `data-theme` on `<html>`
//! (in `shell`), so the first paint is already right, and carries it into
//! hydration for the header's controls. Switching calls `set_theme` and, with
//! JavaScript, changes the attribute in place: no reload, so everything else
//! on the page (text typed into a form) stays as it was.

use leptos::{ev::MouseEvent, prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_location;

use crate::{api::preferences::SetTheme, domain::Theme, ui::components::ErrorAlert};

/// The theme in force (`None`: the system's), provided once by `App`.
#[derive(Clone, Copy)]
pub struct ThemeChoice(RwSignal<Option<Theme>>);

impl ThemeChoice {
    /// Creates the state from the theme the server rendered and provides it.
    pub fn provide() -> Self {
        let initial = SharedValue::new(crate::ui::bridge::theme).into_inner();
        let choice = ThemeChoice(RwSignal::new(initial));
        provide_context(choice);
        choice
    }

    /// The state `App` provided.
    pub fn expect() -> Self {
        expect_context::<ThemeChoice>()
    }

    /// Applies `theme` to the page at once: the signal, and the attribute on
    /// `<html>` that the stylesheet follows.
    fn apply(self, theme: Option<Theme>) {
        self.0.set(theme);
        if let Some(html) = document().document_element() {
            let _ = match theme {
                Some(theme) => html.set_attribute("data-theme", theme.as_str()),
                None => html.remove_attribute("data-theme"),
            };
        }
    }
}

/// The value of `data-theme` on `<html>` for the request being rendered.
pub fn theme_attribute() -> Option<&'static str> {
    crate::ui::bridge::theme().map(Theme::as_str)
}

/// The header's theme controls: a button offering the other theme and, once
/// one is chosen, "Use system theme". A plain form without JavaScript (the
/// server answers with a 303 back to this page); with it, the buttons call
/// `set_theme` from their click handlers and the page switches in place.
#[component]
pub fn ThemeControls() -> impl IntoView {
    let choice = ThemeChoice::expect();
    let action = ServerAction::<SetTheme>::new();
    let pending = action.pending();
    Effect::new(move |_| {
        if let Some(Ok(theme)) = action.value().get() {
            choice.apply(theme);
        }
    });
    let error = move || match action.value().get() {
        Some(Err(error)) => Some(error),
        _ => None,
    };
    let location = use_location();
    let return_to = move || {
        let search = location.search.get();
        if search.is_empty() { location.pathname.get() } else { format!("{}?{search}", location.pathname.get()) }
    };
    let offered = move || choice.0.get().map_or(Theme::Dark, Theme::other);
    let choose = move |ev: MouseEvent, theme: &str| {
        ev.prevent_default();
        action.dispatch(SetTheme { theme: theme.to_owned(), return_to: None });
    };

    view! {
        <form
            class="theme-controls"
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
                choice
                    .0
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
        {move || error().map(|error| view! { <ErrorAlert error /> })}
    }
}
