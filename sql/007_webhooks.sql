-- 007_webhooks: webhooks (API.md §11): the hooks, the transactional outbox the posting code writes
-- in its own transaction, and the deliveries kinglet-webhookd makes from it (claimed with leases,
-- so that several daemons never send one delivery together and a crashed one's claims expire).

-- A user's registered URL. The signing secret is stored encrypted (AES-256-GCM with the key of
-- webhooks.key_file: nonce, ciphertext and tag), so a database dump alone reveals none; during a
-- rotation the previous one stays valid until old_secret_until.
CREATE TABLE webhooks (
  webhook_id        BIGINT NOT NULL AUTO_INCREMENT,
  user_id           BIGINT NOT NULL,
  url               VARCHAR(2048) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  events            SET('message.received', 'message.sent', 'message.deleted',
                        'approval.requested', 'approval.decided') NOT NULL,
  label             VARCHAR(200) CHARACTER SET utf8mb4 NOT NULL DEFAULT '',
  secret_enc        VARBINARY(128) NOT NULL,
  old_secret_enc    VARBINARY(128) NULL,
  old_secret_until  DATETIME NULL,
  active            TINYINT(1) NOT NULL DEFAULT 1,
  disabled_reason   VARCHAR(200) NULL,
  -- attempts that failed in a row, and since when every delivery has failed (NULL: not failing)
  failure_count     INT NOT NULL DEFAULT 0,
  failing_since     DATETIME NULL,
  last_delivery_at  DATETIME NULL,
  -- set when activated again: events created earlier are not sent (API.md §11 PATCH)
  active_since      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  created_at        DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (webhook_id),
  KEY webhooks_user (user_id, webhook_id),
  CONSTRAINT webhooks_user_fk FOREIGN KEY (user_id) REFERENCES users (user_id)
) ENGINE=InnoDB;

-- The outbox: one row per change that may concern hooks, written in the change's transaction.
-- The daemon fans each out into deliveries (one transaction: the deliveries in, the event out).
--   message.created   message_id (the sent and received events of its members)
--   message.deleted   message_id, audience: the JSON array of who could see it (the thread's
--                     members may be gone with it)
--   approval.requested / approval.decided   actor_id asked or decided, subject_id is the other
CREATE TABLE webhook_events (
  event_id          BIGINT NOT NULL AUTO_INCREMENT,
  kind              ENUM('message.created', 'message.deleted', 'approval.requested',
                         'approval.decided') NOT NULL,
  message_id        BIGINT NOT NULL DEFAULT 0,
  actor_id          BIGINT NOT NULL DEFAULT 0,
  subject_id        BIGINT NOT NULL DEFAULT 0,
  status            VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT '',
  audience          TEXT NULL,
  created_at        DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  lease_owner       VARCHAR(64) CHARACTER SET ascii NULL,
  lease_until       DATETIME(3) NULL,
  PRIMARY KEY (event_id)
) ENGINE=InnoDB;

-- One event for one hook. event_uid is the webhook-id header: the same on every attempt and on
-- redelivery. payload is the body, fixed at fan-out, so a retry sends the same bytes.
CREATE TABLE webhook_deliveries (
  delivery_id       BIGINT NOT NULL AUTO_INCREMENT,
  webhook_id        BIGINT NOT NULL,
  -- the outbox event it came from (NULL for a ping): fanning an event out twice adds nothing
  event_id          BIGINT NULL,
  event_uid         VARCHAR(64) CHARACTER SET ascii NOT NULL,
  type              VARCHAR(32) CHARACTER SET ascii NOT NULL,
  payload           MEDIUMTEXT CHARACTER SET utf8mb4 NOT NULL,
  status            ENUM('pending', 'delivered', 'failed', 'dropped') NOT NULL DEFAULT 'pending',
  attempts          INT NOT NULL DEFAULT 0,
  last_status_code  INT NULL,
  last_error        VARCHAR(200) CHARACTER SET utf8mb4 NULL,
  response_excerpt  VARCHAR(512) CHARACTER SET utf8mb4 NULL,
  last_attempt_at   DATETIME(3) NULL,
  next_attempt_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  duration_ms       INT NULL,
  lease_owner       VARCHAR(64) CHARACTER SET ascii NULL,
  lease_until       DATETIME(3) NULL,
  created_at        DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (delivery_id),
  UNIQUE KEY webhook_deliveries_event (event_id, webhook_id),
  KEY webhook_deliveries_due (status, next_attempt_at),
  KEY webhook_deliveries_hook (webhook_id, delivery_id),
  -- retention (webhooks.log_days): the oldest finished deliveries go first
  KEY webhook_deliveries_age (created_at),
  CONSTRAINT webhook_deliveries_hook_fk FOREIGN KEY (webhook_id) REFERENCES webhooks (webhook_id)
    ON DELETE CASCADE
) ENGINE=InnoDB;
