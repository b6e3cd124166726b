package xlsxcheck_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"enkashbatch/parsers/xlsxcheck"
)

// xmlReadsWhole reports whether encoding/xml, as excelize uses it (strict, Token), reads all
// of b without an error.
func xmlReadsWhole(b []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// workbookParts returns the XML parts of every committed workbook that is not meant to be
// broken.
func workbookParts(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("../testdata/*.xlsx")
	must(t, err)
	files = append(files, "../../templates/payouts.xlsx", "../testdata/hostile/header_only.xlsx", "../testdata/hostile/formulas_no_cache.xlsx")
	parts := map[string][]byte{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		must(t, err)
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		must(t, err)
		for _, zf := range zr.File {
			if !strings.HasSuffix(zf.Name, ".xml") && !strings.HasSuffix(zf.Name, ".rels") {
				continue
			}
			rc, err := zf.Open()
			must(t, err)
			part, err := io.ReadAll(rc)
			must(t, err)
			parts[file+":"+zf.Name] = part
		}
	}
	if len(parts) < 10 {
		t.Fatalf("found %d workbook parts: the test workbooks are missing", len(parts))
	}
	return parts
}

func TestCheckXML_RealParts(t *testing.T) {
	t.Parallel()
	for name, part := range workbookParts(t) {
		// One byte at a time too: runes and names split across reads.
		for _, r := range []io.Reader{bytes.NewReader(part), iotest.OneByteReader(bytes.NewReader(part))} {
			if err := xlsxcheck.CheckXML(r, true); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}

func TestCheckXML_Refuses(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"mismatched":      `<a><b></a></b>`,
		"unclosed":        `<a><b></b>`,
		"cut in a tag":    `<a><b x="1`,
		"unquoted":        `<a x=1></a>`,
		"no value":        `<a x></a>`,
		"unknown entity":  `<a>&nbsp;</a>`,
		"stray ampersand": `<a>R & D</a>`,
		"control char":    "<a>\x01</a>",
		"not utf-8":       "<a>\xe9</a>",
		"U+FFFE":          "<a>\uFFFE</a>",
		"doctype":         `<!DOCTYPE a [<!ENTITY x "y">]><a/>`,
		"no root":         ` `,
		"close nothing":   `</a>`,
		"cdata end":       `<a>]]></a>`,
		"dash in comment": `<a><!-- a -- b --></a>`,
		"lt in attribute": `<a x="<"/>`,
		"number name":     `<1a/>`,
	}
	for name, doc := range cases {
		if err := xlsxcheck.CheckXML(strings.NewReader(doc), false); err == nil {
			t.Errorf("%s: %q accepted", name, doc)
		}
		if xmlReadsWhole([]byte(doc)) == nil && name != "doctype" && name != "no root" {
			t.Errorf("%s: encoding/xml reads %q: the case proves nothing", name, doc)
		}
	}
}

// FuzzCheckXML checks that whatever checkXML lets through, encoding/xml reads whole: no
// sheet it passes can stop excelize's iterator early.
func FuzzCheckXML(f *testing.F) {
	for _, part := range workbookParts(f) {
		if len(part) < 16<<10 {
			f.Add(part)
		}
	}
	f.Add([]byte(`<a x='1' y="&amp;&#x41;&#65;"><![CDATA[x]]><!-- c --><?pi x?><b/></a>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		if err := xlsxcheck.CheckXML(bytes.NewReader(doc), true); err != nil {
			return
		}
		if err := xmlReadsWhole(doc); err != nil {
			t.Fatalf("checkXML passed %q; encoding/xml stops: %v", doc, err)
		}
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
