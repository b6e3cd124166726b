package jobs

// Checkpoint names one of the most dangerous moments of a submission, where the crash tests
// kill the process (Config.Checkpoint).
type Checkpoint string

// The checkpoints of a submission.
const (
	CheckpointAfterClaim Checkpoint = "after-claim" // the intent is committed; the call is not made
	CheckpointAfterSend  Checkpoint = "after-send"  // Enkash has the batch; the ledger does not know yet
	CheckpointAfterApply Checkpoint = "after-apply" // Enkash's answer is recorded
)

// checkpoint calls the configured checkpoint hook, if any.
func (p *Pipeline) checkpoint(c Checkpoint) {
	if p.cfg.Checkpoint != nil {
		p.cfg.Checkpoint(c)
	}
}
