package jobs_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"enkashbatch/domain"
	"enkashbatch/enkash"
	"enkashbatch/enkash/sandbox"
	"enkashbatch/jobs"
	"enkashbatch/ledger"
)

// TestIngest_HostileFiles drops the whole hostile corpus beside one good file: every hostile
// file is set aside in rejected/ with a note naming the problem and recorded as an exception,
// the good file is recorded whole, and the ingest itself succeeds.
func TestIngest_HostileFiles(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	home := t.TempDir()
	inbox := filepath.Join(home, "inbox", "payouts")
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		t.Fatal(err)
	}

	// The committed corpus (parsers/testdata/hostile/README.md), by the rule each must get.
	hostile := map[string]string{
		"empty.csv":            "empty_file",
		"header_only.csv":      "no_rows",
		"header_only.xlsx":     "no_rows",
		"truncated.xlsx":       "damaged_xlsx",
		"malformed_sheet.xlsx": "damaged_xlsx",
		"junk.csv":             "not_text",
		"windows1252.csv":      "not_utf8",
		"columns_10000.csv":    "too_many_columns",
		"password.xlsx":        "password_protected",
	}
	for name := range hostile {
		hostileCopy(t, filepath.Join("..", "parsers", "testdata", "hostile", name), filepath.Join(inbox, name))
	}
	hostileCopy(t, filepath.Join("..", "parsers", "testdata", "hostile", "formulas_no_cache.xlsx"), filepath.Join(inbox, "formulas_no_cache.xlsx"))
	// Made here: a workbook whose sheet inflates to 2 GiB, and a CSV with a 50 MB cell.
	hostile["zip_bomb.xlsx"] = "file_too_large"
	hostileWrite(t, filepath.Join(inbox, "zip_bomb.xlsx"), hostileZipBomb(t, 2<<30))
	hostile["cell_50mb.csv"] = "row_too_large"
	big, err := os.Create(filepath.Join(inbox, "cell_50mb.csv"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(big, io.MultiReader(
		strings.NewReader("Reference,Beneficiary Name,Account Number,IFSC,Amount,Mode\nP1,\""),
		io.LimitReader(hostileSpaces{}, 50<<20),
		strings.NewReader("\",123456789,HDFC0001234,100,NEFT\n")))
	if err := errors.Join(err, big.Close()); err != nil {
		t.Fatal(err)
	}
	good := "Reference,Beneficiary Name,Account Number,IFSC,VPA,Amount,Mode\n" +
		"HOST-0001,Ramesh Kumar,50100234567891,HDFC0001234,,\"1,250.00\",NEFT\n" +
		"HOST-0002,Sita Devi,,,sita@ybl,300,UPI\n" +
		"HOST-0003,Arjun Reddy,12345,HDFC0001234,,500,IMPS\n" // account number too short
	hostileWrite(t, filepath.Join(inbox, "payouts_good.csv"), []byte(good))

	db, err := ledger.Open(ctx, filepath.Join(home, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	creds := sandbox.DemoCredentials()
	sc, err := sandbox.ParseScenario([]byte("seed: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := sandbox.Start(ctx, "127.0.0.1:0", sandbox.New(sc, creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	client, err := enkash.New(enkash.Config{BaseURL: url, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		Username: creds.Username, Password: creds.Password})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	p := jobs.New(jobs.Config{Home: home, Now: func() time.Time { return now }}, db, client)
	runID, err := db.StartRun(ctx, "run", true)
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	outcomes, err := p.Ingest(ctx, runID)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	t.Logf("ingested %d files in %v", len(outcomes), time.Since(start))

	byName := map[string]jobs.FileOutcome{}
	for _, o := range outcomes {
		byName[o.Name] = o
	}
	rejected := filepath.Join(home, "rejected", "2026-11-23")
	for name, rule := range hostile {
		o := byName[name]
		if o.Status != ledger.FileRejected || !strings.Contains(o.Note, rule) {
			t.Errorf("%s: outcome %+v; want rejected for %s", name, o, rule)
		}
		if _, err := os.Stat(filepath.Join(rejected, name)); err != nil {
			t.Errorf("%s not in rejected/: %v", name, err)
		}
		note, err := os.ReadFile(filepath.Join(rejected, name+".reason.txt"))
		if err != nil {
			t.Errorf("%s has no note: %v", name, err)
		} else if s := string(note); !strings.HasPrefix(s, name+": ") || !strings.Contains(s, rule+": ") {
			t.Errorf("%s: note %q does not name the file and %s", name, s, rule)
		}
	}

	files, err := db.FileSummaries(ctx, ledger.FileFilter{RunID: runID})
	if err != nil {
		t.Fatal(err)
	}
	summaries := map[string]domain.FileSummary{}
	for _, f := range files {
		summaries[f.Name] = f
	}
	for name, want := range map[string]struct{ in, rejected int }{"payouts_good.csv": {3, 1}, "formulas_no_cache.xlsx": {3, 2}} {
		f, ok := summaries[name]
		if !ok || f.Status != ledger.FileAccepted || f.Tally.In.Count != want.in || f.Tally.Rejected.Count != want.rejected {
			t.Errorf("%s: summary %+v; want accepted with %d rows in, %d rejected", name, f, want.in, want.rejected)
		}
		if _, err := os.Stat(filepath.Join(home, "archive", "2026-11-23", name)); err != nil {
			t.Errorf("%s not in archive/: %v", name, err)
		}
	}
	if f := summaries["payouts_good.csv"]; f.Tally.In.Paise != 125000+30000+50000 {
		t.Errorf("good file: %d paise in", f.Tally.In.Paise)
	}

	excs, err := db.Exceptions(ctx, ledger.ExceptionFilter{RunID: runID})
	if err != nil {
		t.Fatal(err)
	}
	raised := map[string]string{}
	for _, e := range excs {
		if e.Category == domain.CategoryRejectedRow && e.Expected == "a usable file" {
			raised[e.File] = e.Actual
		}
	}
	for name, rule := range hostile {
		if raised[name] != rule {
			t.Errorf("%s: exception for %q; want %q", name, raised[name], rule)
		}
	}
	for _, dir := range []string{"inbox", "processing"} {
		var left []string
		_ = filepath.WalkDir(filepath.Join(home, dir), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				left = append(left, path)
			}
			return nil
		})
		if len(left) > 0 {
			t.Errorf("left in %s/: %q", dir, left)
		}
	}
}

// hostileCopy copies a committed fixture into the inbox.
func hostileCopy(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	hostileWrite(t, to, b)
}

// hostileWrite writes a file or fails the test.
func hostileWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// hostileSpaces reads as endless spaces.
type hostileSpaces struct{}

func (hostileSpaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// hostileZipBomb returns a payouts workbook whose one sheet inflates to size bytes, nearly all
// spaces, honestly declared: one deflated MiB of spaces repeated (each copy ends
// byte-aligned and refers only to itself), about 1000:1.
func hostileZipBomb(t *testing.T, size int64) []byte {
	t.Helper()
	const mib = 1 << 20
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Payouts" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	}
	head := []byte(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	tail := []byte(`</sheetData></worksheet>`)
	deflate := func(b []byte, final bool) []byte {
		var out bytes.Buffer
		w, err := flate.NewWriter(&out, flate.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.Write(b)
		if final {
			err = errors.Join(err, w.Close())
		} else {
			err = errors.Join(err, w.Flush())
		}
		if err != nil {
			t.Fatal(err)
		}
		return out.Bytes()
	}
	fill := bytes.Repeat([]byte(" "), mib)
	chunk := deflate(fill, false)
	n := (size - int64(len(head)+len(tail))) / mib
	var stream bytes.Buffer
	stream.Write(deflate(head, false))
	crc := crc32.Update(0, crc32.IEEETable, head)
	for range n {
		stream.Write(chunk)
		crc = crc32.Update(crc, crc32.IEEETable, fill)
	}
	stream.Write(deflate(tail, true))
	crc = crc32.Update(crc, crc32.IEEETable, tail)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, parts[name]); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(stream.Len()), UncompressedSize64: uint64(len(head)+len(tail)) + uint64(n)*mib})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(stream.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
