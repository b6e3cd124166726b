package jobs

import "context"

// writeApprovalPackets writes, beside the run workbook, the approval packet of each file just
// held for approval: what a checker reads before approving.
// replaced by the packet helper at merge
func (p *Pipeline) writeApprovalPackets(ctx context.Context, runID int64, files []FileOutcome) error {
	return nil
}
