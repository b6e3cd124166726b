package ledger

// SetInsertChunk makes the ingests begun from now on write valid rows n to an INSERT, and
// returns a function that restores the chunk size.
func SetInsertChunk(n int) (restore func()) {
	old := insertChunk
	insertChunk = n
	return func() { insertChunk = old }
}
