//! Showing an error that is not the user's fault.

use leptos::prelude::*;

use crate::error::AppError;

/// Announces `error` to assistive technology (`role="alert"`) and shows it.
/// The text is the error's user-facing message, never an internal cause.
#[component]
pub fn ErrorAlert(error: AppError) -> impl IntoView {
    view! {
        <p class="alert" role="alert">
            {error.to_string()}
        </p>
    }
}
