-- 004_throttle_expiry: a throttle window now opens at the bucket's first hit (lib/throttle.c), and
-- rows whose window ended more than a day ago (the longest window: auth.login_window_seconds is at
-- most 86400) are deleted as new buckets come; this index finds them.

ALTER TABLE throttle ADD KEY throttle_window (window_start);
