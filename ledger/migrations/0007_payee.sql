-- Who was paid before, and how much: the payouts ever claimed for sending to Enkash, by payee
-- and amount, for the approval packet's first-time beneficiaries and possible duplicates
-- (ledger/packet.go). The payee is "acct:<account number>@<IFSC>" or "vpa:<VPA in lower
-- case>", read from the stored record.
--
-- An index on an expression, not on a generated column, and only of items claimed in a batch:
-- SQLite checks that condition before it reads the record, so ingest (rows arrive without a
-- batch) pays nothing for it; an item enters the index when it is claimed for sending. A
-- query uses the index only when it writes the same expression (payeeOf in packet.go) and the
-- same two conditions.
CREATE INDEX items_payee_sent ON items((CASE WHEN kind = 'payouts' AND payload IS NOT NULL THEN
        CASE WHEN coalesce(json_extract(payload, '$.vpa'), '') <> '' THEN 'vpa:' || lower(json_extract(payload, '$.vpa'))
             ELSE 'acct:' || coalesce(json_extract(payload, '$.account_number'), '') || '@' || upper(coalesce(json_extract(payload, '$.ifsc'), '')) END
    END), amount)
    WHERE kind = 'payouts' AND batch_id IS NOT NULL;
