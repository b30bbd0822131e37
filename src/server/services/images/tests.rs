//! Image files made in the test, good and hostile, and what [`prepare`]
//! makes of them. The fixtures are shared with `src/tests/images.rs`.

use image::{ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};

use super::*;

/// A photo-like JPEG of `width` × `height`: smooth colours with some noise,
/// so it compresses like a picture, not like a flat colour.
pub(crate) fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut seed = 0x2545_f491_u32;
    let picture = RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed % 24) as u8;
        Rgb([(x % 256) as u8 ^ noise, (y % 256) as u8, ((x + y) % 256) as u8 / 2 + noise])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(picture.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A PNG with transparency.
pub(crate) fn png(width: u32, height: u32) -> Vec<u8> {
    let picture =
        RgbaImage::from_fn(width, height, |x, y| Rgba([x as u8, y as u8, 90, if x < width / 2 { 255 } else { 40 }]));
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(picture.as_raw(), width, height, image::ExtendedColorType::Rgba8)
        .unwrap();
    out
}

/// An HTML page behind a PNG signature: what a browser would sniff as a
/// page if it were served as the uploader declared it.
pub(crate) fn html_behind_png_signature() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(b"<html><body><script>alert(document.cookie)</script></body></html>");
    out
}

/// A valid PNG header that claims `width` × `height` pixels, with no pixels
/// after it: a decompression bomb's first bytes, all it takes to tell.
pub(crate) fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    png_header(width, height, 8, 2)
}

/// A PNG header of `width` × `height` with this bit depth and colour type
/// (6: RGBA), and no pixels.
fn png_header(width: u32, height: u32, depth: u8, colour: u8) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[depth, colour, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0_u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A JPEG cut off half-way through its picture.
pub(crate) fn truncated_jpeg() -> Vec<u8> {
    let mut whole = jpeg(320, 240);
    whole.truncate(whole.len() / 2);
    whole
}

/// The latitude that [`jpeg_with_gps`] records, as its EXIF holds it.
pub(crate) const GPS_MARK: &[u8] = b"GPS-48.8584N";

/// A JPEG with an EXIF block that holds a GPS position (a GPS IFD whose
/// latitude reference is `N`, and a maker note carrying [`GPS_MARK`]), as a
/// phone photo has.
pub(crate) fn jpeg_with_gps() -> Vec<u8> {
    // A big-endian TIFF header, IFD0 with one entry pointing at the GPS
    // IFD, and the GPS IFD with the latitude's reference.
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(&[0x00, 0x01]); // one entry
    tiff.extend_from_slice(&[0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a]);
    tiff.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]); // no next IFD
    tiff.extend_from_slice(&[0x00, 0x01]); // the GPS IFD: one entry
    tiff.extend_from_slice(&[0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, b'N', 0x00, 0x00, 0x00]);
    tiff.extend_from_slice(&[0x00, 0x00, 0x00, 0x00]);
    tiff.extend_from_slice(GPS_MARK);
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let photo = jpeg(64, 48);
    let mut out = photo[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&photo[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[test]
fn a_photo_is_scaled_down_and_stored_as_a_new_jpeg_with_a_thumbnail() {
    let prepared = prepare(&jpeg(2000, 1000)).unwrap();
    assert_eq!((prepared.full.width, prepared.full.height), (1600, 800));
    assert_eq!((prepared.thumb.width, prepared.thumb.height), (240, 120));
    for file in [&prepared.full, &prepared.thumb] {
        assert_eq!(file.content_type, "image/jpeg");
        assert!(is_image_name(&file.name), "{}", file.name);
        assert!(file.name.ends_with(".jpg"));
        assert_eq!(image::guess_format(&file.data).unwrap(), ImageFormat::Jpeg);
    }
    assert_ne!(prepared.full.name, prepared.thumb.name);
    let again = prepare(&jpeg(2000, 1000)).unwrap();
    assert_ne!(again.full.name, prepared.full.name, "a name is never given twice");
}

#[test]
fn transparency_is_kept_as_png_and_a_small_image_is_not_enlarged() {
    let prepared = prepare(&png(100, 60)).unwrap();
    assert_eq!(prepared.full.content_type, "image/png");
    assert_eq!((prepared.full.width, prepared.full.height), (100, 60));
    assert!(prepared.full.name.ends_with(".png"));
}

#[test]
fn a_png_signature_on_an_html_body_is_refused() {
    assert_eq!(prepare(&html_behind_png_signature()).unwrap_err(), IMAGE_UNREADABLE_MESSAGE);
}

#[test]
fn anything_but_the_four_types_is_refused_whatever_it_claims() {
    for file in [&b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"[..], b"GIF", b"", b"BM\x00\x00"] {
        assert_eq!(prepare(file).unwrap_err(), IMAGE_TYPE_MESSAGE, "{file:?}");
    }
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    assert_eq!(prepare(&png_claiming(30_000, 30_000)).unwrap_err(), IMAGE_PIXELS_MESSAGE);
    // Within a side, over the pixels.
    assert_eq!(prepare(&png_claiming(11_000, 11_000)).unwrap_err(), IMAGE_PIXELS_MESSAGE);
    // Within the pixels, but 16-bit RGBA: 288 MB of them, over the memory
    // a decode may take.
    assert_eq!(prepare(&png_header(6_000, 6_000, 16, 6)).unwrap_err(), IMAGE_PIXELS_MESSAGE);
}

#[tokio::test]
async fn an_address_holds_at_most_its_share_of_the_upload_turns() {
    use futures::FutureExt;

    let work = ImageWork::default();
    let (one, other): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
    let mut held = Vec::new();
    for _ in 0..UPLOADS_PER_ADDRESS {
        held.push(work.admit(Some(one)).await.unwrap());
    }
    let mut third = Box::pin(work.admit(Some(one)));
    assert!((&mut third).now_or_never().is_none(), "a third turn from one address waits");
    let elsewhere = work.admit(Some(other)).now_or_never().expect("another address is let in").unwrap();
    drop(held.pop());
    let third = third.await.expect("let in once one of its own turns is given back");
    drop((third, elsewhere, held));
    assert!(work.addresses.lock().unwrap().is_empty(), "an address without turns is forgotten");
}

#[test]
fn a_truncated_jpeg_is_refused_and_a_whole_one_is_walked_to_its_end() {
    assert!(jpeg_is_whole(&jpeg(320, 240)));
    assert!(jpeg_is_whole(&jpeg_with_gps()));
    let cut = truncated_jpeg();
    assert!(!jpeg_is_whole(&cut));
    assert_eq!(prepare(&cut).unwrap_err(), IMAGE_UNREADABLE_MESSAGE);
    // Cut anywhere, never accepted.
    let whole = jpeg(64, 64);
    for end in (2..whole.len() - 2).step_by(97) {
        assert!(!jpeg_is_whole(&whole[..end]), "cut at {end}");
    }
}

#[test]
fn the_stored_copy_of_a_photo_with_a_gps_position_has_none() {
    let original = jpeg_with_gps();
    assert!(contains(&original, b"Exif") && contains(&original, GPS_MARK));
    let prepared = prepare(&original).unwrap();
    for file in [&prepared.full, &prepared.thumb] {
        assert!(!contains(&file.data, b"Exif"), "no EXIF block");
        assert!(!contains(&file.data, GPS_MARK), "no GPS position");
        assert!(!contains(&file.data, &[0xFF, 0xE1]), "no APP1 segment");
    }
}

#[test]
fn only_names_that_encode_makes_are_looked_up() {
    assert!(is_image_name("0123456789abcdef0123456789abcdef.jpg"));
    assert!(is_image_name("0123456789abcdef0123456789abcdef.png"));
    for name in [
        "0123456789ABCDEF0123456789abcdef.jpg",
        "0123456789abcdef0123456789abcde.jpg",
        "0123456789abcdef0123456789abcdef.svg",
        "../../etc/passwd",
        "0123456789abcdef0123456789abcdef.jpg.html",
        "",
    ] {
        assert!(!is_image_name(name), "{name}");
    }
}
