//! The reader against serde_json: whatever serde_json writes for a value
//! that crosses, the reader reads back as that value.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::*;
use crate::{
    domain::{
        Count, Flash, LikeState, PostDetail, PostDraft, PostFieldErrors, PostImage, PostPage, PostSummary, Theme,
    },
    error::AppError,
};

/// Text that needs every kind of escape, and characters outside the
/// basic plane (written as themselves by serde_json, but accepted as
/// surrogate pairs too).
const AWKWARD: &str = "\"quoted\" \\ back / slash\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f} é ✓ 🦀 </script>";

/// serde_json writes `value`; `json` reads it back as the same value,
/// compact or pretty-printed.
fn crosses<T: Serialize + DeserializeOwned + PartialEq + Clone + std::fmt::Debug>(value: T) {
    let written = serde_json::to_string(&value).unwrap();
    assert_eq!(from_str::<T>(&written), Ok(value.clone()) as Result<T>, "reading {written}");
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    assert_eq!(from_str::<T>(&pretty), Ok(value) as Result<T>, "reading {pretty}");
}

fn summary(id: i64, title: &str) -> PostSummary {
    PostSummary {
        id,
        title: title.into(),
        excerpt: AWKWARD.into(),
        like_count: Count::from(i64::MAX),
        view_count: Count::from(0),
        image: (id % 2 == 0).then(|| PostImage {
            name: format!("{id:032x}.png"),
            thumb: format!("{:032x}.jpg", id + 1),
            alt: AWKWARD.into(),
            width: 240,
            height: 1,
        }),
    }
}

#[test]
fn every_answer_a_server_function_gives_crosses_unchanged() {
    crosses(LikeState { liked: true, like_count: Count::from(42), at: 9_007_199_254_740_993 });
    crosses(LikeState { liked: false, like_count: Count::from(-1), at: 0 });
    crosses(7_i64);
    crosses(i64::MIN);
    crosses(Some(Theme::Dark));
    crosses(None::<Theme>);
    crosses(PostPage { posts: vec![summary(3, AWKWARD), summary(2, ""), summary(1, "plain")], next_before: Some(1) });
    crosses(PostPage { posts: Vec::new(), next_before: None });
    crosses(PostDetail {
        id: 9,
        title: AWKWARD.into(),
        content: "line one\n\nline two".into(),
        like_count: Count::from(1),
        view_count: Count::from(2),
        liked: true,
        is_author: false,
        image: Some(PostImage {
            name: "0123abcd.jpg".into(),
            thumb: "4567ef.jpg".into(),
            alt: AWKWARD.into(),
            width: 1600,
            height: u32::MAX,
        }),
    });
    crosses(PostDraft {
        title: AWKWARD.into(),
        content: String::new(),
        image_alt: AWKWARD.into(),
        errors: PostFieldErrors {
            title: Some("Title is required".into()),
            image: Some("The image must be at most 8 MiB".into()),
            ..Default::default()
        },
        alert: Some(AppError::TooManyRequests { retry_after_secs: 3 }),
    });
    crosses(Flash::Published);
    crosses(());
}

#[test]
fn every_error_crosses_unchanged() {
    for error in [
        AppError::BadRequest(AWKWARD.into()),
        AppError::Invalid(PostFieldErrors {
            title: None,
            content: Some("Content is required".into()),
            ..Default::default()
        }),
        AppError::Forbidden,
        AppError::NotFound,
        AppError::Conflict,
        AppError::PayloadTooLarge,
        AppError::UnsupportedMediaType,
        AppError::RequestTimeout,
        AppError::TooManyRequests { retry_after_secs: u64::MAX },
        AppError::Unavailable,
        AppError::Internal { reference: "0f3a".into() },
        AppError::Network,
    ] {
        crosses(error);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Shapes {
    Pair(i8, u16),
    Chars(Vec<char>),
}

#[test]
fn tuple_variants_and_small_integers_cross_and_out_of_range_ones_are_refused() {
    crosses(Shapes::Pair(-128, 65535));
    crosses(Shapes::Chars(vec!['a', '"', '🦀']));
    assert_eq!(from_str::<Shapes>(r#"{"Pair":[128,0]}"#), Err(Error));
    assert_eq!(from_str::<u8>("-1"), Err(Error));
    assert_eq!(from_str::<i64>("9223372036854775808"), Err(Error));
    assert_eq!(from_str::<i64>("-9223372036854775808"), Ok(i64::MIN));
    assert_eq!(from_str::<u64>("18446744073709551616"), Err(Error));
}

#[test]
fn surrogate_pairs_are_read_and_lone_surrogates_refused() {
    assert_eq!(from_str::<String>(r#""\ud83e\udd80 \u00e9\u0041""#).as_deref(), Ok("🦀 éA"));
    assert_eq!(from_str::<String>(r#""\ud83e""#), Err(Error));
    assert_eq!(from_str::<String>(r#""\ud83e\u0041""#), Err(Error));
    assert_eq!(from_str::<String>(r#""\udd80""#), Err(Error));
    assert_eq!(from_str::<String>(r#""\u12""#), Err(Error));
}

#[test]
fn malformed_text_is_refused_rather_than_misread() {
    for text in [
        "",
        " ",
        r#"{"liked":true,"like_count":1"#,
        r#"{"liked":true,"like_count":1}}"#,
        r#"{"liked":true,"like_count":1} x"#,
        r#"{"liked":true,,"like_count":1}"#,
        r#"{"liked":true,"like_count":1,}"#,
        r#"{"liked":tru,"like_count":1}"#,
        r#"{"liked":true "like_count":1}"#,
        r#"{liked:true,"like_count":1}"#,
        r#"{"liked":true,"like_count":1.5}"#,
        r#"{"liked":true,"like_count":1e3}"#,
        r#"{"liked":true,"like_count":"1"}"#,
        r#"{"liked":true,"like_count":-}"#,
        r#"{"liked":true}"#,
        r#"[true,1]x"#,
    ] {
        assert_eq!(from_str::<LikeState>(text), Err(Error), "{text:?}");
    }
    for text in ["\"tab\there\"", "\"unterminated", r#""bad \x escape""#, "\"\\"] {
        assert_eq!(from_str::<String>(text), Err(Error), "{text:?}");
    }
    assert_eq!(from_str::<AppError>(r#""Teapot""#), Err(Error));
    assert_eq!(from_str::<AppError>(r#"{"Internal":{"reference":"r"},"NotFound":null}"#), Err(Error));
}

#[test]
fn unknown_fields_of_any_kind_are_skipped() {
    let text = r#"{"extra":[1.5e-3,{"a":[null,true,false,"x\"y"]},-0.25E+2],
        "liked" : true , "like_count" : 3, "more": {}, "at": 12}"#;
    assert_eq!(from_str::<LikeState>(text), Ok(LikeState { liked: true, like_count: Count::from(3), at: 12 }));
    assert_eq!(from_str::<LikeState>(r#"{"extra":1.,"liked":true,"like_count":3,"at":1}"#), Err(Error));
}
