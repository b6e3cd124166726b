package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"enkashbatch/domain"
	"enkashbatch/ledger"
	"enkashbatch/report"
)

// WriteReceipts writes, for every file run runID accepted, its receipt in reports/ at once
// (receipt-<file>-<time>.xlsx): rows received, rejected with reasons, the valid total, when
// it will be sent (when, given the file's kind, says it in words), and the fix-and-redrop file,
// written at the same time. It returns the receipts' and fix files' paths.
func (p *Pipeline) WriteReceipts(ctx context.Context, runID int64, when func(domain.Kind) string) (receipts, fixFiles []string, err error) {
	files, err := p.ledger.FileSummaries(ctx, ledger.FileFilter{RunID: runID})
	if err != nil {
		return nil, nil, err
	}
	loc := p.cfg.Location
	if loc == nil {
		loc = p.cfg.Now().Location()
	}
	for _, f := range files {
		if f.Status != ledger.FileAccepted {
			continue
		}
		r := report.Receipt{File: f, RunID: runID, Sandbox: p.cfg.Sandbox, Location: loc, Waiting: map[domain.Status]domain.Money{}}
		for it, err := range p.ledger.Items(ctx, ledger.ItemFilter{FileIDs: []int64{f.ID}}) {
			if err != nil {
				return nil, nil, err
			}
			switch {
			case it.Status == domain.StatusRejected:
				r.Rejected = append(r.Rejected, it)
			case it.Status == domain.StatusValid:
				r.Valid.Add(it.Amount)
			case !it.Status.Final():
				m := r.Waiting[it.Status]
				m.Add(it.Amount)
				r.Waiting[it.Status] = m
			}
		}
		r.When = "nothing to send: no row is ready to be sent"
		if r.Valid.Count > 0 {
			r.When = when(f.Kind)
		}
		if f.Tally.Rejected.Count > 0 {
			path, _, err := p.writeFixFile(ctx, runID, f)
			if err != nil {
				return nil, nil, err
			}
			if path != "" {
				r.FixFile = path
				fixFiles = append(fixFiles, path)
			}
		}
		base := strings.TrimSuffix(f.Name, filepath.Ext(f.Name))
		path := filepath.Join(p.cfg.Home, dirReports, fmt.Sprintf("receipt-%s-%s.xlsx", base, f.ReceivedAt.In(loc).Format("2006-01-02-150405")))
		if err := report.WriteReceipt(path, r); err != nil {
			return nil, nil, fmt.Errorf("write receipt of %s: %w", f.Name, err)
		}
		receipts = append(receipts, path)
	}
	return receipts, fixFiles, nil
}
