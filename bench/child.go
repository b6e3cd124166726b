package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"enkashbatch/jobs"
	"enkashbatch/ledger"
)

// gnuTime is GNU time, which reports a child's peak RSS and CPU time.
const gnuTime = "/usr/bin/time"

// selfPath is this program, which runs the floors and the launcher as children.
var selfPath string

// proc is what one child process cost.
type proc struct {
	wall   time.Duration
	maxRSS int64         // bytes, from the child's rusage (Linux reports kilobytes)
	cpu    time.Duration // user + system time, from the child's rusage
	stdout []byte
}

// runChild runs name with args, with env added to the harness's environment, and measures its
// wall time, CPU time and peak resident memory from outside. Exit code 1 (rows rejected) is
// accepted when allow1 is set.
//
// The child is not started by the harness directly. Linux keeps a process's peak RSS across
// execve, and Go starts children with vfork semantics (the child shares the parent's memory
// until it execs), so a child started by the harness would report at least the harness's own
// peak (which holds generated data). GNU time forks for real and is tiny, so the peak it
// reports is the child's own; without it, this program's "rss" launcher is used, whose own
// peak (about 20 MB, the size of a Go program with these libraries) is then a lower bound.
func runChild(ctx context.Context, env []string, allow1 bool, name string, args ...string) (proc, error) {
	out, err := os.CreateTemp("", "bench-rss-")
	if err != nil {
		return proc{}, err
	}
	out.Close()
	defer os.Remove(out.Name())
	var cmd *exec.Cmd
	if _, err := os.Stat(gnuTime); err == nil {
		cmd = exec.CommandContext(ctx, gnuTime, append([]string{"-o", out.Name(), "-f", "%M %U %S", name}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, selfPath, append([]string{"rss", out.Name(), name}, args...)...)
	}
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	p := proc{wall: time.Since(start), stdout: stdout.Bytes()}
	if b, rerr := os.ReadFile(out.Name()); rerr == nil && len(bytes.TrimSpace(b)) > 0 {
		// The last line holds the figures (GNU time may write an exit status line first).
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		var kb int64
		var user, sys float64
		if _, perr := fmt.Sscan(lines[len(lines)-1], &kb, &user, &sys); perr != nil {
			return p, fmt.Errorf("resource use of %s: %q: %w", filepath.Base(name), b, perr)
		}
		p.maxRSS, p.cpu = kb*1024, time.Duration((user+sys)*float64(time.Second))
	} else if err == nil {
		return p, fmt.Errorf("resource use of %s: not reported", filepath.Base(name))
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && allow1 && ee.ExitCode() == 1 {
			return p, nil
		}
		return p, fmt.Errorf("%s %v: %w\n%s", filepath.Base(name), args, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return p, nil
}

// child runs one of the harness's own sub-commands and returns the exit code.
func child(cmd string, args []string) int {
	ctx := context.Background()
	var n int
	var err error
	switch {
	case cmd == "floor-csv" && len(args) == 2:
		n, err = floorCSV(ctx, args[0], args[1])
	case cmd == "floor-csv-single" && len(args) == 2:
		n, err = floorCSVSingle(ctx, args[0], args[1])
	case cmd == "floor-xlsx" && len(args) == 1:
		n, err = floorXLSX(args[0])
	case cmd == "profile" && len(args) == 2:
		n, err = profileIngest(ctx, args[0], args[1])
	case cmd == "gen" && len(args) == 2:
		n, err = strconv.Atoi(args[0])
		if err == nil && strings.HasSuffix(args[1], ".xlsx") {
			_, err = writePayoutXLSX(args[1], "PAY-G", n, 1000)
		} else if err == nil {
			_, err = writePayoutCSV(args[1], "PAY-G", n, 1000)
		}
	case cmd == "rss" && len(args) >= 2:
		return launch(args[0], args[1], args[2:])
	default:
		usage()
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	fmt.Println(n)
	return 0
}

// launch runs name with args, passing stdio through, writes the child's peak RSS in
// kilobytes and its user and system CPU seconds, from its rusage, to the file out (as GNU
// time's "%M %U %S" does), and returns the child's exit code.
func launch(out, name string, args []string) int {
	cmd := exec.Command(name, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "bench rss:", err)
		return 2
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		line := fmt.Sprintf("%d %.3f %.3f\n", ru.Maxrss, float64(ru.Utime.Nano())/1e9, float64(ru.Stime.Nano())/1e9)
		if werr := os.WriteFile(out, []byte(line), 0o644); werr != nil {
			fmt.Fprintln(os.Stderr, "bench rss:", werr)
			return 2
		}
	}
	return cmd.ProcessState.ExitCode()
}

// profileIngest ingests file into a fresh data folder in this process, as `batch ingest`
// does (jobs.Pipeline.IngestOnly), with a CPU profile written to out. It returns the rows read.
func profileIngest(ctx context.Context, out, file string) (int, error) {
	home, err := os.MkdirTemp("", "enkash-profile-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(home)
	if _, err := jobs.DropInInbox(home, file); err != nil {
		return 0, err
	}
	db, err := ledger.Open(ctx, filepath.Join(home, "ledger.db"))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	pf, err := os.Create(out)
	if err != nil {
		return 0, fmt.Errorf("profile: %w", err)
	}
	defer pf.Close()
	if err := pprof.StartCPUProfile(pf); err != nil {
		return 0, fmt.Errorf("profile: %w", err)
	}
	start := time.Now()
	res, err := jobs.New(jobs.Config{Home: home}, db, nil).IngestOnly(ctx)
	pprof.StopCPUProfile()
	if err != nil {
		return 0, err
	}
	rows := 0
	for _, f := range res.Files {
		rows += f.Rows
	}
	fmt.Fprintf(os.Stderr, "ingested %d rows in %s (profile: %s)\n", rows, time.Since(start).Round(time.Millisecond), out)
	return rows, nil
}
