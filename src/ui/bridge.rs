//! The one place where UI code asks the server for what a render starts
//! from: the status of the response, the flash, the draft and the theme of
//! the request being rendered, and the largest image a form may carry.
//!
//! On the server each reads the request (or sets the response) through the
//! server module. Only pages, which render on the server alone, call them;
//! an island that needs one of these values gets it as a prop. In the
//! browser they give nothing.

use crate::domain::{Flash, PostDraft, Theme};
#[cfg(feature = "ssr")]
use crate::server::{caller, plain_form};

/// Makes the response being rendered carry `status` (a page whose data could
/// not be read is not a 200). Does nothing in the browser.
pub fn set_status(status: u16) {
    #[cfg(feature = "ssr")]
    caller::set_page_status(status);
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

/// The flash a redirect left for the page being rendered, if any.
pub fn flash() -> Option<Flash> {
    #[cfg(feature = "ssr")]
    return plain_form::flash_for_page();
    #[cfg(not(feature = "ssr"))]
    None
}

/// The draft a rejected plain-form post left for the form on `page`, if any.
pub fn draft(page: &str) -> Option<PostDraft> {
    #[cfg(feature = "ssr")]
    return plain_form::draft_for_page(page);
    #[cfg(not(feature = "ssr"))]
    {
        let _ = page;
        None
    }
}

/// The largest image a post form may carry, in bytes: the server's
/// setting, which the form's island gets as a prop. 0 in the browser.
pub fn max_image_bytes() -> u64 {
    #[cfg(feature = "ssr")]
    return caller::max_upload_bytes_for_page() as u64;
    #[cfg(not(feature = "ssr"))]
    0
}

/// The theme the visitor chose, from the request's cookie.
pub fn theme() -> Option<Theme> {
    #[cfg(feature = "ssr")]
    return caller::theme_for_page();
    #[cfg(not(feature = "ssr"))]
    None
}
