package ledger

import (
	"context"
	"fmt"

	"enkashbatch/domain"
)

// Corrections returns, for the rejected rows of the given files, the row that corrected each:
// the first row (by file, then line) of a later file among them, of the same kind, that
// carries the rejected row's reference regardless of case and surrounding spaces (the form of
// domain.ReferenceKey that SQLite's upper(trim()) computes). Rows rejected because their
// reference was already sent or queued (domain.NeverResendRules) are not rows to correct, and
// rows without a reference cannot be linked: neither is listed. The result is ordered by the
// rejected row's file and line.
func (db *DB) Corrections(ctx context.Context, fileIDs []int64) ([]domain.Correction, error) {
	if len(fileIDs) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(fileIDs)+len(domain.NeverResendRules))
	for _, id := range fileIDs {
		args = append(args, id)
	}
	for _, r := range domain.NeverResendRules {
		args = append(args, r)
	}
	rows, err := db.read.QueryContext(ctx, `
WITH r AS (
	SELECT i.id, i.file_id, f.name AS file, i.kind, i.line, i.reference, i.amount, i.status, i.rule,
		upper(trim(i.reference)) AS k
	FROM items i JOIN files f ON f.id = i.file_id
	WHERE i.file_id IN (`+placeholders(len(fileIDs))+`) AND trim(i.reference) <> ''
), linked AS (
	SELECT a.id, a.file_id, a.file, a.kind, a.line, a.reference, a.amount,
		b.id AS by_id, b.file_id AS by_file_id, b.file AS by_file, b.line AS by_line, b.status AS by_status,
		row_number() OVER (PARTITION BY a.id ORDER BY b.file_id, b.line) AS n
	FROM r a JOIN r b ON b.kind = a.kind AND b.k = a.k AND b.file_id > a.file_id
	WHERE a.status = 'rejected' AND a.rule NOT IN (`+placeholders(len(domain.NeverResendRules))+`)
)
SELECT id, file_id, file, kind, line, reference, amount, by_id, by_file_id, by_file, by_line, by_status
FROM linked WHERE n = 1 ORDER BY file_id, line, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list corrections: %w", err)
	}
	defer rows.Close()
	var out []domain.Correction
	for rows.Next() {
		var c domain.Correction
		if err := rows.Scan(&c.ItemID, &c.FileID, &c.File, &c.Kind, &c.Line, &c.Reference, &c.Amount,
			&c.ByItemID, &c.ByFileID, &c.ByFile, &c.ByLine, &c.ByStatus); err != nil {
			return nil, fmt.Errorf("list corrections: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list corrections: %w", err)
	}
	return out, nil
}
