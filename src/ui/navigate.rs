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
        if !call_script("bulletinNavigate", &JsValue::from_str(path), &message) {
            let _ = window.location().set_href(path);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (path, flash);
}

/// Calls `window[name](first, second)`, a function of the page's script;
/// false when there is none or it threw.
#[cfg(feature = "hydrate")]
fn call_script(name: &str, first: &wasm_bindgen::JsValue, second: &wasm_bindgen::JsValue) -> bool {
    use wasm_bindgen::{JsCast, JsValue};

    let Some(window) = web_sys::window() else {
        return false;
    };
    js_sys::Reflect::get(&window, &JsValue::from_str(name))
        .ok()
        .and_then(|value| value.dyn_into::<js_sys::Function>().ok())
        .is_some_and(|function| function.call2(&JsValue::NULL, first, second).is_ok())
}

/// The client of the server functions whose success leads to another page
/// (publish, save, delete): Leptos's browser client, asking the server to
/// answer with that page too (`wire::page`). When the answer is the page,
/// it goes to the page's script, which shows it when the island calls
/// [`go`] with its path, and the server function's own answer goes on to
/// the island's `ServerAction` as usual: one request where two were needed.
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
        client::{Client, browser::BrowserClient},
        error::{FromServerFnError, ServerFnErrorErr},
        request::browser::BrowserRequest,
        response::{ClientRes, browser::BrowserResponse},
    };
    use send_wrapper::SendWrapper;
    use wasm_bindgen::JsValue;

    use super::{PageClient, call_script};
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
            request.headers().set(page::ASK, "1");
            SendWrapper::new(async move {
                let response = <BrowserClient as Client<E, I, O>>::send(request).await?;
                let headers = response.generate_headers();
                let (Some(location), Some(answer)) = (
                    headers.get(page::LOCATION).and_then(|value| value.to_str().ok()),
                    headers.get(page::ANSWER).and_then(|value| value.to_str().ok()),
                ) else {
                    return Ok(Answer::AsSent(response));
                };
                let (location, answer) = (location.to_owned(), answer.to_owned());
                let html = ClientRes::<E>::try_into_string(response).await?;
                call_script("bulletinArrive", &JsValue::from_str(&location), &JsValue::from_str(&html));
                Ok(Answer::Carried(answer))
            })
        }

        fn open_websocket(
            path: &str,
        ) -> impl Future<
            Output = Result<
                (
                    impl futures::Stream<Item = Result<leptos::server_fn::Bytes, leptos::server_fn::Bytes>> + Send + 'static,
                    impl futures::Sink<leptos::server_fn::Bytes> + Send + 'static,
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

    /// A server function's answer: as the server sent it, or carried in a
    /// header beside the page that took its body.
    pub enum Answer {
        /// The response as it came.
        AsSent(BrowserResponse),
        /// The server function's answer, from `wire::page::ANSWER`.
        Carried(String),
    }

    impl<E: FromServerFnError> ClientRes<E> for Answer {
        fn try_into_string(self) -> impl Future<Output = Result<String, E>> + Send {
            SendWrapper::new(async move {
                match self {
                    Answer::AsSent(response) => ClientRes::<E>::try_into_string(response).await,
                    Answer::Carried(answer) => Ok(answer),
                }
            })
        }

        fn try_into_bytes(self) -> impl Future<Output = Result<leptos::server_fn::Bytes, E>> + Send {
            SendWrapper::new(async move {
                match self {
                    Answer::AsSent(response) => ClientRes::<E>::try_into_bytes(response).await,
                    Answer::Carried(answer) => Ok(answer.into()),
                }
            })
        }

        fn try_into_stream(
            self,
        ) -> Result<
            impl futures::Stream<Item = Result<leptos::server_fn::Bytes, leptos::server_fn::Bytes>> + Send + 'static,
            E,
        > {
            match self {
                Answer::AsSent(response) => ClientRes::<E>::try_into_stream(response),
                Answer::Carried(_) => {
                    Err(E::from_server_fn_error(ServerFnErrorErr::Response("a page's write does not stream".into())))
                }
            }
        }

        fn status(&self) -> u16 {
            match self {
                Answer::AsSent(response) => ClientRes::<E>::status(response),
                Answer::Carried(_) => 200,
            }
        }

        fn status_text(&self) -> String {
            match self {
                Answer::AsSent(response) => ClientRes::<E>::status_text(response),
                Answer::Carried(_) => "OK".into(),
            }
        }

        fn location(&self) -> String {
            match self {
                Answer::AsSent(response) => ClientRes::<E>::location(response),
                Answer::Carried(_) => String::new(),
            }
        }

        fn has_redirect(&self) -> bool {
            match self {
                Answer::AsSent(response) => ClientRes::<E>::has_redirect(response),
                Answer::Carried(_) => false,
            }
        }
    }
}
