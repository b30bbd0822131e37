//! The list of posts on the home page.

use leptos::prelude::*;

use crate::domain::{PostPage, PostSummary};

/// One page of posts, or the empty state, and a link to the older page.
#[component]
pub fn PostList(page: PostPage) -> impl IntoView {
    if page.posts.is_empty() {
        return view! { <p class="empty">"No posts yet"</p> }.into_any();
    }
    view! {
        <ol class="posts">
            {page.posts.into_iter().map(|post| view! { <PostItem post /> }).collect_view()}
        </ol>
        {page
            .next_before
            .map(|before| {
                view! {
                    <nav class="pager" aria-label="Pages">
                        <a href=format!("/?before={before}") rel="next">
                            "Older posts"
                        </a>
                    </nav>
                }
            })}
    }
    .into_any()
}

#[component]
fn PostItem(post: PostSummary) -> impl IntoView {
    view! {
        <li class="post-item">
            <article>
                <h2>
                    <a href=format!("/posts/{}", post.id)>{post.title}</a>
                </h2>
                <p class="excerpt">{post.excerpt}</p>
                <p class="counts">
                    <span class="likes">{format!("{} likes", post.like_count)}</span>
                    <span class="views">{format!("{} views", post.view_count)}</span>
                </p>
            </article>
        </li>
    }
}
