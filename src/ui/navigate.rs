//! Going to another page from an island, after a write.

use crate::domain::Flash;

/// Shows the page at `path`, with `flash` in its message region, the way a
/// click on a link would: through the page's navigation (`client.js`), which
/// shows the page the write's answer brought ([`PageClient`]) or else
/// fetches the server's HTML, and swaps it in. Should that script be
/// missing, the browser loads the page instead. Browser only.
pub fn go(path: &str, flash: Option<Flash>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;

        let Some(window) = web_sys::window() else {
            return;
        };
        let message = flash.map_or(JsValue::NULL, |flash| JsValue::from_str(flash.message()));
        if !call_script("bulletinNavigate", &[&JsValue::from_str(path), &message]) {
            let _ = window.location().set_href(path);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (path, flash);
}

/// Hands the page's script the page at `location` that a write's answer
/// brought (`html`, with its `Server-Timing`), for the island's [`go`]
/// right after. Browser only.
#[cfg(feature = "hydrate")]
pub(crate) fn arrive(location: &str, html: &str, timing: &wasm_bindgen::JsValue) {
    use wasm_bindgen::JsValue;

    call_script("bulletinArrive", &[&JsValue::from_str(location), &JsValue::from_str(html), timing]);
}

/// Calls `window[name](...arguments)`, a function of the page's script;
/// false when there is none or it threw.
#[cfg(feature = "hydrate")]
fn call_script(name: &str, arguments: &[&wasm_bindgen::JsValue]) -> bool {
    use wasm_bindgen::{JsCast, JsValue};

    let Some(window) = web_sys::window() else {
        return false;
    };
    js_sys::Reflect::get(&window, &JsValue::from_str(name))
        .ok()
        .and_then(|value| value.dyn_into::<js_sys::Function>().ok())
        .is_some_and(|function| {
            let arguments: js_sys::Array = arguments.iter().copied().collect();
            function.apply(&JsValue::NULL, &arguments).is_ok()
        })
}

/// The client of the server functions whose success leads to another page
/// (publish, save, delete). It sends the request Leptos built, as
/// Leptos's browser client would, with one more header asking the server to
/// answer with that page too (`wire::page`). When the answer is the page, it
/// goes to the page's script, which shows it when the island calls [`go`]
/// with its path, and the server function's own answer goes on to the
/// island's `ServerAction` as usual: one request where two were needed.
///
/// It reads the few headers it needs itself rather than through Leptos's
/// `BrowserResponse`, whose only way to a header builds a whole `HeaderMap`
/// (8 KB more of client, brotli'd). Unlike Leptos's client it does not
/// abort the request when the action's future is dropped: a write once sent
/// is let finish, and its answer's cookies kept.
///
/// On the server nothing is ever sent through it: it is Leptos's client.
#[cfg(not(feature = "hydrate"))]
pub type PageClient = leptos::server_fn::client::browser::BrowserClient;

/// See the server's declaration.
#[cfg(feature = "hydrate")]
pub struct PageClient;

#[cfg(feature = "hydrate")]
mod page_client {
    use std::future::Future;

    use leptos::server_fn::{
        Bytes,
        client::{Client, browser::BrowserClient},
        error::{FromServerFnError, ServerFnErrorErr},
        redirect::REDIRECT_HEADER,
        request::browser::BrowserRequest,
        response::ClientRes,
    };
    use send_wrapper::SendWrapper;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::PageClient;
    use crate::wire::page;

    impl<E, I, O> Client<E, I, O> for PageClient
    where
        E: FromServerFnError,
        I: FromServerFnError,
        O: FromServerFnError,
    {
        type Request = BrowserRequest;
        type Response = Answer;

        fn send(request: BrowserRequest) -> impl Future<Output = Result<Answer, E>> + Send {
            SendWrapper::new(async move {
                send(request).await.map_err(|cause| E::from_server_fn_error(ServerFnErrorErr::Request(cause)))
            })
        }

        fn open_websocket(
            path: &str,
        ) -> impl Future<
            Output = Result<
                (
                    impl futures::Stream<Item = Result<Bytes, Bytes>> + Send + 'static,
                    impl futures::Sink<Bytes> + Send + 'static,
                ),
                E,
            >,
        > + Send {
            <BrowserClient as Client<E, I, O>>::open_websocket(path)
        }

        fn spawn(future: impl Future<Output = ()> + Send + 'static) {
            <BrowserClient as Client<E, I, O>>::spawn(future)
        }
    }

    /// Sends `request` with `fetch`, asking for the page, and reads the
    /// answer whole. Not generic, so the client holds it once.
    async fn send(request: BrowserRequest) -> Result<Answer, String> {
        let failed = |error: JsValue| format!("{error:?}");
        let body = request.text().await.map_err(|error| error.to_string())?;
        let headers = request.headers().into_raw();
        headers.set(page::ASK, "1").map_err(failed)?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&JsValue::from_str(&body));
        let window = web_sys::window().ok_or("no window")?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&request.url(), &init))
            .await
            .map_err(failed)?
            .unchecked_into();
        let header = |name: &str| response.headers().get(name).ok().flatten();
        let text =
            JsFuture::from(response.text().map_err(failed)?).await.map_err(failed)?.as_string().unwrap_or_default();
        if let (200, Some(location), Some(answer)) = (response.status(), header(page::LOCATION), header(page::ANSWER)) {
            // The page's feed position too, where its live updates start.
            let position = header("server-timing").map_or(JsValue::NULL, |timing| JsValue::from_str(&timing));
            super::arrive(&location, &text, &position);
            return Ok(Answer {
                status: 200,
                status_text: "OK".into(),
                location: String::new(),
                redirect: false,
                body: answer,
            });
        }
        Ok(Answer {
            status: response.status(),
            status_text: response.status_text(),
            location: header("location").unwrap_or_else(|| response.url()),
            redirect: header(REDIRECT_HEADER).is_some(),
            body: text,
        })
    }

    /// A server function's answer, read whole: as the server sent it, or
    /// with the body from `wire::page::ANSWER` when the page took the body.
    pub struct Answer {
        status: u16,
        status_text: String,
        location: String,
        redirect: bool,
        body: String,
    }

    impl<E: FromServerFnError> ClientRes<E> for Answer {
        async fn try_into_string(self) -> Result<String, E> {
            Ok(self.body)
        }

        async fn try_into_bytes(self) -> Result<Bytes, E> {
            Ok(self.body.into())
        }

        fn try_into_stream(self) -> Result<impl futures::Stream<Item = Result<Bytes, Bytes>> + Send + 'static, E> {
            Ok(futures::stream::iter([Ok(Bytes::from(self.body))]))
        }

        fn status(&self) -> u16 {
            self.status
        }

        fn status_text(&self) -> String {
            self.status_text.clone()
        }

        fn location(&self) -> String {
            self.location.clone()
        }

        fn has_redirect(&self) -> bool {
            self.redirect
        }
    }
}
