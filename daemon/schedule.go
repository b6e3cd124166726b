package daemon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"enkashbatch/domain"
	"enkashbatch/jobs"
)

// CatchUp is what a job does about occurrences missed while the daemon was down.
type CatchUp string

// Catch-up policies.
const (
	// CatchUpSkip lets missed occurrences go: the job waits for its next time.
	CatchUpSkip CatchUp = "skip"
	// CatchUpOnce runs the latest missed occurrence once (however many were missed), if it is
	// no later than the job's max_lateness.
	CatchUpOnce CatchUp = "once"
)

// Defaults of schedules.yaml.
const (
	DefaultTimezone    = "Asia/Kolkata"
	DefaultGrace       = 2 * time.Minute
	DefaultMaxLateness = 6 * time.Hour
)

// Schedules is a parsed, validated schedules.yaml.
type Schedules struct {
	// Source names the file, for messages.
	Source string
	// Location is the time zone of specs that name none (timezone:, default Asia/Kolkata).
	Location *time.Location
	// Grace is how late an occurrence may start and still count as on time (grace:, default
	// 2m); later than that, it is a catch-up and the job's policy decides.
	Grace time.Duration
	// Jobs are the named jobs, in file order.
	Jobs []Job
}

// Job is one named, scheduled sequence of steps.
type Job struct {
	Name string
	// Spec is the cron expression as written (5 fields or a descriptor such as @daily, with an
	// optional CRON_TZ=Area/City prefix).
	Spec string
	// Schedule computes the job's times; Location is the zone it computes them in.
	Schedule cron.Schedule
	Location *time.Location
	// Steps run in order under one run record.
	Steps []jobs.Step
	// PollDeadline overrides the pipeline's poll deadline for this job (0: the pipeline's).
	PollDeadline time.Duration
	// Kinds restricts the ingest step to the inbox folders of these kinds (files at the top of
	// the inbox are taken by any job); empty: every kind.
	Kinds []domain.Kind
	// ReportDir, when set, receives a copy of the run workbook and fix-and-redrop files.
	ReportDir string
	// CatchUp and MaxLateness decide what happens to occurrences missed during downtime.
	CatchUp     CatchUp
	MaxLateness time.Duration
	// Line is where the job is defined, for messages.
	Line int
}

// Job returns the job named name.
func (s *Schedules) Job(name string) (Job, bool) {
	for _, j := range s.Jobs {
		if j.Name == name {
			return j, true
		}
	}
	return Job{}, false
}

// LoadSchedules reads and validates a schedules file.
func LoadSchedules(path string) (*Schedules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read schedules: %w", err)
	}
	return ParseSchedules(filepath.Base(path), data)
}

// SchedulesError lists every problem found in a schedules file, each naming its line and,
// where there is one, its job.
type SchedulesError struct {
	Source   string
	Problems []Problem
}

// Problem is one mistake in a schedules file.
type Problem struct {
	Line    int
	Job     string
	Message string
}

func (e *SchedulesError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s:%d: ", e.Source, p.Line)
		if p.Job != "" {
			fmt.Fprintf(&b, "job %q: ", p.Job)
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

var jobName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// cronParser accepts standard five-field specs and descriptors, with CRON_TZ= prefixes.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedules parses and validates the text of a schedules file; source names it in
// messages. It never panics, whatever the text.
func ParseSchedules(source string, data []byte) (*Schedules, error) {
	v := &validator{source: source}
	s := &Schedules{Source: source, Grace: DefaultGrace}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &SchedulesError{Source: source, Problems: []Problem{{Line: yamlErrorLine(err), Message: "not valid YAML: " + err.Error()}}}
	}
	if len(doc.Content) == 0 {
		return nil, &SchedulesError{Source: source, Problems: []Problem{{Line: 1, Message: "the file is empty: it needs a jobs: section"}}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, &SchedulesError{Source: source, Problems: []Problem{{Line: root.Line, Message: "expected a mapping with timezone:, grace: and jobs:"}}}
	}
	tz := DefaultTimezone
	var jobsNode *yaml.Node
	v.fields(root, "", func(key string, val *yaml.Node) {
		switch key {
		case "timezone":
			if v.scalar(val, "", key, &tz) {
				loc, err := time.LoadLocation(tz)
				if err != nil || tz == "" || tz == "Local" {
					v.add(val.Line, "", fmt.Sprintf("timezone %q is not a known time zone (e.g. Asia/Kolkata)", tz))
					return
				}
				s.Location = loc
			}
		case "grace":
			v.duration(val, "", key, &s.Grace)
		case "jobs":
			jobsNode = val
		default:
			v.add(val.Line, "", fmt.Sprintf("unknown setting %q (settings: timezone, grace, jobs)", key))
		}
	})
	if s.Location == nil {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			loc, _ = time.LoadLocation(DefaultTimezone)
		}
		s.Location = loc
	}
	switch {
	case jobsNode == nil:
		v.add(root.Line, "", "no jobs: section")
	case jobsNode.Kind != yaml.MappingNode:
		v.add(jobsNode.Line, "", "jobs: must map job names to their settings")
	default:
		for i := 0; i+1 < len(jobsNode.Content); i += 2 {
			key, val := jobsNode.Content[i], jobsNode.Content[i+1]
			name := key.Value
			if !jobName.MatchString(name) {
				v.add(key.Line, name, "a job name is lower-case letters, digits, - and _")
			}
			if _, dup := s.Job(name); dup {
				v.add(key.Line, name, "defined twice")
				continue
			}
			if j, ok := v.job(name, key.Line, val, s.Location); ok {
				s.Jobs = append(s.Jobs, j)
			}
		}
		if len(jobsNode.Content) == 0 {
			v.add(jobsNode.Line, "", "jobs: is empty")
		}
	}
	if len(v.problems) > 0 {
		sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].Line < v.problems[j].Line })
		return nil, &SchedulesError{Source: source, Problems: v.problems}
	}
	return s, nil
}

// validator collects problems instead of stopping at the first.
type validator struct {
	source   string
	problems []Problem
}

func (v *validator) add(line int, job, msg string) {
	v.problems = append(v.problems, Problem{Line: line, Job: job, Message: msg})
}

// fields calls fn for every key of a mapping node.
func (v *validator) fields(n *yaml.Node, job string, fn func(key string, val *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		if seen[key.Value] {
			v.add(key.Line, job, fmt.Sprintf("%s: given twice", key.Value))
			continue
		}
		seen[key.Value] = true
		fn(key.Value, n.Content[i+1])
	}
}

func (v *validator) scalar(n *yaml.Node, job, key string, out *string) bool {
	if n.Kind != yaml.ScalarNode {
		v.add(n.Line, job, key+": expected a single value")
		return false
	}
	*out = strings.TrimSpace(n.Value)
	return true
}

func (v *validator) duration(n *yaml.Node, job, key string, out *time.Duration) bool {
	var s string
	if !v.scalar(n, job, key, &s) {
		return false
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		v.add(n.Line, job, fmt.Sprintf("%s: %q is not a positive duration (e.g. 30m, 6h)", key, s))
		return false
	}
	*out = d
	return true
}

func (v *validator) list(n *yaml.Node, job, key string) ([]*yaml.Node, bool) {
	switch n.Kind {
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				v.add(c.Line, job, key+": expected a list of names")
				return nil, false
			}
		}
		return n.Content, true
	case yaml.ScalarNode:
		return []*yaml.Node{n}, true
	}
	v.add(n.Line, job, key+": expected a list of names")
	return nil, false
}

// job validates one job's settings.
func (v *validator) job(name string, line int, n *yaml.Node, loc *time.Location) (Job, bool) {
	before := len(v.problems)
	j := Job{Name: name, Line: line, CatchUp: CatchUpSkip}
	if n.Kind != yaml.MappingNode {
		v.add(n.Line, name, "expected its settings (cron:, steps:, ...)")
		return j, false
	}
	var lateLine int
	given := map[string]bool{}
	v.fields(n, name, func(key string, val *yaml.Node) {
		given[key] = true
		switch key {
		case "cron":
			if v.scalar(val, name, key, &j.Spec) {
				sched, err := parseSpec(j.Spec, loc)
				if err != nil {
					v.add(val.Line, name, fmt.Sprintf("cron: %q: %v", j.Spec, err))
					return
				}
				j.Schedule, j.Location = sched, scheduleLocation(sched, loc)
			}
		case "steps":
			items, ok := v.list(val, name, key)
			if !ok {
				return
			}
			for _, it := range items {
				step, known := jobs.ParseStep(it.Value)
				switch {
				case !known:
					v.add(it.Line, name, fmt.Sprintf("unknown step %q (steps: %s)", it.Value, stepNames()))
				case slices.Contains(j.Steps, step):
					v.add(it.Line, name, fmt.Sprintf("step %q listed twice", step))
				default:
					j.Steps = append(j.Steps, step)
				}
			}
		case "poll_deadline":
			v.duration(val, name, key, &j.PollDeadline)
		case "kinds":
			items, ok := v.list(val, name, key)
			if !ok {
				return
			}
			for _, it := range items {
				k, ok := domain.ParseKind(strings.ToLower(strings.TrimSpace(it.Value)))
				if !ok {
					v.add(it.Line, name, fmt.Sprintf("unknown kind %q (kinds: %s)", it.Value, kindNames()))
					continue
				}
				j.Kinds = append(j.Kinds, k)
			}
		case "report_dir":
			v.scalar(val, name, key, &j.ReportDir)
		case "catch_up":
			var s string
			if v.scalar(val, name, key, &s) {
				switch CatchUp(strings.ToLower(s)) {
				case CatchUpSkip, CatchUpOnce:
					j.CatchUp = CatchUp(strings.ToLower(s))
				default:
					v.add(val.Line, name, fmt.Sprintf("catch_up: %q is not skip or once", s))
				}
			}
		case "max_lateness":
			lateLine = val.Line
			v.duration(val, name, key, &j.MaxLateness)
		default:
			v.add(val.Line, name, fmt.Sprintf("unknown setting %q (settings: cron, steps, poll_deadline, kinds, report_dir, catch_up, max_lateness)", key))
		}
	})
	if !given["cron"] {
		v.add(n.Line, name, "no cron: expression")
	}
	if !given["steps"] {
		v.add(n.Line, name, "no steps: (any of "+stepNames()+")")
	}
	if j.ReportDir != "" && !slices.Contains(j.Steps, jobs.StepReport) {
		v.add(n.Line, name, "report_dir: is set but the job has no report step")
	}
	switch {
	case j.MaxLateness != 0 && j.CatchUp != CatchUpOnce:
		v.add(lateLine, name, "max_lateness: only applies with catch_up: once")
	case j.MaxLateness == 0:
		j.MaxLateness = DefaultMaxLateness
	}
	return j, len(v.problems) == before
}

// parseSpec parses a cron expression in loc (unless it names its own CRON_TZ). robfig/cron
// panics on some malformed time zone prefixes, so the parse runs under recover.
func parseSpec(spec string, loc *time.Location) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, errors.New("malformed expression")
		}
	}()
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("empty expression")
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		if !strings.Contains(spec, " ") {
			return nil, errors.New("a CRON_TZ= prefix must be followed by a space and the expression")
		}
	} else {
		spec = "CRON_TZ=" + loc.String() + " " + spec
	}
	if strings.Contains(spec, "@every") {
		return nil, errors.New("@every has no fixed times to catch up on: use a cron expression such as */10 * * * *")
	}
	sched, err = cronParser.Parse(spec)
	if err != nil {
		return nil, err
	}
	return sched, nil
}

// scheduleLocation returns the zone a parsed schedule computes its times in.
func scheduleLocation(s cron.Schedule, def *time.Location) *time.Location {
	if spec, ok := s.(*cron.SpecSchedule); ok && spec.Location != nil {
		return spec.Location
	}
	return def
}

// stepNames lists the steps of the pipeline a job may name, in order.
func stepNames() string {
	names := make([]string, len(jobs.Steps))
	for i, s := range jobs.Steps {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

func kindNames() string {
	names := make([]string, len(domain.Kinds))
	for i, k := range domain.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// yamlErrorLine digs the line number out of a YAML syntax error (1 when it names none).
func yamlErrorLine(err error) int {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return 1
	}
	var n int
	fmt.Sscan(m[1], &n)
	return n
}
