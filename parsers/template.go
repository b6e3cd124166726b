package parsers

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// WriteTemplateCSV writes the blank CSV template of spec: its header row of column titles.
func WriteTemplateCSV(w io.Writer, spec *Spec) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(titles(spec)); err != nil {
		return fmt.Errorf("write %s csv template: %w", spec.Kind, err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s csv template: %w", spec.Kind, err)
	}
	return nil
}

func titles(spec *Spec) []string {
	out := make([]string, len(spec.Columns))
	for i, c := range spec.Columns {
		out[i] = titleOf(c)
	}
	return out
}

// templateRows is how many rows of the XLSX template get the text formats and drop-downs.
const templateRows = 10000

// WriteTemplateXLSX writes the blank XLSX template of spec: a sheet named after the kind with
// a bold, frozen header, column widths, text-formatted columns where spreadsheets would
// otherwise mangle digits, drop-downs for columns with choices, and a "How to fill" sheet
// explaining each column and rule.
func WriteTemplateXLSX(w io.Writer, spec *Spec) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write %s xlsx template: %w", spec.Kind, cerr)
		}
	}()
	if err := buildTemplate(f, spec); err != nil {
		return fmt.Errorf("write %s xlsx template: %w", spec.Kind, err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write %s xlsx template: %w", spec.Kind, err)
	}
	return nil
}

// TemplateSheet is the name of the data sheet of kind k's XLSX template ("Payouts"), which
// the fix-and-redrop workbook of a file of that kind takes too.
func TemplateSheet(k domain.Kind) string { return sheetTitle(string(k)) }

// HelpSheet is the name of the templates' help sheet: never read as data.
const HelpSheet = helpSheet

// HelpLine is one line of the "How to fill" sheet: a column's title, "required" or
// "optional", and what to enter.
type HelpLine struct {
	Column, Required, Help string
}

// HelpLines returns the "How to fill" lines of spec's columns, in template order.
func HelpLines(spec *Spec) []HelpLine {
	out := make([]HelpLine, 0, len(spec.Columns))
	for _, c := range spec.Columns {
		req := "optional"
		if c.Required {
			req = "required"
		}
		help := c.Help
		if len(c.Aliases) > 0 {
			help += " (Also recognised as: " + strings.Join(c.Aliases, ", ") + ".)"
		}
		out = append(out, HelpLine{Column: titleOf(c), Required: req, Help: help})
	}
	return out
}

func buildTemplate(f *excelize.File, spec *Spec) error {
	data := TemplateSheet(spec.Kind)
	if err := f.SetSheetName("Sheet1", data); err != nil {
		return err
	}
	headStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E78"}},
		Alignment: &excelize.Alignment{Vertical: "center"},
	})
	if err != nil {
		return err
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	for i, c := range spec.Columns {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		width := c.Width
		if width == 0 {
			width = 16
		}
		if err := f.SetColWidth(data, col, col, width); err != nil {
			return err
		}
		if c.Text {
			if err := f.SetColStyle(data, col, textStyle); err != nil {
				return err
			}
		}
		cell := col + "1"
		if err := f.SetCellStr(data, cell, titleOf(c)); err != nil {
			return err
		}
		if err := f.SetCellStyle(data, cell, cell, headStyle); err != nil {
			return err
		}
		if len(c.Choices) > 0 {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, templateRows)
			if err := dv.SetDropList(c.Choices); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, "Not allowed", "Choose one of: "+strings.Join(c.Choices, ", "))
			if err := f.AddDataValidation(data, dv); err != nil {
				return err
			}
		}
	}
	if err := f.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return howToFill(f, spec, headStyle)
}

// howToFill writes the second sheet: a line per column, then the kind's rules.
func howToFill(f *excelize.File, spec *Spec, headStyle int) error {
	const sheet = helpSheet
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	for col, width := range map[string]float64{"A": 22, "B": 12, "C": 100} {
		if err := f.SetColWidth(sheet, col, col, width); err != nil {
			return err
		}
	}
	if err := f.SetColStyle(sheet, "A:C", wrap); err != nil {
		return err
	}
	if err := f.SetSheetRow(sheet, "A1", &[]any{"Column", "Required", "What to enter"}); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", "C1", headStyle); err != nil {
		return err
	}
	row := 2
	for _, l := range HelpLines(spec) {
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", row), &[]any{l.Column, l.Required, l.Help}); err != nil {
			return err
		}
		row++
	}
	row++
	if err := f.SetCellStr(sheet, fmt.Sprintf("A%d", row), "Rules"); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, fmt.Sprintf("A%d", row), fmt.Sprintf("C%d", row), headStyle); err != nil {
		return err
	}
	for _, r := range spec.Rules {
		row++
		if err := f.SetCellStr(sheet, fmt.Sprintf("C%d", row), r); err != nil {
			return err
		}
	}
	return nil
}

// sheetTitle turns a kind into a sheet name: "payouts" becomes "Payouts".
func sheetTitle(kind string) string {
	if kind == "" {
		return "Sheet1"
	}
	return strings.ToUpper(kind[:1]) + kind[1:]
}
