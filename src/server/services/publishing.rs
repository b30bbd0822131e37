//! Publishing, written by group commit ([`super::group_commit`]).
//!
//! Under load, posts from many authors are inserted and committed together,
//! and the lists are revalidated once per batch, before anyone is answered.

use std::{cmp::Ordering, sync::Arc};

use super::{
    group_commit::{GroupCommit, Write},
    images::{self, Prepared},
};
use crate::{
    domain::{ImageAlt, PostInput, SubmissionKey, Tag},
    error::AppError,
    server::{
        Visitor,
        cache::ReadCache,
        db::{Tx, either},
    },
};

/// The queue in front of the task that publishes posts.
pub type PostWriter = GroupCommit<Publishing>;

/// Publishing posts, as one kind of grouped write.
#[derive(Debug)]
pub struct Publishing;

/// One post waiting to be published.
pub struct Publish {
    author_id: String,
    key: String,
    title: String,
    content: String,
    /// The image's files and description, shared rather than copied.
    image: Option<Arc<(Prepared, String)>>,
}

impl Write for Publishing {
    type Job = Publish;
    /// The post's id; `None` when an earlier post with the same submission
    /// key was deleted while this one was being written (see below).
    type Done = Option<i64>;

    /// By the unique (author, key) entries the inserts take.
    fn order(a: &Publish, b: &Publish) -> Ordering {
        (&a.author_id, &a.key).cmp(&(&b.author_id, &b.key))
    }

    async fn apply(tx: &mut Tx, jobs: &[Publish]) -> Result<Vec<Option<i64>>, sqlx::Error> {
        let mut done = Vec::with_capacity(jobs.len());
        for job in jobs {
            done.push(publish(tx, job).await?);
        }
        Ok(done)
    }

    /// The lists, and each post by its id, so that the streams of open
    /// pages (`server::live`) can tell which posts are new.
    fn changed(batch: &[(Publish, Option<i64>)]) -> Vec<Tag> {
        let mut tags = vec![Tag::Posts];
        tags.extend(batch.iter().filter_map(|(_, id)| *id).map(Tag::Post));
        tags
    }

    fn committed(cache: &ReadCache, _batch: &[(Publish, Option<i64>)], _seq: Option<i64>) {
        cache.revalidate([Tag::Posts]);
    }
}

/// Inserts `job`'s post (and its image's files) in `tx` and returns its id,
/// or the id of the post its author already published under the same key
/// (writing no file: the first post has its own).
async fn publish(tx: &mut Tx, job: &Publish) -> Result<Option<i64>, sqlx::Error> {
    let image = job.image.as_deref();
    let inserted: Option<i64> = either!(Tx, &mut *tx, |tx| {
        sqlx::query_scalar(
            "INSERT INTO posts (title, content, author_id, submission_key, \
             image, image_thumb, image_alt, image_width, image_height) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (author_id, submission_key) DO NOTHING RETURNING id",
        )
        .bind(&job.title)
        .bind(&job.content)
        .bind(&job.author_id)
        .bind(&job.key)
        .bind(image.map(|(prepared, _)| prepared.full.name.as_str()))
        .bind(image.map(|(prepared, _)| prepared.thumb.name.as_str()))
        .bind(image.map(|(_, alt)| alt.as_str()))
        .bind(image.map(|(prepared, _)| i64::from(prepared.full.width)))
        .bind(image.map(|(prepared, _)| i64::from(prepared.full.height)))
        .fetch_optional(&mut **tx)
        .await
    })?;
    if inserted.is_some() {
        if let Some((prepared, _)) = image {
            images::insert(tx, prepared).await?;
        }
        return Ok(inserted);
    }
    either!(Tx, tx, |tx| {
        // Published before under this key: the first post's id.
        sqlx::query_scalar("SELECT id FROM posts WHERE author_id = $1 AND submission_key = $2")
            .bind(&job.author_id)
            .bind(&job.key)
            .fetch_optional(&mut **tx)
            .await
    })
}

impl PostWriter {
    /// Publishes `input` as a post by `author` and returns its id once it is
    /// committed.
    ///
    /// Idempotent per submission: a second call with the same `key` from the
    /// same author writes nothing and returns the first post's id, so a
    /// double click or a retried request publishes one post.
    pub async fn publish(
        &self,
        author: &Visitor,
        key: &SubmissionKey,
        input: &PostInput,
        image: Option<(Prepared, ImageAlt)>,
    ) -> Result<i64, AppError> {
        let publish = Publish {
            author_id: author.id().to_owned(),
            key: key.as_str().to_owned(),
            title: input.title.as_str().to_owned(),
            content: input.content.as_str().to_owned(),
            image: image.map(|(prepared, alt)| Arc::new((prepared, alt.as_str().to_owned()))),
        };
        // `None`: the first post was deleted between the two statements;
        // the key is free again, but this attempt lost the race. Ask for a
        // retry.
        self.submit(publish).await?.ok_or(AppError::Unavailable)
    }
}
