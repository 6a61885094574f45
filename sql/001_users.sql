-- 001_users: accounts, their credentials (sessions and personal access tokens), single-use mail
-- tokens (activation, password reset), and the brute-force counters shared by all processes.

CREATE TABLE users (
  user_id       BIGINT NOT NULL AUTO_INCREMENT,
  -- [A-Za-z0-9_]{1,30}; the case-insensitive collation makes the unique key case-insensitive
  user_name     VARCHAR(30) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  email         VARCHAR(254) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
  password_hash VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  user_status   ENUM('pending', 'active', 'deleted') NOT NULL DEFAULT 'pending',
  desc_markup   TEXT NOT NULL DEFAULT '',
  desc_format   TEXT NOT NULL DEFAULT '',
  created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id),
  UNIQUE KEY users_user_name (user_name),
  UNIQUE KEY users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Session tokens (from login) and personal access tokens share one table, so that authenticating
-- a request is one indexed lookup by the token's SHA-256. The token itself is never stored.
CREATE TABLE tokens (
  token_id      BIGINT NOT NULL AUTO_INCREMENT,
  user_id       BIGINT NOT NULL,
  token_hash    BINARY(32) NOT NULL,
  kind          ENUM('session', 'personal') NOT NULL,
  scope         ENUM('read', 'write') NOT NULL DEFAULT 'write',
  name          VARCHAR(64) NOT NULL DEFAULT '',
  created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_used_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  -- personal tokens: absolute expiry (NULL: none); sessions expire by idle time instead
  expires_at    DATETIME NULL,
  revoked_at    DATETIME NULL,
  PRIMARY KEY (token_id),
  UNIQUE KEY tokens_hash (token_hash),
  KEY tokens_user (user_id, kind),
  CONSTRAINT tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Single-use tokens sent by mail.
CREATE TABLE mail_tokens (
  token_hash    BINARY(32) NOT NULL,
  user_id       BIGINT NOT NULL,
  purpose       ENUM('activate', 'reset') NOT NULL,
  created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires_at    DATETIME NOT NULL,
  used_at       DATETIME NULL,
  PRIMARY KEY (token_hash),
  KEY mail_tokens_user (user_id, purpose),
  CONSTRAINT mail_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Fixed-window counters (failed logins per account and per address, sign-ups and reset requests
-- per address): in the database so that every process sees them and a restart forgets nothing.
CREATE TABLE throttle (
  bucket        VARBINARY(300) NOT NULL,
  window_start  BIGINT NOT NULL,
  hits          INT NOT NULL,
  PRIMARY KEY (bucket)
) ENGINE=InnoDB;
