//! A post's image, end to end through the router: published, shown,
//! served, replaced, removed and deleted, with JavaScript's requests and a
//! plain form's; every hostile file refused with its status and message,
//! and nothing written; every instance serving what another stored.

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};

use super::{Browser, TestApp, TestResponse, uuid_like};
use crate::{
    domain::validation::{IMAGE_AGAIN_MESSAGE, IMAGE_PIXELS_MESSAGE, IMAGE_TYPE_MESSAGE, IMAGE_UNREADABLE_MESSAGE},
    server::{
        image_files::IMAGE_POLICY,
        services::images::tests::{
            GPS_MARK, html_behind_png_signature, jpeg, jpeg_with_gps, png, png_claiming, truncated_jpeg,
        },
    },
};

const BOUNDARY: &str = "----bulletin-test-boundary";
/// What a browser without JavaScript accepts: it wants a page.
const PAGE: &str = "text/html,application/xhtml+xml,*/*;q=0.8";
/// What the island's upload accepts: the data.
const DATA: &str = "application/json";

/// A `multipart/form-data` body of `fields` and, if given, a file in
/// `image`, as a browser writes it.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    if let Some((field, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"photo.jpg\"\r\n\
                 Content-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

impl Browser<'_> {
    /// Sends a multipart form to `path`, accepting `accept`.
    async fn send_form(&self, path: &str, accept: &str, fields: &[(&str, &str)], file: Option<&[u8]>) -> TestResponse {
        let body = multipart(fields, file.map(|bytes| ("image", bytes)));
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .header(header::CONTENT_LENGTH, body.len())
            .header(header::ACCEPT, accept)
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Publishes a post with `file` as its image, as the island does; its id.
    async fn publish_with(&self, title: &str, file: &[u8], alt: &str) -> i64 {
        let key = uuid_like();
        let fields = [("title", title), ("content", "Text"), ("submission", key.as_str()), ("image_alt", alt)];
        let res = self.send_form("/api/create_post", DATA, &fields, Some(file)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        serde_json::from_str(&res.body).expect("an id")
    }
}

impl TestApp {
    /// How many image files are stored.
    async fn image_count(&self) -> i64 {
        self.number("SELECT count(*) FROM images", &[]).await
    }

    /// The names of post `id`'s image and thumbnail.
    async fn image_names(&self, id: i64) -> (Option<String>, Option<String>) {
        crate::server::db::either!(Db, &self.state.db, |pool| {
            sqlx::query_as("SELECT image, image_thumb FROM posts WHERE id = $1").bind(id).fetch_one(pool).await
        })
        .expect("read the post's image")
    }
}

/// The field message an invalid form was answered with.
fn field_message(res: &TestResponse, field: &str) -> String {
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let error: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    error["Invalid"][field].as_str().unwrap_or_else(|| panic!("no message for {field}: {}", res.body)).to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_with_an_image_shows_it_and_its_file_is_served_safely_for_a_year() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let id = browser.publish_with("With a picture", &jpeg(1800, 1200), "A  red door ").await;
    let (Some(image), Some(thumb)) = app.image_names(id).await else { panic!("no image stored") };
    assert_eq!(app.image_count().await, 2);

    let page = browser.get(&format!("/posts/{id}")).await;
    assert!(
        page.body.contains(&format!(r#"<img src="/images/{image}" alt="A  red door" width="1600""#)),
        "{}",
        page.body
    );
    let list = browser.get("/").await;
    assert!(list.body.contains(&format!(r#"src="/images/{thumb}""#)), "the list shows the thumbnail");
    assert!(list.body.contains(r#"loading="lazy""#));

    for (name, width) in [(&image, 1600), (&thumb, 240)] {
        let file = browser.get(&format!("/images/{name}")).await;
        assert_eq!(file.status, StatusCode::OK);
        let headers = &file.headers;
        assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::CONTENT_DISPOSITION], format!("inline; filename=\"{name}\""));
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], IMAGE_POLICY);
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        let decoded = image::load_from_memory(&file.bytes).expect("a JPEG");
        assert_eq!(decoded.width(), width);
    }
    // Asked for by someone new (a link shared, a cache in front), it
    // carries nobody's identity: no visitor cookie on a public file.
    let anonymous = app.get(&format!("/images/{thumb}")).await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert!(anonymous.headers.get(header::SET_COOKIE).is_none(), "{:?}", anonymous.headers);
    assert_eq!(browser.get("/images/0123456789abcdef0123456789abcdef.jpg").await.status, StatusCode::NOT_FOUND);
    assert_eq!(browser.get("/images/..%2Fdata%2Ftest.db").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_a_form_with_an_image_publishes_and_redirects() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let key = uuid_like();
    let fields = [("title", "Plain"), ("content", "form"), ("submission", key.as_str()), ("image_alt", "a cat")];
    let res = browser.send_form("/api/create_post", PAGE, &fields, Some(&png(300, 200))).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let location = res.headers[header::LOCATION].to_str().unwrap().to_owned();
    let page = browser.get(&location).await;
    assert!(page.body.contains("Post published"));
    assert!(page.body.contains(r#"alt="a cat""#), "{}", page.body);
    // The same form sent again (a reload of the POST) publishes once and
    // writes no second file.
    let again = browser.send_form("/api/create_post", PAGE, &fields, Some(&png(300, 200))).await;
    assert_eq!(again.headers[header::LOCATION], location.as_str());
    assert_eq!((app.post_count().await, app.image_count().await), (1, 2));
    // An empty file field is no image, and needs no description.
    let key = uuid_like();
    let fields = [("title", "No picture"), ("content", "text"), ("submission", key.as_str()), ("image_alt", "")];
    let res = browser.send_form("/api/create_post", PAGE, &fields, Some(b"")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!((app.post_count().await, app.image_count().await), (2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_file_is_refused_with_its_message_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    for (file, message) in [
        (html_behind_png_signature(), IMAGE_UNREADABLE_MESSAGE),
        (png_claiming(30_000, 30_000), IMAGE_PIXELS_MESSAGE),
        (truncated_jpeg(), IMAGE_UNREADABLE_MESSAGE),
        (b"<svg onload=alert(1)></svg>".to_vec(), IMAGE_TYPE_MESSAGE),
    ] {
        let key = uuid_like();
        let fields = [("title", "Hostile"), ("content", "file"), ("submission", key.as_str()), ("image_alt", "x")];
        let res = browser.send_form("/api/create_post", DATA, &fields, Some(&file)).await;
        assert_eq!(field_message(&res, "image"), message);
    }
    assert_eq!((app.post_count().await, app.image_count().await), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stored_copy_of_a_photo_with_a_gps_position_has_none() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let id = browser.publish_with("Holiday", &jpeg_with_gps(), "The beach").await;
    let (Some(image), Some(thumb)) = app.image_names(id).await else { panic!("no image stored") };
    for name in [image, thumb] {
        let file = browser.get(&format!("/images/{name}")).await;
        assert_eq!(file.status, StatusCode::OK);
        let has = |needle: &[u8]| file.bytes.windows(needle.len()).any(|window| window == needle);
        assert!(!has(b"Exif") && !has(GPS_MARK), "{name} keeps the upload's metadata");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_the_limit_is_a_message_in_the_form_and_a_body_far_over_it_is_413() {
    let app = TestApp::spawn_with(&[("BULLETIN_MAX_UPLOAD_BYTES", "2048")]).await;
    let browser = app.browser();
    let key = uuid_like();
    let fields = [("title", "Big"), ("content", "file"), ("submission", key.as_str()), ("image_alt", "big")];
    let res = browser.send_form("/api/create_post", DATA, &fields, Some(&vec![0xAB; 3000])).await;
    assert_eq!(field_message(&res, "image"), "The image must be at most 2 KiB");
    // Said at once, beside what is wrong with the text.
    let untitled = [("title", ""), ("content", "file"), ("submission", key.as_str()), ("image_alt", "")];
    let res = browser.send_form("/api/create_post", DATA, &untitled, Some(&vec![0xAB; 3000])).await;
    assert_eq!(field_message(&res, "image"), "The image must be at most 2 KiB");
    assert_eq!(field_message(&res, "title"), "Title is required");
    // Without JavaScript the form comes back with what was typed.
    let res = browser.send_form("/api/create_post", PAGE, &fields, Some(&vec![0xAB; 3000])).await;
    assert_eq!(res.headers[header::LOCATION], "/posts/new");
    let form = browser.get("/posts/new").await;
    assert!(form.body.contains("The image must be at most 2 KiB"), "{}", form.body);
    assert!(form.body.contains(r#"value="Big""#));
    // Past the body's own limit (the form's 1 MiB and twice the image's):
    // the site's 413 page, saying the limits.
    let res = browser.send_form("/api/create_post", PAGE, &fields, Some(&vec![0xAB; (1 << 20) + 8192])).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(res.body.contains("an image of at most 2 KiB"), "{}", res.body);
    assert_eq!((app.post_count().await, app.image_count().await), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_part_with_an_unexpected_name_is_400_and_multipart_elsewhere_is_415() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let key = uuid_like();
    let fields = [("title", "t"), ("content", "c"), ("submission", key.as_str()), ("avatar", "x")];
    let res = browser.send_form("/api/create_post", DATA, &fields, None).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("unexpected field `avatar`"), "{}", res.body);
    let body = multipart(&[("title", "t"), ("content", "c"), ("submission", key.as_str())], Some(("photo", b"x")));
    let request = Request::post("/api/create_post")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .header(header::ACCEPT, DATA)
        .body(Body::from(body))
        .unwrap();
    let res = browser.send(request).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("unexpected field `photo`"), "{}", res.body);
    let res = browser.send_form("/api/set_like", DATA, &[("id", "1"), ("liked", "true")], None).await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!((app.post_count().await, app.image_count().await), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_needs_a_description_and_a_rejected_plain_form_asks_for_the_file_again() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let key = uuid_like();
    let fields = [("title", "t"), ("content", "c"), ("submission", key.as_str()), ("image_alt", " ")];
    let res = browser.send_form("/api/create_post", DATA, &fields, Some(&jpeg(40, 40))).await;
    assert_eq!(field_message(&res, "image_alt"), "Describe the image for people who cannot see it");
    let fields = [("title", ""), ("content", "c"), ("submission", key.as_str()), ("image_alt", "typed alt")];
    let res = browser.send_form("/api/create_post", PAGE, &fields, Some(&jpeg(40, 40))).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let form = browser.get("/posts/new").await;
    assert!(form.body.contains(IMAGE_AGAIN_MESSAGE), "{}", form.body);
    assert!(form.body.contains(r#"value="typed alt""#));
    assert!(form.body.contains("Title is required"));
    assert_eq!((app.post_count().await, app.image_count().await), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replacing_removing_and_deleting_leave_no_file_behind() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish_with("Changing", &jpeg(64, 64), "first").await;
    let first = app.image_names(id).await;
    let id_text = id.to_string();
    let save = |alt: &'static str, remove: bool| {
        let mut fields = vec![("id", id_text.as_str()), ("title", "Changing"), ("content", "Text"), ("image_alt", alt)];
        if remove {
            fields.push(("remove_image", "on"));
        }
        fields
    };

    // Someone else cannot, and what they sent is not stored (nor decoded:
    // the author is checked first, so a file that is no image is a 403 too).
    let stranger = app.browser();
    let res = stranger.send_form("/api/update_post", DATA, &save("mine", false), Some(&jpeg(32, 32))).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = stranger.send_form("/api/update_post", DATA, &save("mine", false), Some(b"not an image")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.image_count().await, 2);

    // Only the description.
    let res = author.send_form("/api/update_post", DATA, &save("second", false), None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.image_names(id).await, first);
    assert!(author.get(&format!("/posts/{id}")).await.body.contains(r#"alt="second""#));

    // Replaced: the old files go.
    let res = author.send_form("/api/update_post", DATA, &save("third", false), Some(&png(50, 50))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let replaced = app.image_names(id).await;
    assert_ne!(replaced, first);
    assert_eq!(app.image_count().await, 2);
    assert_eq!(author.get(&format!("/images/{}", first.0.unwrap())).await.status, StatusCode::NOT_FOUND);

    // Removed: no file, no description needed.
    let res = author.send_form("/api/update_post", DATA, &save("", true), None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.image_names(id).await, (None, None));
    assert_eq!(app.image_count().await, 0);
    assert!(!author.get(&format!("/posts/{id}")).await.body.contains(r#"<figure class="post-image""#));

    // Deleted with an image: its files go with it.
    let other = author.publish_with("Doomed", &jpeg(64, 64), "gone soon").await;
    assert_eq!(app.image_count().await, 2);
    let res = author.call("/api/delete_post", &[("id", &other.to_string())]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(app.image_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_edit_forms_delete_button_sends_the_whole_multipart_form() {
    let app = TestApp::spawn().await;
    let author = app.browser();
    let id = author.publish_with("Delete me", &jpeg(64, 64), "doomed").await;
    let id_text = id.to_string();
    let fields = [("id", id_text.as_str()), ("title", "Delete me"), ("content", "Text"), ("image_alt", "doomed")];
    let res = author.send_form("/api/delete_post", PAGE, &fields, Some(b"")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.headers[header::LOCATION], "/");
    assert_eq!((app.post_count().await, app.image_count().await), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_published_through_one_instance_is_served_by_another_at_once() {
    let first = TestApp::spawn().await;
    let second = first.another_instance().await;
    let browser = first.browser();
    let id = browser.publish_with("Shared", &jpeg(200, 100), "shared").await;
    let (Some(image), _) = first.image_names(id).await else { panic!("no image stored") };
    let browser = browser.moved_to(&second);
    let page = browser.get(&format!("/posts/{id}")).await;
    assert!(page.body.contains(&format!(r#"src="/images/{image}""#)), "{}", page.body);
    let file = browser.get(&format!("/images/{image}")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(image::load_from_memory(&file.bytes).is_ok());
}
