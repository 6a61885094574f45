-- 008_webhook_leases: kinglet-webhookd reads back the rows it has just claimed by their lease
-- owner; without an index that read scanned every delivery (218 ms with 100,000 pending, at
-- every claim), and the daemon delivered a backlog at tens a second.

ALTER TABLE webhook_deliveries ADD KEY webhook_deliveries_lease (lease_owner);
ALTER TABLE webhook_events ADD KEY webhook_events_lease (lease_owner);
