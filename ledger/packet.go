package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"enkashbatch/domain"
)

// The approval packet's queries: what a checker reads of one file before approving it. Every
// query reads one file's items through the items_file index; the look-ups of earlier payments
// go through items_payee_sent (migration 0007), so a file of 100,000 rows is read in about a
// second whatever the size of the ledger's history.

// sentStates are the states of an item sent to Enkash that did not fail: in flight or paid.
var sentStates = []domain.Status{domain.StatusSubmitting, domain.StatusSubmitted, domain.StatusPending,
	domain.StatusProcessing, domain.StatusUnknown, domain.StatusSuccess}

// queuedStates are the states of a valid item of another file not sent yet: waiting to be sent,
// for approval, or approved.
var queuedStates = []domain.Status{domain.StatusValid, domain.StatusAwaitingApproval, domain.StatusApproved}

// payeeOf returns the SQL expression of the payee of the payout in table alias t:
// "acct:<account number>@<IFSC>" or "vpa:<VPA in lower case>", NULL for any other kind or a
// rejected row. It is the expression of the index items_payee_sent (migration 0009), written
// with t's columns: SQLite uses the index only for this very expression.
func payeeOf(t string) string {
	field := func(key string) string { return domain.StoredFieldSQL(domain.KindPayouts, key, t+".payload") }
	return `(CASE WHEN ` + t + `.kind = 'payouts' AND ` + t + `.payload IS NOT NULL THEN
        CASE WHEN coalesce(` + field("vpa") + `, '') <> '' THEN 'vpa:' || lower(` + field("vpa") + `)
             ELSE 'acct:' || coalesce(` + field("account_number") + `, '') || '@' || upper(coalesce(` + field("ifsc") + `, '')) END
    END)`
}

// sentPayout is the condition of an item e indexed by items_payee_sent and sent: in flight or
// paid.
func sentPayout(e string) string {
	return e + ".kind = 'payouts' AND " + e + ".batch_id IS NOT NULL AND " + e + ".status IN (" + quoted(sentStates) + ")"
}

// quoted lists states as SQL string literals: the lists are ours, never user input.
func quoted(states []domain.Status) string {
	q := make([]string, len(states))
	for i, s := range states {
		q[i] = "'" + string(s) + "'"
	}
	return strings.Join(q, ", ")
}

// PacketFile is what the approval packet says of a file besides its conservation line.
type PacketFile struct {
	// Waiting counts the file's rows awaiting approval; a file with none needs no packet.
	Waiting int
	// Maker is who dropped the file, as its approval request records it; empty when unknown.
	Maker string
}

// PacketFileOf returns how many rows of file fileID await approval and who made the file.
func (db *DB) PacketFileOf(ctx context.Context, fileID int64) (PacketFile, error) {
	var pf PacketFile
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM items WHERE file_id = ? AND status = ?`,
		fileID, domain.StatusAwaitingApproval).Scan(&pf.Waiting); err != nil {
		return pf, fmt.Errorf("count rows awaiting approval: %w", err)
	}
	// The approval request records the maker (migration 0006).
	err := db.read.QueryRowContext(ctx, `SELECT maker FROM approvals WHERE file_id = ? ORDER BY id DESC LIMIT 1`, fileID).Scan(&pf.Maker)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return pf, fmt.Errorf("read maker of file %d: %w", fileID, err)
	}
	return pf, nil
}

// groupBy is, for each kind the packet groups, the expression of the field it groups by; the
// rows of another kind make one group, named by their kind.
var groupBy = map[domain.Kind]string{
	domain.KindPayouts: domain.StoredFieldSQL(domain.KindPayouts, "mode", "payload"),
	domain.KindBills:   domain.StoredFieldSQL(domain.KindBills, "biller_id", "payload"),
}

// PacketGroups returns the count and total of the valid rows of file fileID of kind k by mode
// (payouts) or biller (bills), by name; the rows of another kind make one group.
func (db *DB) PacketGroups(ctx context.Context, fileID int64, k domain.Kind) ([]domain.PacketGroup, error) {
	by, ok := groupBy[k]
	if !ok {
		by = "kind"
	}
	rows, err := db.read.QueryContext(ctx, `SELECT coalesce(`+by+`, ''), count(*), coalesce(sum(amount), 0), coalesce(sum(amount = 0), 0)
		FROM items WHERE file_id = ? AND status <> 'rejected' GROUP BY 1 ORDER BY 1`, fileID)
	if err != nil {
		return nil, fmt.Errorf("total file %d by group: %w", fileID, err)
	}
	defer rows.Close()
	var out []domain.PacketGroup
	for rows.Next() {
		var g domain.PacketGroup
		if err := rows.Scan(&g.Name, &g.Count, &g.Paise, &g.Unpriced); err != nil {
			return nil, fmt.Errorf("total file %d by group: %w", fileID, err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// LargestItems returns the n valid rows of file fileID with the largest amounts, largest
// first (by line among equal amounts).
func (db *DB) LargestItems(ctx context.Context, fileID int64, n int) ([]domain.Item, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+itemColumns+` FROM items i JOIN files f ON f.id = i.file_id
		WHERE i.file_id = ? AND i.status <> 'rejected' ORDER BY i.amount DESC, i.line LIMIT ?`, fileID, n)
	if err != nil {
		return nil, fmt.Errorf("list largest rows of file %d: %w", fileID, err)
	}
	items, err := collectItems(rows)
	if err != nil {
		return nil, fmt.Errorf("list largest rows of file %d: %w", fileID, err)
	}
	return items, nil
}

// ItemsInRange returns how many valid payouts of file fileID in mode are of at least from and at
// most to, and the first n of them, largest first: e.g. the IMPS rows close to the IMPS limit.
func (db *DB) ItemsInRange(ctx context.Context, fileID int64, mode string, from, to domain.Paise, n int) ([]domain.Item, int, error) {
	where := ` WHERE i.file_id = ? AND i.status <> 'rejected' AND i.kind = 'payouts' AND ` + domain.StoredFieldSQL(domain.KindPayouts, "mode", "i.payload") + ` = ? AND i.amount BETWEEN ? AND ?`
	var count int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM items i`+where, fileID, mode, from, to).Scan(&count); err != nil {
		return nil, 0, fmt.Errorf("count %s rows of file %d: %w", mode, fileID, err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+itemColumns+` FROM items i JOIN files f ON f.id = i.file_id`+where+
		` ORDER BY i.amount DESC, i.line LIMIT ?`, fileID, mode, from, to, n)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s rows of file %d: %w", mode, fileID, err)
	}
	items, err := collectItems(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s rows of file %d: %w", mode, fileID, err)
	}
	return items, count, nil
}

// FirstTimePayees streams the payees of the valid payouts of file fileID never paid before by
// an item of an earlier file, in the order of their first row.
func (db *DB) FirstTimePayees(ctx context.Context, fileID int64) iter.Seq2[domain.FirstTimePayee, error] {
	return func(yield func(domain.FirstTimePayee, error) bool) {
		// The bare columns take the values of the row of min(i.line): the payee's first row.
		rows, err := db.read.QueryContext(ctx, firstTimeQuery, fileID)
		if err != nil {
			yield(domain.FirstTimePayee{}, fmt.Errorf("find first-time beneficiaries of file %d: %w", fileID, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var p domain.FirstTimePayee
			var first int
			it, err := scanItemWith(rows, &first, &p.Count, &p.Paise)
			if err != nil {
				yield(p, fmt.Errorf("find first-time beneficiaries of file %d: %w", fileID, err))
				return
			}
			p.First = it
			if !yield(p, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(domain.FirstTimePayee{}, fmt.Errorf("find first-time beneficiaries of file %d: %w", fileID, err))
		}
	}
}

// firstTimeQuery selects the first-time payees of file ?1 (FirstTimePayees).
var firstTimeQuery = `SELECT ` + itemColumns + `, min(i.line), count(*), sum(i.amount)
			FROM items i JOIN files f ON f.id = i.file_id
			WHERE i.file_id = ?1 AND i.kind = 'payouts' AND i.status <> 'rejected'
			  AND NOT EXISTS (SELECT 1 FROM items e WHERE ` + payeeOf("e") + ` = ` + payeeOf("i") + ` AND ` + sentPayout("e") + ` AND e.file_id < ?1)
			GROUP BY ` + payeeOf("i") + ` ORDER BY min(i.line)`

// PossibleDuplicates streams the possible duplicates of the valid payouts of file fileID:
// for each row, every payout of another file to the same payee of the same amount, sent (and
// not failed) or waiting to be sent, dated since or later (sent, or its file received); and the
// first earlier row of the same file to the same payee of the same amount. Rows come in line
// order.
func (db *DB) PossibleDuplicates(ctx context.Context, fileID int64, since time.Time) iter.Seq2[domain.PossibleDuplicate, error] {
	return func(yield func(domain.PossibleDuplicate, error) bool) {
		// Three sources in one ordered stream: payouts sent, through the payee index; payouts
		// of other files not sent yet, through the state index; rows of the same file, among
		// themselves. The file's own rows, with their payee, are read once (mine, materialized)
		// and are the outer loop of the look-up in the payee index (CROSS JOIN keeps that
		// order: SQLite would otherwise scan every payout sent and, for each, the file).
		rows, err := db.read.QueryContext(ctx, duplicatesQuery, fileID, formatTime(since))
		if err != nil {
			yield(domain.PossibleDuplicate{}, fmt.Errorf("find possible duplicates of file %d: %w", fileID, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var d domain.PossibleDuplicate
			var at string
			it, err := scanItemWith(rows, &d.OtherReference, &d.OtherFile, &d.OtherLine, &d.OtherStatus, &at, &d.SameFile)
			if err != nil {
				yield(d, fmt.Errorf("find possible duplicates of file %d: %w", fileID, err))
				return
			}
			d.Item, d.OtherAt = it, parseTime(at)
			if !yield(d, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(domain.PossibleDuplicate{}, fmt.Errorf("find possible duplicates of file %d: %w", fileID, err))
		}
	}
}

// duplicatesQuery selects the possible duplicates of the rows of file ?1 since ?2
// (PossibleDuplicates).
var duplicatesQuery = `WITH mine AS MATERIALIZED (
				SELECT i.id, i.line, i.amount, ` + payeeOf("i") + ` AS payee FROM items i
				WHERE i.file_id = ?1 AND i.kind = 'payouts' AND i.status <> 'rejected'),
			firsts AS MATERIALIZED ( -- the bare id is that of the row of min(line)
				SELECT payee, amount, min(line) AS line, id FROM mine GROUP BY payee, amount HAVING count(*) > 1),
			queued AS MATERIALIZED (
				SELECT o.reference, o.line, o.status, o.amount, ` + payeeOf("o") + ` AS payee, qf.name, qf.received_at AS at
				FROM files qf CROSS JOIN items o INDEXED BY items_file ON o.file_id = qf.id -- the files received since ?2, then their items
				WHERE o.kind = 'payouts' AND o.status IN (` + quoted(queuedStates) + `) AND o.file_id <> ?1 AND qf.received_at >= ?2),
			pairs AS (
				SELECT m.id AS id, e.reference AS ref, ef.name AS file, e.line AS line, e.status AS status,
					coalesce(b.created_at, ef.received_at) AS at, 0 AS same
				FROM mine m CROSS JOIN items e ON ` + payeeOf("e") + ` = m.payee AND e.amount = m.amount AND ` + sentPayout("e") + `
				JOIN files ef ON ef.id = e.file_id LEFT JOIN batches b ON b.id = e.batch_id
				WHERE e.file_id <> ?1 AND coalesce(b.created_at, ef.received_at) >= ?2
				UNION ALL
				SELECT m.id, q.reference, q.name, q.line, q.status, q.at, 0 FROM mine m JOIN queued q ON q.payee = m.payee AND q.amount = m.amount
				UNION ALL
				SELECT m.id, o.reference, f.name, o.line, o.status, f.received_at, 1
				FROM mine m JOIN firsts fs ON fs.payee = m.payee AND fs.amount = m.amount AND m.line > fs.line
				JOIN items o ON o.id = fs.id
				JOIN files f ON f.id = o.file_id)
			SELECT ` + itemColumns + `, p.ref, p.file, p.line, p.status, p.at, p.same
			FROM pairs p JOIN items i ON i.id = p.id JOIN files f ON f.id = i.file_id
			ORDER BY i.line, p.at, p.ref`

// scanItemWith scans an item's columns (itemColumns) followed by the columns into extra.
func scanItemWith(rows *sql.Rows, extra ...any) (domain.Item, error) {
	var last []any
	it, err := scanItem(scanFunc(func(dest ...any) error {
		last = append(dest, extra...)
		return rows.Scan(last...)
	}))
	return it, err
}

// scanFunc adapts a function to the Scan of scanItem.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }
