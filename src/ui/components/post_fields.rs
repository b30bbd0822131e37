//! The fields that the new-post and edit forms share: title, content, and
//! the image with its description.

use leptos::{
    ev::MouseEvent,
    html::{Input, Textarea},
    prelude::*,
};

use crate::{
    api::posts::IMAGE_FIELD,
    domain::{
        PostFieldErrors,
        validation::{IMAGE_TYPES, image_size_message, parse_post_form},
    },
    error::AppError,
    ui::{escape::escape_text, upload::Upload},
};

/// What a post form's fields and its submit button share: the fields
/// themselves, what the form's image may be, and the verdict of the
/// browser's own check of the last click.
#[derive(Clone, Copy)]
pub struct PostFormState {
    title_ref: NodeRef<Input>,
    content_ref: NodeRef<Textarea>,
    image_ref: NodeRef<Input>,
    alt_ref: NodeRef<Input>,
    remove_ref: NodeRef<Input>,
    /// Whether the post has an image already (an edit form's).
    has_image: bool,
    /// The largest image the server accepts.
    max_image_bytes: u64,
    checked: RwSignal<Option<PostFieldErrors>>,
}

impl PostFormState {
    /// The state of a new form, for a post that has an image already
    /// (`has_image`) or not, which accepts images up to `max_image_bytes`.
    pub fn new(has_image: bool, max_image_bytes: u64) -> Self {
        PostFormState {
            title_ref: NodeRef::new(),
            content_ref: NodeRef::new(),
            image_ref: NodeRef::new(),
            alt_ref: NodeRef::new(),
            remove_ref: NodeRef::new(),
            has_image,
            max_image_bytes,
            checked: RwSignal::new(None),
        }
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
        let (Some(title), Some(content)) = (self.title_ref.get_untracked(), self.content_ref.get_untracked()) else {
            self.checked.set(None);
            return;
        };
        let alt = self.alt_ref.get_untracked().map(|alt| alt.value()).unwrap_or_default();
        let removing = self.remove_ref.get_untracked().is_some_and(|remove| remove.checked());
        let (has_file, file_error) = self.chosen_file();
        let has_image = has_file || (self.has_image && !removing);
        let mut errors = parse_post_form(&title.value(), &content.value(), &alt, has_image).err().unwrap_or_default();
        errors.image = file_error;
        if errors.is_empty() {
            self.checked.set(None);
            return;
        }
        ev.prevent_default();
        let _ = if errors.title.is_some() {
            title.focus()
        } else if errors.content.is_some() {
            content.focus()
        } else if let (Some(_), Some(image)) = (&errors.image, self.image_ref.get_untracked()) {
            image.focus()
        } else {
            self.alt_ref.get_untracked().map_or(Ok(()), |alt| alt.focus())
        };
        self.checked.set(Some(errors));
    }

    /// Whether a file is chosen, and what is wrong with it by what the
    /// browser says of it (its type and size), in the server's words.
    #[cfg(feature = "hydrate")]
    fn chosen_file(self) -> (bool, Option<String>) {
        use crate::domain::validation::check_image_file;

        let file = self.image_ref.get_untracked().and_then(|input| input.files()).and_then(|files| files.get(0));
        match file {
            Some(file) => (true, check_image_file(&file.type_(), file.size() as u64, self.max_image_bytes).err()),
            None => (false, None),
        }
    }

    /// Whether a file is chosen: never, outside a browser.
    #[cfg(not(feature = "hydrate"))]
    fn chosen_file(self) -> (bool, Option<String>) {
        (false, None)
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

/// The image fields: the file (a new one replaces the post's), a box to
/// drop the post's image when it has one, and the description, each with
/// its message underneath. The post's image itself is shown by the page,
/// above the form.
#[component]
pub fn ImageFields(
    /// The form the fields belong to.
    form: PostFormState,
    /// The description the field starts with.
    alt: String,
    /// The message for each field, if any.
    errors: Signal<PostFieldErrors>,
) -> impl IntoView {
    let image_error = move || errors.with(|errors| errors.image.clone());
    let alt_error = move || errors.with(|errors| errors.image_alt.clone());
    let described = |hint: &'static str, error: &'static str, failed: bool| {
        if failed { format!("{hint} {error}") } else { hint.to_owned() }
    };
    let has_image = form.has_image;
    view! {
        <fieldset class="image-fields">
            <legend>"Image (optional)"</legend>
            {has_image
                .then(|| {
                    view! {
                        <label class="check">
                            <input type="checkbox" name="remove_image" value="on" node_ref=form.remove_ref />
                            "Remove the image"
                        </label>
                    }
                })}
            <div class="field">
                <label for="post-image">{if has_image { "Replace it with" } else { "Image file" }}</label>
                <input
                    id="post-image"
                    name=IMAGE_FIELD
                    type="file"
                    accept=IMAGE_TYPES.join(",")
                    node_ref=form.image_ref
                    aria-invalid=move || image_error().map(|_| "true")
                    aria-describedby=move || described("post-image-hint", "post-image-error", image_error().is_some())
                />
                <p id="post-image-hint" class="hint">
                    {format!(
                        "PNG, JPEG, WebP or GIF, {}. Its location and other metadata are removed.",
                        image_size_message(form.max_image_bytes).trim_start_matches("The image must be "),
                    )}
                </p>
                {move || {
                    image_error().map(|message| view! { <p id="post-image-error" class="field-error">{message}</p> })
                }}
            </div>
            <div class="field">
                <label for="post-image-alt">"Image description"</label>
                <input
                    id="post-image-alt"
                    name="image_alt"
                    type="text"
                    autocomplete="off"
                    value=alt
                    node_ref=form.alt_ref
                    aria-invalid=move || alt_error().map(|_| "true")
                    aria-describedby=move || described("post-image-alt-hint", "post-image-alt-error", alt_error().is_some())
                />
                <p id="post-image-alt-hint" class="hint">
                    "Required with an image: what it shows, for people who cannot see it."
                </p>
                {move || {
                    alt_error().map(|message| view! { <p id="post-image-alt-error" class="field-error">{message}</p> })
                }}
            </div>
        </fieldset>
    }
}

/// The progress of a form's upload while its file is on its way, with a
/// button that cancels it; and, once cancelled, a line that says so.
#[component]
pub fn UploadProgress(
    /// The form's sending.
    upload: Upload,
) -> impl IntoView {
    let progress = upload.progress();
    // Drawn when an upload starts and gone when it ends, not at every
    // percent: the Cancel button keeps its focus meanwhile.
    let uploading = Memo::new(move |_| progress.with(Option::is_some));
    let percent = move || progress.get().unwrap_or(0);
    let all_sent = Memo::new(move |_| percent() >= 100);
    view! {
        {move || {
            uploading
                .get()
                .then(|| {
                    view! {
                        <div class="upload-progress">
                            <label for="upload-progress">
                                {move || if percent() < 100 { "Uploading the image" } else { "Preparing the image" }}
                            </label>
                            <progress id="upload-progress" max="100" value=percent>
                                {move || format!("{}%", percent())}
                            </progress>
                            <span class="upload-percent" aria-hidden="true">
                                {move || format!("{}%", percent())}
                            </span>
                            // Once the whole file has gone, the server may be
                            // writing the post: too late to call it back.
                            <button
                                type="button"
                                class="secondary"
                                hidden=all_sent
                                on:click=move |_| upload.cancel()
                            >
                                "Cancel upload"
                            </button>
                        </div>
                    }
                })
        }}
        {move || {
            upload
                .cancelled()
                .get()
                .then(|| view! { <p class="upload-cancelled" role="status">"Upload cancelled."</p> })
        }}
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
