package jobs

// LockHome takes the data folder's lock for a process that runs pipeline steps itself (the
// daemon), so that no `batch run` or second daemon works on the same ledger meanwhile. The
// error matches ErrBusy when another process holds it. Call unlock when done.
func LockHome(home string) (unlock func(), err error) {
	return lockHome(home)
}
