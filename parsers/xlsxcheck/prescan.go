package xlsxcheck

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Bounds on a workbook's shared strings (xl/sharedStrings.xml). excelize holds them in memory
// whole, at about 550 bytes a string beyond its text, unless the part is larger than its
// UnzipXMLSizeLimit, when it keeps the text in a temporary file and about 50 bytes a string
// in memory: a workbook of a few KB can hold millions of empty ones and cost gigabytes.
const (
	maxSharedStrings     = 400_000  // the heaviest workbook read peaks near 170 MB (make bench: hostile_xlsx)
	maxSharedStringBytes = 48 << 20 // the part unpacked
	// minCellBytes is the least sheet XML a cell using a shared string takes
	// (<c t="s"><v>0</v></c> is 20 bytes): a workbook with more shared strings than its
	// sheets have room for cells holds strings no cell uses.
	minCellBytes = 16
	// freeSharedStrings are allowed whatever the sheets' size.
	freeSharedStrings = 10_000
	// inMemorySharedStrings and inMemorySharedStringBytes are the most shared strings excelize
	// is let hold in memory; more are kept in a temporary file, read back cell by cell.
	InMemorySharedStrings     = 50_000
	InMemorySharedStringBytes = 8 << 20
	// maxOtherParts bounds what the parts other than sheets and shared strings (styles,
	// themes, pictures...) unpack to: excelize holds them in memory.
	maxOtherParts = 64 << 20
)

// PreScan measures, before excelize loads anything, what the workbook's structure would
// cost, and refuses what is out of all proportion with a reason: shared strings beyond
// what its sheets' cells could use, or beyond what memory allows, and parts excelize would
// hold in memory beyond maxOtherParts. It streams the shared strings once, counting their
// <si> elements, and stops as soon as the count is too high. It returns the count and the
// shared strings' unpacked size.
func PreScan(zr *zip.Reader) (sharedStrings, sstBytes uint64, err error) {
	var sheetBytes, other uint64
	var sst *zip.File
	for _, zf := range zr.File {
		name := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(zf.Name, `\`, "/"), "/"))
		switch {
		case strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml"):
			sheetBytes += zf.UncompressedSize64
		case name == "xl/sharedstrings.xml":
			sst = zf
		default:
			other += zf.UncompressedSize64
		}
	}
	if other > maxOtherParts {
		return 0, 0, &Problem{Rule: "file_too_large", Message: fmt.Sprintf(
			"the workbook's parts other than its sheets (styles, pictures...) unpack to %d MiB, more than the %d MiB that are read; copy the rows into a new workbook, or save it as CSV",
			other>>20, maxOtherParts>>20)}
	}
	if sst == nil {
		return 0, 0, nil
	}
	if sst.UncompressedSize64 > maxSharedStringBytes {
		return 0, 0, &Problem{Rule: "shared_strings_too_large", Message: fmt.Sprintf(
			"the workbook's text (xl/sharedStrings.xml) unpacks to %d MiB, more than the %d MiB that are read; split the file or save it as CSV",
			sst.UncompressedSize64>>20, maxSharedStringBytes>>20)}
	}
	limit := min(uint64(maxSharedStrings), freeSharedStrings+sheetBytes/minCellBytes)
	rc, err := sst.Open()
	if err != nil {
		return 0, 0, &Problem{Rule: "damaged_xlsx", Message: "the workbook is damaged: " + err.Error()}
	}
	defer rc.Close()
	n, err := countSharedStrings(io.LimitReader(rc, maxSharedStringBytes+1), limit)
	if err != nil {
		return 0, 0, &Problem{Rule: "damaged_xlsx", Message: "the workbook is damaged or incomplete (its shared text: " + err.Error() + "); save it again from Excel or LibreOffice"}
	}
	if n > limit {
		if limit == maxSharedStrings {
			return 0, 0, &Problem{Rule: "too_many_shared_strings", Message: fmt.Sprintf(
				"the workbook holds more than %d different texts; split the file or save it as CSV", maxSharedStrings)}
		}
		return 0, 0, &Problem{Rule: "too_many_shared_strings", Message: fmt.Sprintf(
			"the workbook holds more than %d texts for sheets of %d KB, far more than their cells can use (a damaged or doctored file); copy the rows into a new workbook, or save it as CSV",
			limit, sheetBytes>>10)}
	}
	return n, sst.UncompressedSize64, nil
}

// countSharedStrings counts the <si> elements (with or without a namespace prefix) of r,
// stopping once the count passes limit.
func countSharedStrings(r io.Reader, limit uint64) (uint64, error) {
	buf := make([]byte, 64<<10)
	var n uint64
	carry := 0
	for {
		k, err := r.Read(buf[carry:])
		end := carry + k
		chunk := buf[:end]
		// Every "si" followed by '>', '/' or a space and preceded by '<' or ':' starts one.
		for i := 0; ; {
			j := bytes.Index(chunk[i:], []byte("si"))
			if j < 0 || i+j+2 >= len(chunk) {
				break
			}
			at := i + j
			if at > 0 && (chunk[at-1] == '<' || chunk[at-1] == ':') {
				switch chunk[at+2] {
				case '>', '/', ' ', '\t', '\n', '\r':
					if n++; n > limit {
						return n, nil
					}
				}
			}
			i = at + 2
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		// Keep the last 3 bytes: an "<si>" may straddle two reads (counted once: the kept
		// bytes cannot hold a whole one with its following byte).
		carry = copy(buf, chunk[max(0, end-3):])
		if end < 3 {
			carry = 0
		}
	}
}
