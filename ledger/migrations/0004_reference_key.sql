-- References are unique regardless of case and surrounding spaces: "DP-3", "Dp-3" and "dp-3 "
-- are one reference. ref_key is the live reference's key (domain.ReferenceKey: trimmed, ASCII
-- letters upper-cased), NULL exactly when live_ref is NULL; its unique index per kind replaces
-- the one on live_ref, which it implies.
ALTER TABLE items ADD COLUMN ref_key TEXT;

-- rule is the first rule a rejected row broke, e.g. already_sent: a row whose reference belongs
-- to a payment already made is never offered for fixing and dropping again.
ALTER TABLE items ADD COLUMN rule TEXT NOT NULL DEFAULT '';

-- Backfill: each live reference gets its key. Where a ledger already holds references that
-- differ only in case (recorded before this rule), the earliest item takes the key; the later
-- ones keep their exact live_ref, and no new item can take any form of that reference.
UPDATE items SET ref_key = k.ref_key
FROM (SELECT min(id) AS id, upper(trim(live_ref)) AS ref_key FROM items
      WHERE live_ref IS NOT NULL GROUP BY kind, upper(trim(live_ref))) AS k
WHERE items.id = k.id;

DROP INDEX items_live_ref;
CREATE UNIQUE INDEX items_ref_key ON items(kind, ref_key);
