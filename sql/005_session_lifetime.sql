-- 005_session_lifetime: a session now ends auth.session_max_days (default 90) after its creation
-- however much it is used (API.md §2): lib/auth.c stores that end in tokens.expires_at, which was
-- NULL for sessions. Sessions made before give the default lifetime from their creation.

UPDATE tokens SET expires_at = created_at + INTERVAL 90 DAY
WHERE kind = 'session' AND expires_at IS NULL;
