package daemon_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // India time without the machine's zone data

	"enkashbatch/daemon"
)

func ist(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestLoadSchedules_RepoDefault(t *testing.T) {
	s, err := daemon.LoadSchedules("../schedules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.Location.String() != "Asia/Kolkata" || s.Grace != 2*time.Minute {
		t.Errorf("location %s, grace %s", s.Location, s.Grace)
	}
	loc := ist(t)
	noon := time.Date(2026, 3, 1, 12, 0, 0, 0, loc)
	want := map[string]struct {
		next    time.Time
		steps   string
		catchUp daemon.CatchUp
	}{
		"inbox":             {time.Date(2026, 3, 1, 12, 5, 0, 0, loc), "ingest", daemon.CatchUpSkip},
		"nightly":           {time.Date(2026, 3, 1, 22, 30, 0, 0, loc), "ingest submit poll reconcile report", daemon.CatchUpOnce},
		"morning-reconcile": {time.Date(2026, 3, 2, 6, 0, 0, 0, loc), "poll reconcile report", daemon.CatchUpOnce},
	}
	if len(s.Jobs) != len(want) {
		t.Fatalf("jobs = %d, want %d", len(s.Jobs), len(want))
	}
	for _, j := range s.Jobs {
		w, ok := want[j.Name]
		if !ok {
			t.Errorf("unexpected job %q", j.Name)
			continue
		}
		if got := j.Schedule.Next(noon); !got.Equal(w.next) {
			t.Errorf("%s: next after noon = %s, want %s", j.Name, got.In(loc), w.next)
		}
		if got := fmt.Sprint(j.Steps); got != "["+w.steps+"]" || j.CatchUp != w.catchUp {
			t.Errorf("%s: steps %q catch_up %s, want %q %s", j.Name, got, j.CatchUp, w.steps, w.catchUp)
		}
	}
	// After 21:55 the inbox job waits for the next morning.
	inbox, _ := s.Job("inbox")
	if got, want := inbox.Schedule.Next(time.Date(2026, 3, 1, 21, 55, 0, 0, loc)), time.Date(2026, 3, 2, 7, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("inbox after 21:55 = %s, want %s", got.In(loc), want)
	}
	nightly, _ := s.Job("nightly")
	if nightly.MaxLateness != 6*time.Hour || nightly.PollDeadline != 45*time.Minute {
		t.Errorf("nightly: max_lateness %s poll_deadline %s", nightly.MaxLateness, nightly.PollDeadline)
	}
}

func TestParseSchedules_CronTZPerJob(t *testing.T) {
	s, err := daemon.ParseSchedules("s.yaml", []byte(`
jobs:
  utc:
    cron: "CRON_TZ=UTC 0 17 * * *"
    steps: submit
  india:
    cron: "@daily"
    steps: [report]
`))
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	utc, _ := s.Job("utc")
	if got := utc.Schedule.Next(from); !got.Equal(time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)) || utc.Location.String() != "UTC" {
		t.Errorf("utc job: next %s in %s", got, utc.Location)
	}
	india, _ := s.Job("india")
	// Midnight in India is 18:30 UTC the day before.
	if got := india.Schedule.Next(from); !got.Equal(time.Date(2026, 3, 1, 18, 30, 0, 0, time.UTC)) {
		t.Errorf("@daily in India: next %s, want 18:30 UTC", got.UTC())
	}
}

func TestParseSchedules_ErrorsNameLineAndJob(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown step", "jobs:\n  nightly:\n    cron: \"30 22 * * *\"\n    steps: [ingest, sumbit]\n",
			[]string{`s.yaml:4: job "nightly": unknown step "sumbit"`}},
		{"bad cron", "jobs:\n  a:\n    cron: \"61 * * * *\"\n    steps: [poll]\n",
			[]string{`s.yaml:3: job "a": cron: "61 * * * *"`}},
		{"time zone prefix with no expression panics robfig/cron", "jobs:\n  a:\n    cron: \"CRON_TZ=Asia/Kolkata\"\n    steps: [poll]\n",
			[]string{`s.yaml:3: job "a": cron:`, "followed by a space"}},
		{"unknown time zone", "jobs:\n  a:\n    cron: \"TZ=Mars/Olympus 0 1 * * *\"\n    steps: [poll]\n",
			[]string{`s.yaml:3: job "a": cron:`, "Mars/Olympus"}},
		{"@every has no times to catch up", "jobs:\n  a:\n    cron: \"@every 5m\"\n    steps: [poll]\n",
			[]string{`s.yaml:3: job "a"`, "@every"}},
		{"bad policy and lateness", "jobs:\n  a:\n    cron: \"0 1 * * *\"\n    steps: [poll]\n    catch_up: always\n    max_lateness: soon\n",
			[]string{`s.yaml:5: job "a": catch_up: "always" is not skip or once`, `s.yaml:6: job "a": max_lateness: "soon"`}},
		{"lateness without once", "jobs:\n  a:\n    cron: \"0 1 * * *\"\n    steps: [poll]\n    max_lateness: 1h\n",
			[]string{`s.yaml:5: job "a": max_lateness: only applies with catch_up: once`}},
		{"missing cron and steps", "jobs:\n  a:\n    catch_up: skip\n",
			[]string{`s.yaml:3: job "a": no cron:`, `s.yaml:3: job "a": no steps:`}},
		{"unknown setting", "jobs:\n  a:\n    cron: \"0 1 * * *\"\n    steps: [poll]\n    retries: 3\n",
			[]string{`s.yaml:5: job "a": unknown setting "retries"`}},
		{"unknown kind", "jobs:\n  a:\n    cron: \"0 1 * * *\"\n    steps: [ingest]\n    kinds: [payouts, rewards]\n",
			[]string{`s.yaml:5: job "a": unknown kind "rewards"`}},
		{"bad top level", "timezone: Nowhere/Town\ngrace: -1m\njobs: {}\n",
			[]string{`s.yaml:1: timezone "Nowhere/Town"`, `s.yaml:2: grace: "-1m"`, "jobs: is empty"}},
		{"not YAML", "jobs:\n  a: [\n", []string{"s.yaml:", "not valid YAML"}},
		{"empty", "", []string{"s.yaml:1: the file is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := daemon.ParseSchedules("s.yaml", []byte(tt.yaml))
			var se *daemon.SchedulesError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a SchedulesError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func FuzzParseSchedules(f *testing.F) {
	f.Add([]byte("jobs:\n  a:\n    cron: \"CRON_TZ=Asia/Kolkata\"\n    steps: [poll]\n"))
	f.Add([]byte("jobs:\n  a:\n    cron: \"TZ= 0 1 * * *\"\n    steps: poll\n"))
	f.Add([]byte("timezone: UTC\njobs:\n  a: {cron: \"*/5 7-21 * * 1-5\", steps: [ingest], catch_up: once, max_lateness: 1h}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := daemon.ParseSchedules("f.yaml", data)
		if err == nil && len(s.Jobs) == 0 {
			t.Fatal("a valid schedules file with no jobs")
		}
	})
}
