-- 011_active_hooks: how many active webhooks each user has, kept by triggers on webhooks whatever
-- changes a hook (the routes, kinglet-webhookd disabling one, a statement typed by hand). A new
-- thread reads it with its members' names (post_resolve_mentions, lib/post.c) and, when no member
-- has a hook, runs no outbox statement at all: without hooks, POST /messages runs the statements
-- it ran before webhooks.
-- (Each trigger's WHERE is false when the hook's active flag did not change: the daemon's many
-- updates of a hook's counters neither read nor lock its user.)

ALTER TABLE users ADD COLUMN active_hooks INT NOT NULL DEFAULT 0;

CREATE TRIGGER webhooks_count_insert AFTER INSERT ON webhooks FOR EACH ROW
  UPDATE users SET active_hooks = active_hooks + 1 WHERE user_id = NEW.user_id AND NEW.active = 1;

CREATE TRIGGER webhooks_count_update AFTER UPDATE ON webhooks FOR EACH ROW
  UPDATE users SET active_hooks = active_hooks + NEW.active - OLD.active
  WHERE user_id = NEW.user_id AND NEW.active <> OLD.active;

CREATE TRIGGER webhooks_count_delete AFTER DELETE ON webhooks FOR EACH ROW
  UPDATE users SET active_hooks = active_hooks - 1 WHERE user_id = OLD.user_id AND OLD.active = 1;

UPDATE users u SET active_hooks =
  (SELECT COUNT(*) FROM webhooks w WHERE w.user_id = u.user_id AND w.active = 1);
