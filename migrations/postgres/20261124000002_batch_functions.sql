-- Likes and views are written in batches (server::services::group_commit).
-- Over the network every statement is a round trip, and a batch of likes
-- took two per like; these functions apply a whole batch in one call, job
-- by job and in order, as the batch would have: each job's row of counts as
-- its own change left them (none for a post that does not exist).

CREATE FUNCTION bulletin_apply_likes(job_posts BIGINT[], job_visitors TEXT[], job_liked BOOLEAN[])
RETURNS TABLE (job INT, likes BIGINT, views BIGINT) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(job_posts, 1), 0) LOOP
        IF job_liked[i] THEN
            -- Only for a post that exists; a second like changes nothing.
            INSERT INTO post_likes (post_id, visitor_id)
                SELECT p.id, job_visitors[i] FROM posts p WHERE p.id = job_posts[i]
                ON CONFLICT (post_id, visitor_id) DO NOTHING;
        ELSE
            DELETE FROM post_likes l WHERE l.post_id = job_posts[i] AND l.visitor_id = job_visitors[i];
        END IF;
        -- The trigger has already brought like_count along.
        RETURN QUERY SELECT i, p.like_count, p.view_count FROM posts p WHERE p.id = job_posts[i];
    END LOOP;
END
$$;

CREATE FUNCTION bulletin_apply_views(job_posts BIGINT[])
RETURNS TABLE (job INT, likes BIGINT, views BIGINT) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(job_posts, 1), 0) LOOP
        RETURN QUERY UPDATE posts p SET view_count = p.view_count + 1 WHERE p.id = job_posts[i]
            RETURNING i, p.like_count, p.view_count;
    END LOOP;
END
$$;
