package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"enkashbatch/domain"
	"enkashbatch/ledger"
	"enkashbatch/report"
)

// What the approval packet lists: the largest rows, the IMPS rows named in its note, and how
// far back a payment to the same payee of the same amount is a possible duplicate.
const (
	packetLargest      = 10
	packetNearIMPS     = 10
	packetDuplicateAge = 30 * 24 * time.Hour
)

// writeApprovalPackets writes, beside the run workbook (in reports/), the approval packet of
// each of files that has rows awaiting approval: what a checker reads before approving it
// (report.WriteApprovalPacket). A file with no row waiting gets none.
func (p *Pipeline) writeApprovalPackets(ctx context.Context, runID int64, files []domain.FileSummary) error {
	for _, f := range files {
		if f.Status != ledger.FileAccepted {
			continue
		}
		path, err := p.writeApprovalPacket(ctx, f)
		if err != nil {
			return fmt.Errorf("run %d: %w", runID, err)
		}
		if path != "" {
			p.log.Info("approval packet written", "file", f.Name, "kind", f.Kind, "packet", path)
		}
	}
	return nil
}

// ApprovalPacketPath returns where the approval packet of file f is written.
func (p *Pipeline) ApprovalPacketPath(f domain.FileSummary) string {
	return filepath.Join(p.cfg.Home, dirReports, report.ApprovalPacketName(f, p.cfg.Location))
}

// writeApprovalPacket writes the approval packet of f and returns its path, or "" when no row
// of f awaits approval.
func (p *Pipeline) writeApprovalPacket(ctx context.Context, f domain.FileSummary) (string, error) {
	pf, err := p.ledger.PacketFileOf(ctx, f.ID)
	if err != nil {
		return "", err
	}
	if pf.Waiting == 0 {
		return "", nil
	}
	if err := EnsureHome(p.cfg.Home); err != nil {
		return "", err
	}
	now := p.cfg.Now()
	a := report.Approval{
		File: f, Maker: pf.Maker, GeneratedAt: now, Location: p.cfg.Location, Sandbox: p.cfg.Sandbox,
		DuplicateWindow: packetDuplicateAge,
	}
	if a.Groups, err = p.ledger.PacketGroups(ctx, f.ID, f.Kind); err != nil {
		return "", err
	}
	if a.Largest, err = p.ledger.LargestItems(ctx, f.ID, packetLargest); err != nil {
		return "", err
	}
	if f.Kind == domain.KindPayouts {
		a.NearIMPS, a.NearIMPSCount, err = p.ledger.ItemsInRange(ctx, f.ID, "IMPS", report.ImpsNearFrom, report.ImpsLimit, packetNearIMPS)
		if err != nil {
			return "", err
		}
		a.FirstTime = p.ledger.FirstTimePayees(ctx, f.ID)
		a.Duplicates = p.ledger.PossibleDuplicates(ctx, f.ID, now.Add(-packetDuplicateAge))
	}
	path := p.ApprovalPacketPath(f)
	if err := report.WriteApprovalPacket(path, a); err != nil {
		return "", fmt.Errorf("write approval packet of %s: %w", f.Name, err)
	}
	return path, nil
}
