//! The title and content fields that the new-post and edit forms share.

use leptos::{
    ev::MouseEvent,
    html::{Input, Textarea},
    prelude::*,
};

use crate::{
    domain::{PostFieldErrors, PostInput},
    error::AppError,
    ui::escape::escape_text,
};

/// What a post form's fields and its submit button share: the fields
/// themselves, and the verdict of the browser's own check of the last click.
#[derive(Clone, Copy)]
pub struct PostFormState {
    title_ref: NodeRef<Input>,
    content_ref: NodeRef<Textarea>,
    checked: RwSignal<Option<PostFieldErrors>>,
}

impl PostFormState {
    /// The state of a new form.
    pub fn new() -> Self {
        PostFormState { title_ref: NodeRef::new(), content_ref: NodeRef::new(), checked: RwSignal::new(None) }
    }

    /// The messages to show under the fields: the browser's check of the
    /// last click, else the server's last answer (`answer`), else those of
    /// the draft the server kept.
    pub fn errors<T>(
        self,
        answer: impl Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static,
        draft: PostFieldErrors,
    ) -> Signal<PostFieldErrors> {
        Signal::derive(move || {
            if let Some(errors) = self.checked.get() {
                return errors;
            }
            match answer() {
                Some(Err(AppError::Invalid(errors))) => errors,
                Some(_) => PostFieldErrors::default(),
                None => draft.clone(),
            }
        })
    }

    /// Checks the fields in the browser with the rules the server applies,
    /// before anything is sent. When something is wrong the submission is
    /// cancelled, the messages show at once, and the focus moves to the
    /// first field at fault.
    fn check(self, ev: &MouseEvent) {
        let found = match (self.title_ref.get_untracked(), self.content_ref.get_untracked()) {
            (Some(title), Some(content)) => {
                let errors = PostInput::parse(&title.value(), &content.value()).err();
                if let Some(errors) = &errors {
                    let _ = if errors.title.is_some() { title.focus() } else { content.focus() };
                }
                errors
            }
            _ => None,
        };
        if found.is_some() {
            ev.prevent_default();
        }
        self.checked.set(found);
    }
}

impl Default for PostFormState {
    fn default() -> Self {
        PostFormState::new()
    }
}

/// An error worth an alert in a form's answer: anything but field messages,
/// which show under their fields.
pub fn alert_of<T>(answer: Option<Result<T, AppError>>) -> Option<AppError> {
    match answer {
        Some(Err(AppError::Invalid(_))) | Some(Ok(_)) | None => None,
        Some(Err(error)) => Some(error),
    }
}

/// Labelled title and content fields, each with its message underneath
/// when it has one: linked by `aria-describedby` and marked `aria-invalid`,
/// so a screen reader reads the message with the field.
#[component]
pub fn PostFields(
    /// The form the fields belong to.
    form: PostFormState,
    /// The title the field starts with.
    title: String,
    /// The content the field starts with.
    content: String,
    /// The message for each field, if any.
    errors: Signal<PostFieldErrors>,
) -> impl IntoView {
    let title_error = move || errors.with(|errors| errors.title.clone());
    let content_error = move || errors.with(|errors| errors.content.clone());

    view! {
        <div class="field">
            <label for="post-title">"Title"</label>
            <input
                id="post-title"
                name="title"
                type="text"
                autocomplete="off"
                value=title
                node_ref=form.title_ref
                aria-invalid=move || title_error().map(|_| "true")
                aria-describedby=move || title_error().map(|_| "post-title-error")
            />
            {move || {
                title_error()
                    .map(|message| view! { <p id="post-title-error" class="field-error">{message}</p> })
            }}
        </div>
        <div class="field">
            <label for="post-content">"Content"</label>
            <textarea
                id="post-content"
                name="content"
                rows="12"
                node_ref=form.content_ref
                aria-invalid=move || content_error().map(|_| "true")
                aria-describedby=move || content_error().map(|_| "post-content-error")
                // Leptos writes a textarea's children into the HTML without
                // escaping them (as it does for <script>), so content holding
                // "</textarea>" could break out of the field. Escaped text as
                // inner HTML reads back as the same plain text on both sides.
                inner_html=escape_text(&content)
            ></textarea>
            {move || {
                content_error()
                    .map(|message| view! { <p id="post-content-error" class="field-error">{message}</p> })
            }}
        </div>
    }
}

/// A post form's submit button: checks the fields in the browser first,
/// is disabled while `busy`, and reads `pending_label` while its own action
/// is `pending`.
#[component]
pub fn SubmitPostButton(
    /// The form it submits.
    form: PostFormState,
    /// The label at rest ("Publish").
    label: &'static str,
    /// The label while its action is in flight ("Publishing…").
    pending_label: &'static str,
    /// Whether its own action is in flight.
    #[prop(into)]
    pending: Signal<bool>,
    /// Whether any action of the form is in flight.
    #[prop(into)]
    busy: Signal<bool>,
) -> impl IntoView {
    view! {
        <button type="submit" disabled=busy on:click=move |ev| form.check(&ev)>
            {move || if pending.get() { pending_label } else { label }}
        </button>
    }
}

/// A fresh random key for a form's hidden `submission` field. Made on the
/// server for a server-rendered form, in the browser for a form built there.
pub fn new_submission_key() -> String {
    #[cfg(feature = "ssr")]
    let key = uuid::Uuid::new_v4().to_string();
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    let key = web_sys::window().and_then(|window| window.crypto().ok()).map(|crypto| crypto.random_uuid());
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    let key = key.unwrap_or_default();
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let key = String::new();
    key
}
