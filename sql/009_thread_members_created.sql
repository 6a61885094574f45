-- 009_thread_members_created: order=created_at on GET /messages/threads (API.md §12) reads a
-- member's threads by the thread's id (ids grow in commit order: created_at order), one index
-- range like the default order by last activity (thread_members_activity).

ALTER TABLE thread_members ADD KEY thread_members_created (user_id, thread_id);
