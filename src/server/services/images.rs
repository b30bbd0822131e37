//! A post's image: decided from its bytes, decoded within bounds, encoded
//! again, and kept in the database, where every instance finds it.
//!
//! What holds:
//! - the type is read from the file's first bytes (PNG, JPEG, WebP, GIF),
//!   never from its name or declared type;
//! - nothing is decoded past [`IMAGE_MAX_SIDE`] a side or
//!   [`IMAGE_MAX_PIXELS`] in all, both checked from the header before any
//!   pixel is allocated, so a decompression bomb is refused, not expanded;
//! - a JPEG must run to its end marker: a file cut short is refused, where
//!   the decoder alone would fill the missing part with grey;
//! - what is stored is a new file made from the pixels alone (JPEG, or PNG
//!   when the image has transparency), scaled down to [`IMAGE_MAX_PX`],
//!   with a thumbnail of [`THUMB_MAX_PX`]. No byte of the upload is kept, so
//!   its metadata (EXIF, a phone photo's GPS position) is gone; the EXIF
//!   orientation is applied to the pixels first;
//! - decoding and encoding run on the blocking pool, [`decodes_at_once`]
//!   at a time (one fewer than the cores), and at most [`UPLOADS_AT_ONCE`] forms with a file are read at
//!   once, [`UPLOADS_PER_ADDRESS`] of them from one address
//!   ([`ImageWork::admit`]), which bounds the memory uploads take;
//! - each file is stored under a name made from a hash of its bytes and a
//!   random salt: never reused, so what is under a name never changes and
//!   may be cached for a year. A file belongs to one post, and is deleted
//!   in the transaction that deletes the post or drops the image.

use std::{
    collections::HashMap,
    io::Cursor,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use bytes::Bytes;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, metadata::Orientation};
use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{
    domain::{
        post::{IMAGE_MAX_PX, THUMB_MAX_PX, fit_within},
        validation::{
            IMAGE_MAX_PIXELS, IMAGE_MAX_SIDE, IMAGE_PIXELS_MESSAGE, IMAGE_TYPE_MESSAGE, IMAGE_UNREADABLE_MESSAGE,
        },
    },
    error::AppError,
    server::{
        db::{Db, Tx, either},
        error::{db_error, internal_error},
    },
};

/// How many forms with a file are read and worked on at once; the others
/// wait their turn, for at most [`ADMIT_WITHIN`].
pub const UPLOADS_AT_ONCE: usize = 4;

/// How many images are decoded and encoded at once: one fewer than the
/// cores (at least one), so a core is left for everything else the server
/// answers meanwhile (on two cores, two at once tripled `GET /`'s p99:
/// bench/RESULTS.md).
pub fn decodes_at_once() -> usize {
    std::thread::available_parallelism().map_or(1, |cores| cores.get().saturating_sub(1).max(1))
}

/// How many of those turns one address may hold at once: one client sending
/// slow uploads cannot keep every turn.
pub const UPLOADS_PER_ADDRESS: usize = 2;

/// How long a form with a file waits for its turn before it is answered
/// 503 (busy, try again).
pub const ADMIT_WITHIN: Duration = Duration::from_secs(30);

/// The most memory one decode may allocate: its pixels, and their turned
/// copy when the orientation turns them.
const MAX_ALLOC_BYTES: u64 = 256 << 20;

/// JPEG's quality for what is stored: small files that look like the photo.
const JPEG_QUALITY: u8 = 82;

/// The turns uploads take: reading and working on them at most
/// [`UPLOADS_AT_ONCE`] at a time, decoding [`decodes_at_once`].
#[derive(Debug)]
pub struct ImageWork {
    uploads: Arc<Semaphore>,
    decodes: Arc<Semaphore>,
    /// The turns of each address that holds or waits for one.
    addresses: Addresses,
}

type Addresses = Arc<Mutex<HashMap<IpAddr, Arc<Semaphore>>>>;

impl Default for ImageWork {
    fn default() -> Self {
        ImageWork {
            uploads: Arc::new(Semaphore::new(UPLOADS_AT_ONCE)),
            decodes: Arc::new(Semaphore::new(decodes_at_once())),
            addresses: Addresses::default(),
        }
    }
}

/// A form's turn to be read and worked on: given back when dropped.
#[derive(Debug)]
pub struct UploadTurn {
    _turn: OwnedSemaphorePermit,
    _address: Option<AddressTurn>,
}

/// One of an address's turns, or the wait for one.
#[derive(Debug)]
struct AddressTurn {
    address: IpAddr,
    permit: Option<OwnedSemaphorePermit>,
    addresses: Addresses,
}

impl Drop for AddressTurn {
    fn drop(&mut self) {
        drop(self.permit.take());
        let mut addresses = self.addresses.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forgotten once nobody holds or waits for one of its turns.
        if addresses.get(&self.address).is_some_and(|turns| Arc::strong_count(turns) == 1) {
            addresses.remove(&self.address);
        }
    }
}

/// One image ready to be stored: the file and its thumbnail.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The image, scaled down to [`IMAGE_MAX_PX`].
    pub full: Encoded,
    /// Its thumbnail, scaled down to [`THUMB_MAX_PX`].
    pub thumb: Encoded,
}

/// One file made from an image's pixels.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The name it is served under (`/images/{name}`).
    pub name: String,
    /// `image/jpeg` or `image/png`.
    pub content_type: &'static str,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// The file.
    pub data: Vec<u8>,
}

impl ImageWork {
    /// Waits for the turn to read a form with a file from `address` (one
    /// of its [`UPLOADS_PER_ADDRESS`], then one of the
    /// [`UPLOADS_AT_ONCE`]); 503 after [`ADMIT_WITHIN`]. The turn is held
    /// until it is dropped.
    pub async fn admit(&self, address: Option<IpAddr>) -> Result<UploadTurn, AppError> {
        let wait = async {
            let address = match address {
                Some(address) => {
                    let turns = {
                        let mut addresses = self.addresses.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        addresses
                            .entry(address)
                            .or_insert_with(|| Arc::new(Semaphore::new(UPLOADS_PER_ADDRESS)))
                            .clone()
                    };
                    let mut turn = AddressTurn { address, permit: None, addresses: self.addresses.clone() };
                    turn.permit = Some(turns.acquire_owned().await.map_err(|_closed| AppError::Unavailable)?);
                    Some(turn)
                }
                None => None,
            };
            let turn = self.uploads.clone().acquire_owned().await.map_err(|_closed| AppError::Unavailable)?;
            Ok(UploadTurn { _turn: turn, _address: address })
        };
        match tokio::time::timeout(ADMIT_WITHIN, wait).await {
            Ok(admitted) => admitted,
            Err(_elapsed) => {
                tracing::warn!("an upload waited {ADMIT_WITHIN:?} for its turn: answered 503");
                Err(AppError::Unavailable)
            }
        }
    }

    /// Makes the files to store from an uploaded `file`, off the async
    /// workers; a file that is not an acceptable image is
    /// `AppError::Invalid` with the image field's message.
    pub async fn prepare(&self, file: Bytes) -> Result<Prepared, AppError> {
        let turn = self.decodes.clone().acquire_owned().await.map_err(|_closed| AppError::Unavailable)?;
        let work = tokio::task::spawn_blocking(move || {
            // Owned by the blocking task: should the request go away, the
            // turn is still held until the work it started has ended.
            let _turn = turn;
            prepare(&file)
        });
        match work.await {
            Ok(Ok(prepared)) => Ok(prepared),
            Ok(Err(message)) => Err(AppError::Invalid(crate::domain::PostFieldErrors {
                image: Some(message.into()),
                ..Default::default()
            })),
            Err(joined) => Err(internal_error(format!("preparing an image failed: {joined}"))),
        }
    }
}

/// The files to store for `file`, or the message that says why it is not
/// an acceptable image.
pub fn prepare(file: &[u8]) -> Result<Prepared, &'static str> {
    let image = decode(file)?;
    let full = scaled_down(image, IMAGE_MAX_PX);
    let thumb = scaled_down(full.clone(), THUMB_MAX_PX);
    Ok(Prepared { full: encode(&full)?, thumb: encode(&thumb)? })
}

/// `image`, scaled down (never up) so its longer side is at most `max`,
/// with the fast area-averaging filter of thumbnails.
fn scaled_down(image: DynamicImage, max: u32) -> DynamicImage {
    let (width, height) = fit_within(image.width(), image.height(), max);
    if (width, height) == (image.width(), image.height()) {
        return image;
    }
    image.thumbnail_exact(width, height)
}

/// Decodes `file` within the bounds, its orientation applied.
fn decode(file: &[u8]) -> Result<DynamicImage, &'static str> {
    let format = match image::guess_format(file) {
        Ok(format @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif)) => format,
        _ => return Err(IMAGE_TYPE_MESSAGE),
    };
    if format == ImageFormat::Jpeg && !jpeg_is_whole(file) {
        return Err(IMAGE_UNREADABLE_MESSAGE);
    }
    let mut reader = ImageReader::with_format(Cursor::new(file), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(IMAGE_MAX_SIDE);
    limits.max_image_height = Some(IMAGE_MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > IMAGE_MAX_PIXELS {
        return Err(IMAGE_PIXELS_MESSAGE);
    }
    if width == 0 || height == 0 {
        return Err(IMAGE_UNREADABLE_MESSAGE);
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    // The decoder allocates its pixels unchecked (only `ImageReader::decode`
    // applies `max_alloc`), and turning them makes a second copy.
    let turned = matches!(
        orientation,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    );
    if decoder.total_bytes().saturating_mul(if turned { 2 } else { 1 }) > MAX_ALLOC_BYTES {
        return Err(IMAGE_PIXELS_MESSAGE);
    }
    let mut image = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// The message for a decoder's error: too large, or unreadable.
fn refusal(error: ImageError) -> &'static str {
    match error {
        ImageError::Limits(_) => IMAGE_PIXELS_MESSAGE,
        _ => IMAGE_UNREADABLE_MESSAGE,
    }
}

/// Encodes `image` as JPEG, or as PNG when it has transparency, under a
/// fresh name.
fn encode(image: &DynamicImage) -> Result<Encoded, &'static str> {
    let mut data = Vec::new();
    let (content_type, extension) = if image.color().has_alpha() {
        let encoder = image::codecs::png::PngEncoder::new(&mut data);
        image.to_rgba8().write_with_encoder(encoder).map_err(|_| IMAGE_UNREADABLE_MESSAGE)?;
        ("image/png", "png")
    } else {
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut data, JPEG_QUALITY);
        image.to_rgb8().write_with_encoder(encoder).map_err(|_| IMAGE_UNREADABLE_MESSAGE)?;
        ("image/jpeg", "jpg")
    };
    let name = format!("{}.{extension}", name_for(&data));
    Ok(Encoded { name, content_type, width: image.width(), height: image.height(), data })
}

/// 32 hex digits of the SHA-256 of `data` and a random salt.
fn name_for(data: &[u8]) -> String {
    let mut salt = [0_u8; 16];
    getrandom::fill(&mut salt).expect("the operating system's random source");
    let digest = Sha256::new().chain_update(salt).chain_update(data).finalize();
    digest[..16].iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Whether a name is one [`encode`] could have made: the only names
/// `/images/` looks up.
pub fn is_image_name(name: &str) -> bool {
    let Some((stem, extension)) = name.split_once('.') else {
        return false;
    };
    stem.len() == 32
        && stem.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
        && matches!(extension, "jpg" | "png")
}

/// Whether a JPEG runs from its start marker to its end marker: its
/// segments are walked by their lengths up to each scan, each scan's data
/// to the marker after it, until `EOI`. A file cut short ends first.
fn jpeg_is_whole(file: &[u8]) -> bool {
    if !file.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut at = 2;
    loop {
        // Fill bytes (0xFF) may come before a marker.
        while file.get(at) == Some(&0xFF) && file.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(0xFF), Some(&marker)) = (file.get(at), file.get(at + 1)) else {
            return false;
        };
        at += 2;
        match marker {
            0xD9 => return true,
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let (Some(&high), Some(&low)) = (file.get(at), file.get(at + 1)) else {
            return false;
        };
        let length = usize::from(high) << 8 | usize::from(low);
        if length < 2 {
            return false;
        }
        at += length;
        if marker == 0xDA {
            // The scan's data: up to a marker that is not a stuffed 0xFF00
            // or a restart marker.
            loop {
                match (file.get(at), file.get(at + 1)) {
                    (Some(0xFF), Some(0x00 | 0xD0..=0xD7)) => at += 2,
                    (Some(0xFF), Some(_)) => break,
                    (Some(_), _) => at += 1,
                    (None, _) => return false,
                }
            }
        }
    }
}

/// Stores `image`'s two files in `tx`.
pub async fn insert(tx: &mut Tx, image: &Prepared) -> Result<(), sqlx::Error> {
    for file in [&image.full, &image.thumb] {
        either!(Tx, tx, |tx| {
            sqlx::query("INSERT INTO images (name, content_type, width, height, data) VALUES ($1, $2, $3, $4, $5)")
                .bind(&file.name)
                .bind(file.content_type)
                .bind(i64::from(file.width))
                .bind(i64::from(file.height))
                .bind(&file.data)
                .execute(&mut **tx)
                .await
                .map(|_| ())
        })?;
    }
    Ok(())
}

/// Deletes the files `names` in `tx`.
pub async fn delete(tx: &mut Tx, names: &[String]) -> Result<(), sqlx::Error> {
    for name in names {
        either!(Tx, tx, |tx| {
            sqlx::query("DELETE FROM images WHERE name = $1").bind(name).execute(&mut **tx).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// The file `name`: its type and bytes; `None` if there is none.
pub async fn read(db: &Db, name: &str) -> Result<Option<(String, Vec<u8>)>, AppError> {
    either!(Db, db, |pool| {
        sqlx::query_as("SELECT content_type, data FROM images WHERE name = $1").bind(name).fetch_optional(pool).await
    })
    .map_err(db_error)
}

#[cfg(test)]
pub(crate) mod tests;
