//! Sending a post form from its island, file and all, with the upload's
//! progress and a way to cancel it.
//!
//! The form is sent as the browser would send it without JavaScript (its
//! own `FormData`, `multipart/form-data`) to the same server function, with
//! `XMLHttpRequest` rather than `fetch`, which cannot report how much of a
//! body has gone. Like [`PageClient`](super::navigate::PageClient) it asks
//! for the page the write leads to (`wire::page`), so publishing or saving
//! with an image is one request too, and hands that page to the page's
//! script. Leptos's `ActionForm` cannot send a file (its actions encode
//! their arguments), so the post forms use this instead.

use leptos::prelude::*;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// One form's sending: whether it is under way, how much of its file has
/// gone, and the server function's last answer.
#[derive(Clone, Copy)]
pub struct Upload {
    pending: RwSignal<bool>,
    /// The share of the body sent, in percent, while a form with a file is
    /// on its way; `None` otherwise.
    progress: RwSignal<Option<u32>>,
    /// The last answer: the function's JSON, or its error.
    answer: RwSignal<Option<Result<String, AppError>>>,
    /// Whether the last sending was cancelled.
    cancelled: RwSignal<bool>,
    #[cfg(feature = "hydrate")]
    request: StoredValue<Option<web_sys::XmlHttpRequest>, LocalStorage>,
}

impl Upload {
    /// A form's sending, before anything was sent.
    pub fn new() -> Self {
        Upload {
            pending: RwSignal::new(false),
            progress: RwSignal::new(None),
            answer: RwSignal::new(None),
            cancelled: RwSignal::new(false),
            #[cfg(feature = "hydrate")]
            request: StoredValue::new_local(None),
        }
    }

    /// Whether the form is on its way.
    pub fn pending(self) -> Signal<bool> {
        self.pending.into()
    }

    /// The share of the file sent, in percent, while one is on its way.
    pub fn progress(self) -> Signal<Option<u32>> {
        self.progress.into()
    }

    /// Whether the last sending was cancelled (and nothing was written).
    pub fn cancelled(self) -> Signal<bool> {
        self.cancelled.into()
    }

    /// The server function's last answer, read as a `T`.
    pub fn value<T: DeserializeOwned>(self) -> Option<Result<T, AppError>> {
        self.answer
            .get()
            .map(|answer| answer.and_then(|json| crate::wire::from_str(&json).map_err(|_| AppError::Network)))
    }

    /// Stops the form on its way. Whether the server had already written
    /// it cannot be known: its answer is dropped, and the page says what
    /// was cancelled.
    pub fn cancel(self) {
        self.cancelled.set(true);
        #[cfg(feature = "hydrate")]
        self.request.with_value(|request| {
            if let Some(request) = request {
                let _ = request.abort();
            }
        });
    }

    /// A form's submit handler: sends the form this way rather than let the
    /// browser post it, unless a sending is under way already.
    pub fn submit(self, ev: leptos::ev::SubmitEvent) {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        if !self.pending.get_untracked() {
            use wasm_bindgen::JsCast;

            if let Some(form) = ev.target().and_then(|target| target.dyn_into::<web_sys::HtmlFormElement>().ok()) {
                self.send(&form, ev.submitter().and_then(|button| button.dyn_into().ok()));
            }
        }
    }

    /// Sends `form` (the submit button `submitter` may name another action)
    /// to its action. Browser only.
    #[cfg(feature = "hydrate")]
    pub fn send(self, form: &web_sys::HtmlFormElement, submitter: Option<web_sys::HtmlElement>) {
        if let Err(error) = self.try_send(form, submitter) {
            web_sys::console::error_1(&error);
            self.answer.set(Some(Err(AppError::Network)));
            self.pending.set(false);
        }
    }

    #[cfg(feature = "hydrate")]
    fn try_send(
        self,
        form: &web_sys::HtmlFormElement,
        submitter: Option<web_sys::HtmlElement>,
    ) -> Result<(), wasm_bindgen::JsValue> {
        use wasm_bindgen::{JsCast, closure::Closure};
        use web_sys::{File, FormData, XmlHttpRequest};

        let body = FormData::new_with_form(form)?;
        let action = submitter.and_then(|button| button.get_attribute("formaction")).unwrap_or_else(|| form.action());
        let has_file = body.get(crate::api::posts::IMAGE_FIELD).dyn_into::<File>().is_ok_and(|file| file.size() > 0.0);
        let request = XmlHttpRequest::new()?;
        request.open("POST", &action)?;
        request.set_request_header("Accept", "application/json")?;
        request.set_request_header(crate::wire::page::ASK, "1")?;
        self.pending.set(true);
        self.cancelled.set(false);
        self.progress.set(has_file.then_some(0));
        let progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |event: web_sys::ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                self.progress.set(Some((event.loaded() / event.total() * 100.0).floor() as u32));
            }
        });
        if has_file {
            request.upload()?.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        }
        // Called once, whatever the end (answered, failed, cancelled), and
        // then freed.
        let sent = request.clone();
        let finished = Closure::once_into_js(move || {
            if let Ok(upload) = sent.upload() {
                upload.set_onprogress(None);
            }
            drop(progress);
            self.request.set_value(None);
            self.progress.set(None);
            self.pending.set(false);
            if !self.cancelled.get_untracked() {
                self.answer.set(Some(answer_of(&sent)));
            }
        });
        request.set_onloadend(Some(finished.unchecked_ref()));
        request.send_with_opt_form_data(Some(&body))?;
        self.request.set_value(Some(request));
        Ok(())
    }
}

impl Default for Upload {
    fn default() -> Self {
        Upload::new()
    }
}

/// What a finished request answered: the function's JSON on success (from
/// the page's header when the page came with it, handed to the page's
/// script), its error otherwise.
#[cfg(feature = "hydrate")]
fn answer_of(request: &web_sys::XmlHttpRequest) -> Result<String, AppError> {
    use wasm_bindgen::JsValue;

    use crate::wire::page;

    let status = request.status().unwrap_or(0);
    if status == 0 {
        // Cut off before any answer.
        return Err(AppError::Network);
    }
    let header = |name: &str| request.get_response_header(name).ok().flatten();
    let text = request.response_text().ok().flatten().unwrap_or_default();
    if let (200, Some(location), Some(answer)) = (status, header(page::LOCATION), header(page::ANSWER)) {
        let position = header("server-timing").map_or(JsValue::NULL, |timing| JsValue::from_str(&timing));
        super::navigate::arrive(&location, &text, &position);
        return Ok(answer);
    }
    if (200..300).contains(&status) {
        return Ok(text);
    }
    Err(crate::wire::from_str::<AppError>(&text).unwrap_or(match status {
        413 => AppError::PayloadTooLarge,
        503 => AppError::Unavailable,
        _ => AppError::Network,
    }))
}
