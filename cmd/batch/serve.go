package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	batchd "enkashbatch/daemon"
	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/jobs"
	"enkashbatch/ledger"

	"github.com/spf13/cobra"
)

func init() { register(newServeCommand) }

func newServeCommand(m *Main, s *settings) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "the daemon: runs schedules.yaml, ingests complete inbox files as they arrive",
		Args:  cobra.NoArgs,
		RunE:  action(func(cmd *cobra.Command, _ []string) int { return runServe(cmd.Context(), m, s, f) }),
	}
	fs := cmd.Flags()
	fs.StringVar(&f.schedules, "schedules", "schedules.yaml", "the schedule: named jobs, their cron times and steps (SIGHUP reloads it)")
	fs.BoolVar(&f.once, "once", false, "run what is due now (catch-up included) and exit, for the system's cron")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:9464", "loopback address of GET /healthz and GET /metrics (empty: none)")
	fs.DurationVar(&f.scan, "scan-interval", 10*time.Second, "how often the inbox is scanned for complete files")
	bindSending(fs, s)
	bindApproval(fs, s)
	bindPreflight(fs, s)
	bindEnkash(fs, s)
	bindMatching(fs, s)
	bindInbox(fs, s)
	return cmd
}

// serveFlags are serve's own flags, beside the shared settings.
type serveFlags struct {
	schedules string
	once      bool
	listen    string
	scan      time.Duration
}

func runServe(ctx context.Context, m *Main, s *settings, f serveFlags) int {
	if f.scan <= 0 {
		return m.fail(exitUsage, "--scan-interval must be positive")
	}
	if f.listen != "" && !f.once && !loopbackAddr(f.listen) {
		return m.fail(exitUsage, "--listen %s: the daemon serves /healthz and /metrics on a loopback address only (e.g. 127.0.0.1:9464)", f.listen)
	}
	level := slog.LevelInfo
	if s.Verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewJSONHandler(m.Stderr, &slog.HandlerOptions{Level: level}))
	sched, err := batchd.LoadSchedules(f.schedules)
	if err != nil {
		return m.fail(exitUsage, "%v", err)
	}
	unlock, err := jobs.LockHome(s.Home)
	if err != nil {
		if errors.Is(err, jobs.ErrBusy) {
			return m.fail(exitUsage, "%v\n(one daemon per data folder: is `batch serve` already running on %s?)", err, s.Home)
		}
		return m.fail(exitUsage, "%v", err)
	}
	defer unlock()

	metrics := newEnkashMetrics()
	s.httpClient = metrics.client()
	conn, db, closeAll, err := m.openAll(ctx, s)
	if err != nil {
		return m.fail(exitCodeOf(err), "%v", err)
	}
	defer closeAll()
	d := &daemon{m: m, s: s, f: f, log: log, db: db, conn: conn, metrics: metrics}
	return d.run(ctx, sched)
}

// daemon is one `batch serve` process.
type daemon struct {
	m       *Main
	s       *settings
	f       serveFlags
	log     *slog.Logger
	db      *ledger.DB
	conn    *connection
	metrics *enkashMetrics
	sched   *batchd.Scheduler
	work    *batchd.Daemon

	mu       sync.Mutex
	outcomes []string // of the runs this process did, for --once's exit code
}

func (d *daemon) run(ctx context.Context, sched *batchd.Schedules) int {
	log := d.log.With("home", d.s.Home)
	if d.conn.Sandbox {
		log = log.With("sandbox", true)
	}
	// When a daemon was last alive: read before this one writes its own heartbeat.
	lastSeen, _, err := d.db.LastHeartbeat(ctx)
	if err != nil {
		return d.m.fail(exitUsage, "%v", err)
	}
	if n, err := d.db.InterruptScheduledRuns(ctx); err != nil {
		return d.m.fail(exitUsage, "%v", err)
	} else if n > 0 {
		log.Warn("runs a previous daemon left unfinished are marked interrupted; each is resumed once if still due", "runs", n)
	}
	if err := d.db.Heartbeat(ctx); err != nil {
		return d.m.fail(exitUsage, "ledger not writable: %v", err)
	}
	// One token call now: a refused password stops the daemon at once (Enkash locks the
	// account after three failures; it is never retried), an outage does not.
	if err := d.conn.Client.Token(ctx); err != nil {
		if errors.Is(err, enkash.ErrAuthRejected) {
			log.Error("Enkash refused the credentials; stopping", "err", err)
			return d.m.fail(exitEnkashDown, "%v", err)
		}
		log.Warn("Enkash not reachable at start; the jobs will try at their times", "err", err)
	}

	cfg := d.s.pipelineConfig(d.m, d.conn)
	cfg.Logger = log
	p := jobs.New(cfg, d.db, d.conn.Client)
	w := jobs.NewWatcher(d.s.Home, d.f.scan, cfg.Inbox, nil)
	work := batchd.New(p, w, d.f.once)
	d.work = work
	work.NextSend = d.nextSend
	d.sched = batchd.NewScheduler(sched, batchd.SchedulerConfig{
		Ledger: d.db, Logger: log, LastSeen: lastSeen,
		Run: func(ctx context.Context, job batchd.Job, occ batchd.Occurrence) batchd.JobResult {
			r := work.RunJob(ctx, job, occ)
			d.mu.Lock()
			d.outcomes = append(d.outcomes, r.Outcome)
			d.mu.Unlock()
			return r
		},
	})

	if d.f.once {
		log.Info("running what is due", "schedules", d.f.schedules, "jobs", len(sched.Jobs), "last_seen", lastSeen)
		d.sched.RunDue(ctx)
		if err := d.db.Heartbeat(context.WithoutCancel(ctx)); err != nil {
			log.Error("record heartbeat", "err", err)
		}
		return d.onceCode()
	}

	stopHTTP := func() {}
	if d.f.listen != "" {
		ln, err := net.Listen("tcp", d.f.listen)
		if err != nil {
			return d.m.fail(exitUsage, "listen on %s: %v", d.f.listen, err)
		}
		srv := &http.Server{Handler: d.routes(), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		stopHTTP = func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		}
		log.Info("serving /healthz and /metrics", "addr", ln.Addr().String())
	}
	defer stopHTTP()

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	log.Info("daemon started", "schedules", d.f.schedules, "jobs", len(sched.Jobs), "scan_interval", d.f.scan.String(), "last_seen", lastSeen, "pid", os.Getpid())
	d.sched.Start(ctx)
	ingestDone := make(chan struct{})
	go func() {
		defer close(ingestDone)
		work.Watch(ctx, d.f.scan, log, func() {
			if err := d.db.Heartbeat(ctx); err != nil && ctx.Err() == nil {
				log.Error("record heartbeat", "err", err)
			}
		})
	}()
	for {
		select {
		case <-hup:
			next, err := batchd.LoadSchedules(d.f.schedules)
			if err != nil {
				log.Error("schedules not reloaded: the file has mistakes; the old schedule stays in force", "err", err.Error())
				continue
			}
			d.sched.Reload(next)
			log.Info("schedules reloaded", "jobs", len(next.Jobs))
		case <-ctx.Done():
			log.Info("stopping: runs in flight finish their calls and record them")
			<-ingestDone
			d.sched.Stop()
			if err := d.db.Heartbeat(context.WithoutCancel(ctx)); err != nil {
				log.Error("record heartbeat", "err", err)
			}
			log.Info("daemon stopped")
			return exitOK
		}
	}
}

// nextSend returns the next scheduled job that sends (its steps include submit) files of kind
// k, and when, in the job's time zone.
func (d *daemon) nextSend(k domain.Kind) (string, time.Time, bool) {
	if d.sched == nil {
		return "", time.Time{}, false
	}
	next := d.sched.Next()
	var job string
	var at time.Time
	for _, j := range d.sched.Schedules().Jobs {
		t, ok := next[j.Name]
		if !ok || t.IsZero() || !slices.Contains(j.Steps, jobs.StepSubmit) {
			continue
		}
		if job == "" || t.Before(at) {
			job, at = j.Name, t.In(j.Location)
		}
	}
	return job, at, job != ""
}

// onceCode is --once's exit code: the worst outcome of the runs it did.
func (d *daemon) onceCode() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	code := exitOK
	for _, o := range d.outcomes {
		switch o {
		case ledger.ScheduleStopped:
			return exitEnkashDown
		case ledger.ScheduleAttention, ledger.ScheduleFailed, ledger.ScheduleInterrupted:
			code = exitAttention
		}
	}
	return code
}

func (d *daemon) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", d.healthz)
	mux.HandleFunc("GET /metrics", d.serveMetrics)
	return mux
}

// health is the /healthz answer.
type health struct {
	Status  string      `json:"status"` // ok, degraded (Enkash not known reachable) or failing (ledger)
	Sandbox bool        `json:"sandbox"`
	Ledger  ledgerCheck `json:"ledger"`
	Enkash  enkashCheck `json:"enkash"`
	Jobs    []jobHealth `json:"jobs"`
	// Held lists the inbox files the last scan held back (with why and since when) and the
	// entries it found that are not files.
	Held []jobs.WaitingFile `json:"held"`
	// AwaitingApproval is what waits for a checker: files, rows, total, the oldest's age.
	AwaitingApproval approvalStatus `json:"awaiting_approval"`
}

type ledgerCheck struct {
	Writable bool   `json:"writable"`
	Error    string `json:"error,omitempty"`
}

type enkashCheck struct {
	Endpoint    string    `json:"endpoint"`
	Reachable   bool      `json:"reachable"` // a token call succeeded in the last 15 minutes, none failed since
	LastTokenOK time.Time `json:"last_token_ok,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
}

type jobHealth struct {
	Name string               `json:"name"`
	Cron string               `json:"cron"`
	Next time.Time            `json:"next"`
	Last *ledger.ScheduledRun `json:"last,omitempty"`
}

func (d *daemon) healthz(w http.ResponseWriter, r *http.Request) {
	h := health{Status: "ok", Sandbox: d.conn.Sandbox, Held: orEmpty(d.work.Waiting())}
	// A real write: the heartbeat.
	if err := d.db.Heartbeat(r.Context()); err != nil {
		h.Ledger.Error = err.Error()
	} else {
		h.Ledger.Writable = true
	}
	if st, err := awaitingApproval(r.Context(), d.db, d.s); err != nil && h.Ledger.Error == "" {
		h.Ledger.Error = err.Error()
	} else {
		h.AwaitingApproval = st
	}
	h.Enkash.Endpoint = d.conn.Endpoint
	h.Enkash.Reachable, h.Enkash.LastTokenOK, h.Enkash.LastError = d.metrics.reachable()
	last, err := d.db.LastScheduledRuns(r.Context())
	if err != nil && h.Ledger.Error == "" {
		h.Ledger.Error = err.Error()
	}
	next := d.sched.Next()
	for _, j := range d.sched.Schedules().Jobs {
		jh := jobHealth{Name: j.Name, Cron: j.Spec, Next: next[j.Name]}
		if l, ok := last[j.Name]; ok {
			l.ScheduledFor = l.ScheduledFor.In(j.Location)
			jh.Last = &l
		}
		h.Jobs = append(h.Jobs, jh)
	}
	code := http.StatusOK
	switch {
	case !h.Ledger.Writable || h.Ledger.Error != "":
		h.Status, code = "failing", http.StatusServiceUnavailable
	case !h.Enkash.Reachable:
		h.Status = "degraded"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(h)
}

func (d *daemon) serveMetrics(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	states, err := d.db.StateCounts(ctx)
	if err != nil {
		http.Error(w, "metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	runs, err := d.db.ScheduledRunCounts(ctx)
	if err != nil {
		http.Error(w, "metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	last, err := d.db.LastScheduledRuns(ctx)
	if err != nil {
		http.Error(w, "metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	open, err := d.db.OpenExceptionCounts(ctx)
	if err != nil {
		http.Error(w, "metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	p := &promWriter{w: &buf}
	p.family("batch_items", "gauge", "Items in the ledger by kind and state.")
	for _, c := range states {
		p.sample("batch_items", float64(c.Count), "kind", string(c.Kind), "state", string(c.Status))
	}
	p.family("batch_items_paise", "gauge", "Amount of the items in the ledger by kind and state, in paise.")
	for _, c := range states {
		p.sample("batch_items_paise", float64(c.Paise), "kind", string(c.Kind), "state", string(c.Status))
	}
	p.family("batch_schedule_runs_total", "counter", "Occurrences of scheduled jobs by job and outcome, as the ledger records them.")
	for _, c := range runs {
		p.sample("batch_schedule_runs_total", float64(c.Count), "job", c.Job, "outcome", c.Outcome)
	}
	p.family("batch_schedule_run_duration_seconds", "summary", "Time the finished occurrences of scheduled jobs took, by job.")
	type dur struct {
		sum   float64
		count int
	}
	durs := map[string]*dur{}
	var jobsSeen []string
	for _, c := range runs {
		if c.Outcome == ledger.ScheduleRunning || c.Outcome == ledger.ScheduleSkipped || c.Outcome == ledger.ScheduleMissed {
			continue
		}
		if durs[c.Job] == nil {
			durs[c.Job] = &dur{}
			jobsSeen = append(jobsSeen, c.Job)
		}
		durs[c.Job].sum += c.Seconds
		durs[c.Job].count += c.Count
	}
	for _, j := range jobsSeen {
		p.sample("batch_schedule_run_duration_seconds_sum", durs[j].sum, "job", j)
		p.sample("batch_schedule_run_duration_seconds_count", float64(durs[j].count), "job", j)
	}
	p.family("batch_schedule_last_run_timestamp_seconds", "gauge", "Scheduled time of each job's latest recorded occurrence (Unix time).")
	for _, j := range sortedKeys(last) {
		p.sample("batch_schedule_last_run_timestamp_seconds", float64(last[j].ScheduledFor.Unix()), "job", j)
	}
	writeOpenExceptions(p, open)
	approvals, err := awaitingApproval(ctx, d.db, d.s)
	if err != nil {
		http.Error(w, "metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	p.family("batch_approval_waiting_files", "gauge", "Files whose rows await a checker's approval.")
	p.sample("batch_approval_waiting_files", float64(approvals.Files))
	p.family("batch_approval_waiting_paise", "gauge", "Total of the rows awaiting approval, in paise.")
	p.sample("batch_approval_waiting_paise", float64(approvals.Paise))
	p.family("batch_approval_oldest_age_seconds", "gauge", "How long the oldest file awaiting approval has waited (0: none waits).")
	p.sample("batch_approval_oldest_age_seconds", float64(approvals.OldestAgeSec))
	p.family("batch_approval_overdue_files", "gauge", "Files awaiting approval for longer than --approval-expiry.")
	p.sample("batch_approval_overdue_files", float64(approvals.Overdue))
	d.metrics.writeEnkash(p)
	p.family("batch_sandbox", "gauge", "1 when the daemon talks to the Enkash sandbox, not to Enkash.")
	sandbox := 0.0
	if d.conn.Sandbox {
		sandbox = 1
	}
	p.sample("batch_sandbox", sandbox)
	if p.err != nil {
		http.Error(w, "metrics: "+p.err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", promContentType)
	w.Write(buf.Bytes())
}

// loopbackAddr reports whether addr (host:port) is on a loopback interface.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
