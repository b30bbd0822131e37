//! A page-sized error, with the status to match.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{ErrorAlert, NotFound};
use crate::error::AppError;

/// Rendered on the server, makes the response carry `error`'s status: a
/// page whose data could not be read is not a 200 (nor kept by the list
/// page cache, which keeps only 200s). Does nothing in the browser.
pub fn answer_with_status_of(error: &AppError) {
    crate::ui::bridge::set_status(error.status_code());
}

/// Shows `error` as the whole page: the 404 page for `NotFound`, else a
/// heading and the error's message. Rendered on the server, the response
/// carries the error's status.
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    if error == AppError::NotFound {
        return view! { <NotFound /> }.into_any();
    }
    answer_with_status_of(&error);
    let heading = match error {
        AppError::Forbidden => "Not allowed",
        _ => "Something went wrong",
    };
    view! {
        <Title text=heading />
        <h1>{heading}</h1>
        <ErrorAlert error />
        <p>
            <a href="/">"Back to the latest posts"</a>
        </p>
    }
    .into_any()
}
