package jobs

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"strings"
	"time"

	"enkashbatch/domain"
	"enkashbatch/ledger"
	"enkashbatch/parsers"
	"enkashbatch/report"
)

// report writes the run workbook and, for every file the run read that had rejected rows, a
// fix-and-redrop file in the file's own format.
func (p *Pipeline) report(ctx context.Context, runID int64, res *Result) error {
	files, err := p.ledger.FileSummaries(ctx, ledger.FileFilter{RunID: runID})
	if err != nil {
		return err
	}
	names := make([]string, len(files))
	ids := make([]int64, len(files))
	for i, f := range files {
		names[i], ids[i] = f.Name, f.ID
	}
	excs, err := p.ledger.Exceptions(ctx, ledger.ExceptionFilter{RunID: runID, Files: names})
	if err != nil {
		return err
	}
	info, err := p.ledger.Run(ctx, runID)
	if err != nil {
		return err
	}
	res.Files, res.Exceptions = files, excs
	finished := p.cfg.Now()
	if !info.FinishedAt.IsZero() {
		finished = info.FinishedAt // a run written again: the time it finished, not now
	}
	res.Workbook = p.runWorkbookPath(runID, finished)
	items := p.ledger.Items(ctx, ledger.ItemFilter{FileIDs: ids})
	if len(ids) == 0 {
		items = func(func(domain.Item, error) bool) {}
	}
	err = report.WriteRunWorkbook(res.Workbook, report.Run{
		Info:       report.RunInfo{ID: runID, StartedAt: info.StartedAt, FinishedAt: finished, Sandbox: p.cfg.Sandbox, Endpoint: p.cfg.Endpoint, Location: p.cfg.Location},
		Files:      files,
		Items:      items,
		Exceptions: sliceSeq(excs),
	})
	if err != nil {
		return fmt.Errorf("write run workbook: %w", err)
	}
	for _, f := range files {
		if f.Tally.Rejected.Count == 0 || f.Status != ledger.FileAccepted {
			continue
		}
		path, kept, err := p.writeFixFile(ctx, runID, f)
		switch {
		case err != nil:
			return err
		case kept:
			res.KeptFixFiles = append(res.KeptFixFiles, path)
		case path != "":
			res.FixFiles = append(res.FixFiles, path)
		}
	}
	return nil
}

// runWorkbookName is the file name of run runID's workbook, finished at t: the time as the
// workbook shows it, in loc (nil means time.Local), so that the name and the sheets agree.
func runWorkbookName(runID int64, t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	return fmt.Sprintf("run-%04d-%s.xlsx", runID, t.In(loc).Format("2006-01-02-1504"))
}

// writeFixFile writes the fix-and-redrop file of f: its rejected rows, except those whose
// reference was already sent or queued (domain.NeverResend), which must never be sent again.
// It returns "" and writes nothing when no row is left to fix, and kept when the file is
// already there: it is left as it is (fixFileExists).
func (p *Pipeline) writeFixFile(ctx context.Context, runID int64, f domain.FileSummary) (path string, kept bool, err error) {
	filter := ledger.ItemFilter{FileIDs: []int64{f.ID}, Statuses: []domain.Status{domain.StatusRejected}, Resendable: true}
	next, stop := iter.Pull2(p.ledger.Items(ctx, filter))
	defer stop()
	first, err, ok := next()
	if !ok {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	header, err := p.ledger.FileHeader(ctx, f.ID)
	if err != nil {
		return "", false, err
	}
	ext := strings.ToLower(filepath.Ext(f.Name))
	if ext != ".xlsx" {
		ext = ".csv"
	}
	base := strings.TrimSuffix(f.Name, filepath.Ext(f.Name))
	path = filepath.Join(p.cfg.Home, dirReports, fmt.Sprintf("run-%04d-%s-fix-and-redrop%s", runID, base, ext))
	if exists, err := fixFileExists(path); err != nil || exists {
		return path, exists, err
	}
	rows := func(yield func(report.FixRow, error) bool) {
		for it, err := first, error(nil); ; {
			if !yield(report.FixRow{Line: it.Line, Raw: it.Raw, Reason: it.Reason, Rule: it.Rule}, err) || err != nil {
				return
			}
			if it, err, ok = next(); !ok {
				return
			}
		}
	}
	fix := report.FixFile{SourceName: f.Name, Header: header, Rows: rows, Template: fixTemplate(f.Kind, header)}
	if err := report.WriteFixFile(path, fix); err != nil {
		return "", false, fmt.Errorf("write fix-and-redrop file for %s: %w", f.Name, err)
	}
	return path, false, nil
}

// fixTemplate is the help of kind k's XLSX template for a fix file of the given header: the
// template's sheet name, and for each header cell the format, drop-down and width of the
// column it names, so that the fix file helps as the template does.
func fixTemplate(k domain.Kind, header []string) report.FixTemplate {
	spec, ok := parsers.SpecFor(k)
	if !ok {
		return report.FixTemplate{}
	}
	tpl := report.FixTemplate{
		Sheet:     parsers.TemplateSheet(k),
		Columns:   make([]report.FixColumn, len(header)),
		HelpSheet: parsers.HelpSheet,
		Rules:     spec.Rules,
		ParseDate: func(s string) (time.Time, bool) {
			d, err := parsers.ParseDate(s, false)
			return d, err == nil
		},
	}
	for i, h := range header {
		j, ok := spec.Match(h)
		if !ok {
			continue
		}
		c := spec.Columns[j]
		tpl.Columns[i] = report.FixColumn{Text: c.Text, Date: c.Cell == parsers.CellDate, Choices: c.Choices, Width: c.Width}
	}
	for _, l := range parsers.HelpLines(spec) {
		tpl.Help = append(tpl.Help, report.FixHelp{Column: l.Column, Required: l.Required, Help: l.Help})
	}
	return tpl
}

func sliceSeq[T any](s []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, v := range s {
			if !yield(v, nil) {
				return
			}
		}
	}
}
