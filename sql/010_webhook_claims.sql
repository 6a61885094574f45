-- 010_webhook_claims: kinglet-webhookd now claims deliveries by primary key (SELECT ... FOR UPDATE
-- SKIP LOCKED, then the lease by id) and reads them back by id, so nothing looks deliveries up by
-- lease owner any more; keeping that index cost every claim a move of its entries (the owner goes
-- from NULL to a name and back), 20 ms for 32 rows beside 100,000 pending ones, and a backlog was
-- delivered at 45 a second.

ALTER TABLE webhook_deliveries DROP KEY webhook_deliveries_lease;

-- An event is now claimed by its row lock while it is fanned out (FOR UPDATE SKIP LOCKED, in the
-- transaction that makes its deliveries and deletes it): its lease columns have no reader left.
ALTER TABLE webhook_events DROP KEY webhook_events_lease, DROP COLUMN lease_owner,
  DROP COLUMN lease_until;
