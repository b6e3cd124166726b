package main

import (
	"archive/zip"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// hostileXLSX is one hostile workbook of the hostile figure.
type hostileXLSX struct {
	name    string
	what    string
	refused bool // batch validate must refuse it (exit 2); otherwise read it (exit 0 or 1)
	write   func(path string) error
}

// hostileWorkbooks are the workbooks of the hostile figure: the shared-string bombs a tester
// built (a 150 KB file of 20 million empty shared strings took 75 s and 2.5 GB before the
// pre-scan), one small enough to pass the size bound and be refused by the count, and the
// heaviest workbook that is read: 99,999 valid UPI payouts whose reference, name, VPA and
// remark are all different, 399,997 shared strings in all, just under the 400,000 allowed.
func hostileWorkbooks() []hostileXLSX {
	empty := func(n int) func(io.Writer) error {
		return func(w io.Writer) error {
			chunk := []byte(strings.Repeat("<si/>", 10_000))
			for range n / 10_000 {
				if _, err := w.Write(chunk); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return []hostileXLSX{
		{name: "sst_bomb_20m.xlsx", what: "20 M empty shared strings, 150 KB", refused: true,
			write: func(p string) error { return writeRawXLSX(p, 1, empty(20_000_000)) }},
		{name: "sst_bomb_9m.xlsx", what: "9 M empty shared strings under the size bound", refused: true,
			write: func(p string) error { return writeRawXLSX(p, 1, empty(9_000_000)) }},
		{name: "sst_unique_400k.xlsx", what: "100 k valid rows, 399,997 unique shared strings",
			write: func(p string) error { return writeRawXLSX(p, 99_999, nil) }},
	}
}

// hostile measures the peak RSS and time of batch validate on each hostile workbook; the
// figure is the worst peak, at most 200 MB, with every file handled within 10 s.
func (h *harness) hostile(ctx context.Context) ([]figure, error) {
	var worst int64
	var worstName string
	var slowest time.Duration
	broken := ""
	for _, hw := range hostileWorkbooks() {
		path := filepath.Join(h.dir, hw.name)
		if err := hw.write(path); err != nil {
			return nil, fmt.Errorf("generate %s: %w", hw.name, err)
		}
		st, _ := os.Stat(path)
		p, err := runChild(ctx, nil, true, h.o.batch, "validate", path)
		var ee *exec.ExitError
		switch {
		case err == nil && hw.refused:
			broken = hw.name + " was read, not refused"
		case err != nil && errors.As(err, &ee) && ee.ExitCode() == 2 && hw.refused:
		case err != nil:
			return nil, fmt.Errorf("batch validate %s: %w", hw.name, err)
		}
		fmt.Printf("  batch validate %s (%s, %.0f KB): %s, peak RSS %.1f MB\n", hw.name, hw.what, float64(st.Size())/1024, secs(p.wall), mb(p.maxRSS))
		if p.maxRSS > worst {
			worst, worstName = p.maxRSS, hw.name
		}
		slowest = max(slowest, p.wall)
	}
	if slowest > 10*time.Second && broken == "" {
		broken = fmt.Sprintf("the slowest took %s (at most 10s)", secs(slowest))
	}
	return []figure{emit(figure{name: "hostile_xlsx",
		measured: fmt.Sprintf("worst peak RSS of batch validate on hostile workbooks (%s); slowest %s", worstName, secs(slowest)),
		floor:    "—", value: mb(worst), target: 200, unit: " MB", broken: broken})}, nil
}

// writeRawXLSX writes a payouts workbook part by part: a header and rows valid UPI payouts
// whose reference, name, VPA and remark are shared strings of their own (the mode one shared
// string), then the extra shared strings from more.
func writeRawXLSX(path string, rows int, more func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	part := func(name, body string) error {
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, body)
		return err
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	parts := [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook ` + ns + ` xmlns:r="` + rel + `"><sheets><sheet name="Payouts" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + rel + `/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
	}
	for _, p := range parts {
		if err := part(p[0], p[1]); err != nil {
			return err
		}
	}
	sw, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(sw)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><worksheet %s><sheetData><row r="1">`, ns)
	for i, h := range []string{"Reference", "Beneficiary Name", "VPA", "Amount", "Mode", "Remark"} {
		fmt.Fprintf(w, `<c r="%c1" t="inlineStr"><is><t>%s</t></is></c>`, 'A'+i, h)
	}
	w.WriteString("</row>")
	// Shared string 0 is "UPI"; row r's four texts are 1+4r ... 4+4r.
	for r := range rows {
		k := 1 + 4*r
		fmt.Fprintf(w, `<row r="%d"><c r="A%[1]d" t="s"><v>%d</v></c><c r="B%[1]d" t="s"><v>%d</v></c><c r="C%[1]d" t="s"><v>%d</v></c>`+
			`<c r="D%[1]d"><v>%d</v></c><c r="E%[1]d" t="s"><v>0</v></c><c r="F%[1]d" t="s"><v>%d</v></c></row>`,
			r+2, k, k+1, k+2, 100+r%100000, k+3)
	}
	w.WriteString("</sheetData></worksheet>")
	if err := w.Flush(); err != nil {
		return err
	}
	ss, err := zw.Create("xl/sharedStrings.xml")
	if err != nil {
		return err
	}
	w = bufio.NewWriter(ss)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><sst %s><si><t>UPI</t></si>`, ns)
	for r := range rows {
		fmt.Fprintf(w, "<si><t>HX-%08d</t></si><si><t>Payee %s</t></si><si><t>payee%d@okaxis</t></si><si><t>Remark %d</t></si>", r, letters(r), r, r)
	}
	if more != nil {
		if err := more(w); err != nil {
			return err
		}
	}
	w.WriteString("</sst>")
	if err := w.Flush(); err != nil {
		return err
	}
	return zw.Close()
}

// letters writes n in base 26 with the letters A to Z (a name holds no digits).
func letters(n int) string {
	b := []byte{}
	for {
		b = append(b, byte('A'+n%26))
		n /= 26
		if n == 0 {
			return string(b)
		}
	}
}
