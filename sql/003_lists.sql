-- 003_lists: approved lists (the original Kinglet's spam shield, API.md §5.9), and the system
-- account that writes the decision messages.

CREATE TABLE approvals (
  request_id    BIGINT NOT NULL AUTO_INCREMENT,
  requester_id  BIGINT NOT NULL,
  approver_id   BIGINT NOT NULL,
  status        ENUM('pending', 'approved', 'rejected') NOT NULL DEFAULT 'pending',
  created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  decided_at    DATETIME NULL,
  PRIMARY KEY (request_id),
  UNIQUE KEY approvals_pair (requester_id, approver_id),
  -- the requests made to a user, newest first, and the pending count
  KEY approvals_approver (approver_id, status, request_id),
  KEY approvals_approver_all (approver_id, request_id),
  CONSTRAINT approvals_requester_fk FOREIGN KEY (requester_id) REFERENCES users (user_id),
  CONSTRAINT approvals_approver_fk FOREIGN KEY (approver_id) REFERENCES users (user_id)
) ENGINE=InnoDB;

-- The author of system messages. Its password hash is not an MCF string: nobody can log in.
INSERT INTO users (user_name, email, password_hash, user_status)
VALUES ('kinglet', 'kinglet@system.invalid', '!', 'active');
