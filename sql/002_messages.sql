-- 002_messages: messages (thread starters and replies), who may see each thread, each user's
-- stream, and the Idempotency-Key records of posts.
--
-- Visibility is per thread: a thread's members are its starter's author and everyone it
-- @mentions; replies inherit them. Every list is a range scan on a primary key or index prefix:
--   stream of U, newest first        inbox (user_id, message_id)
--   since EPOCH for U                inbox (user_id, message_id) from the first id after EPOCH
--   threads of U by last activity    thread_members (user_id, last_message_id)
--   replies of thread T              messages (parent_id, message_id)

CREATE TABLE messages (
  message_id       BIGINT NOT NULL AUTO_INCREMENT,
  -- 0 for a thread starter, else the starter's id (replies to replies join the starter)
  parent_id        BIGINT NOT NULL DEFAULT 0,
  author_id        BIGINT NOT NULL,
  message_markup   TEXT NOT NULL,
  message_html     TEXT NOT NULL,
  message_status   ENUM('active', 'deleted') NOT NULL DEFAULT 'active',
  -- the thread's members' names, space-separated (fixed when the thread starts)
  recipient_names  TEXT NOT NULL,
  created_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  -- thread starters only: replies and the latest activity
  reply_count      INT NOT NULL DEFAULT 0,
  last_message_id  BIGINT NOT NULL DEFAULT 0,
  last_author_id   BIGINT NOT NULL DEFAULT 0,
  last_message_at  DATETIME NULL,
  PRIMARY KEY (message_id),
  KEY messages_thread (parent_id, message_id),
  KEY messages_created (created_at),
  CONSTRAINT messages_author_fk FOREIGN KEY (author_id) REFERENCES users (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE thread_members (
  thread_id        BIGINT NOT NULL,
  user_id          BIGINT NOT NULL,
  -- copy of the thread's last_message_id, so that a member's threads are one index range
  last_message_id  BIGINT NOT NULL,
  PRIMARY KEY (thread_id, user_id),
  KEY thread_members_activity (user_id, last_message_id),
  CONSTRAINT thread_members_thread_fk FOREIGN KEY (thread_id) REFERENCES messages (message_id),
  CONSTRAINT thread_members_user_fk FOREIGN KEY (user_id) REFERENCES users (user_id)
) ENGINE=InnoDB;

-- One row per (member, message) of every active message: the stream. A deleted message's rows go.
CREATE TABLE inbox (
  user_id          BIGINT NOT NULL,
  message_id       BIGINT NOT NULL,
  author_id        BIGINT NOT NULL,
  PRIMARY KEY (user_id, message_id),
  KEY inbox_message (message_id),
  CONSTRAINT inbox_message_fk FOREIGN KEY (message_id) REFERENCES messages (message_id),
  CONSTRAINT inbox_user_fk FOREIGN KEY (user_id) REFERENCES users (user_id)
) ENGINE=InnoDB;

-- A POST with an Idempotency-Key: written in the same transaction as the message it created, so
-- a retry finds either nothing (and posts) or the finished result (and replays it).
CREATE TABLE idempotency_keys (
  user_id          BIGINT NOT NULL,
  idem_key         VARBINARY(128) NOT NULL,
  request_hash     BINARY(32) NOT NULL,
  message_id       BIGINT NOT NULL,
  created_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, idem_key),
  KEY idempotency_keys_created (created_at),
  CONSTRAINT idempotency_keys_user_fk FOREIGN KEY (user_id) REFERENCES users (user_id)
) ENGINE=InnoDB;
