-- 006_email_change: an e-mail change without the password waits for a link mailed to the current
-- address (API.md §4.6): a mail token of purpose 'email' that carries the address it confirms, so
-- that a link confirms exactly the change its mail announced.

ALTER TABLE mail_tokens
  MODIFY purpose ENUM('activate', 'reset', 'email') NOT NULL,
  ADD COLUMN new_email VARCHAR(254) CHARACTER SET ascii COLLATE ascii_general_ci NULL;
