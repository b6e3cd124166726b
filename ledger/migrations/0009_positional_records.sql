-- Records are stored as JSON arrays of their fields by position (domain/record.go), no longer as
-- objects keyed by name: a field of the payload is read from either form, its position first
-- (domain.StoredFieldSQL). The index of who was paid before (0007) is rebuilt on that
-- expression: SQLite uses an index on an expression only for the very expression a query
-- writes (payeeOf in ledger/packet.go). It holds only payouts claimed in a batch, so the
-- rebuild reads those alone.
--
-- Ingest no longer writes live_ref (ref_key, with its unique index, is the live reference's
-- key) nor updated_at (blank until the item changes: its file's received_at is its time).
-- Both columns keep what earlier versions wrote.
DROP INDEX items_payee_sent;
CREATE INDEX items_payee_sent ON items((CASE WHEN kind = 'payouts' AND payload IS NOT NULL THEN
        CASE WHEN coalesce(coalesce(json_extract(payload, '$[4]'), json_extract(payload, '$.vpa')), '') <> '' THEN 'vpa:' || lower(coalesce(json_extract(payload, '$[4]'), json_extract(payload, '$.vpa')))
             ELSE 'acct:' || coalesce(coalesce(json_extract(payload, '$[2]'), json_extract(payload, '$.account_number')), '') || '@' || upper(coalesce(coalesce(json_extract(payload, '$[3]'), json_extract(payload, '$.ifsc')), '')) END
    END), amount)
    WHERE kind = 'payouts' AND batch_id IS NOT NULL;
