package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"enkashbatch/domain"
)

// The Summary's rupees and the conservation line are in the files' amounts: what each row of
// each file said (a bill paid at the biller's amount said none, ₹0.00). The bridge under the
// verdicts goes from them to the amounts Enkash recorded and, in the daily workbook, to the
// statement's debits.

// enkashGaps is the bridge, kind by kind, from the successes at the files' amounts to the
// same successes at Enkash's amounts; and the reversed items, at Enkash's amounts, for the
// statement's side.
type enkashGaps map[domain.Kind]*enkashGap

// enkashGap is one kind's bridge.
type enkashGap struct {
	success domain.Money // the successes, at the files' amounts (the Success ₹ column)
	// set counts the successes whose file gave no amount (a bill paid at the biller's amount
	// after a fetch), at the amount Enkash set.
	set domain.Money
	// differ counts the successes Enkash recorded at another amount than the file's, and
	// their amounts on both sides.
	differ       int
	file, enkash domain.Paise
	reversed     domain.Money // reversed items, at Enkash's amounts (debited, then credited back)
}

// enkashAmount is the amount Enkash recorded for it, or the file's when Enkash recorded none.
func enkashAmount(it domain.Item) domain.Paise {
	if it.Provider.Amount > 0 {
		return it.Provider.Amount
	}
	return it.Amount
}

// add counts it in its kind's bridge.
func (g enkashGaps) add(it domain.Item) {
	if it.Status != domain.StatusSuccess && it.Status != domain.StatusReversed {
		return
	}
	kg := g[it.Kind]
	if kg == nil {
		kg = &enkashGap{}
		g[it.Kind] = kg
	}
	if it.Status == domain.StatusReversed {
		kg.reversed.Add(enkashAmount(it))
		return
	}
	kg.success.Add(it.Amount)
	switch {
	case it.Provider.Amount <= 0 || it.Provider.Amount == it.Amount:
	case it.Amount == 0:
		kg.set.Add(it.Provider.Amount)
	default:
		kg.differ++
		kg.file += it.Amount
		kg.enkash += it.Provider.Amount
	}
}

// kinds returns the kinds of the bridge in processing order.
func (g enkashGaps) kinds() []domain.Kind {
	kinds := make([]domain.Kind, 0, len(g))
	for k := range g {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, domain.CompareKinds)
	return kinds
}

// enkashSuccess is the successes of a kind at Enkash's amounts.
func (kg *enkashGap) enkashSuccess() domain.Paise {
	return kg.success.Paise + kg.set.Paise + kg.enkash - kg.file
}

// lines says which amounts the Summary's rupees are, then, for each kind whose successes
// Enkash recorded at other amounts (or set, where the file gave none), the two totals.
func (g enkashGaps) lines() []verdictLine {
	out := []verdictLine{{ok: true, text: "Which amounts: the ₹ columns above and the conservation lines are in the files' amounts " +
		"(a bill paid at the biller's amount counts ₹0.00 there: its file gave none); " +
		"the bridge below goes from them to the amounts Enkash recorded (the Enkash amount ₹ column of each kind's sheet)"}}
	found := false
	for _, k := range g.kinds() {
		kg := g[k]
		if kg.set.Count == 0 && kg.differ == 0 {
			continue
		}
		found = true
		var parts []string
		if kg.set.Count > 0 {
			parts = append(parts, fmt.Sprintf("%s at the amount Enkash set (no amount in the file): %s",
				plural(kg.set.Count, "success", "successes"), kg.set.Paise.Money()))
		}
		if kg.differ > 0 {
			parts = append(parts, fmt.Sprintf("%s recorded by Enkash at another amount: %s in the files, %s at Enkash, difference %s (Enkash − files)",
				plural(kg.differ, "success", "successes"), kg.file.Money(), kg.enkash.Money(), (kg.enkash-kg.file).Money()))
		}
		out = append(out, verdictLine{ok: kg.differ == 0, text: fmt.Sprintf("%s: %s; success %s in the files' amounts is %s in Enkash's — see Enkash amount ₹ on the %s sheet",
			kindSheetName(k), strings.Join(parts, "; "), kg.success.Paise.Money(), kg.enkashSuccess().Money(), kindSheetName(k))})
	}
	if !found {
		out = append(out, verdictLine{ok: true, text: "Every success was recorded by Enkash at the file's amount"})
	}
	return out
}

// statementDebits is what the daily workbook knows of the statement's debit lines: those
// matched to payouts of ours and those accounted for as fees, from the Matched rows.
type statementDebits struct {
	payouts, fees domain.Money
}

// add counts a matched row that is a debit.
func (s *statementDebits) add(m MatchRow) {
	if !strings.EqualFold(m.LineType, "DEBIT") {
		return
	}
	if m.Reference != "" {
		s.payouts.Add(m.LineAmount)
	} else {
		s.fees.Add(m.LineAmount)
	}
}

// bridgeColumns: a bridge row's words run across columns A to H, its count is in column I
// and its rupees in column J, under the Success and Success ₹ columns' neighbours.
const (
	bridgeLabelTo = 8
	bridgeCount   = 9
	bridgeAmount  = 10
)

// writeBridge writes, per kind with successes, the bridge from the files' amounts to Enkash's
// and, when statement is not nil (the daily workbook's payouts), on to the statement's debits.
// The "=" rows are formulas over the rows above them. It returns the verdicts of the statement
// side, to be shown with the other checks.
func writeBridge(t *tableSheet, g enkashGaps, statement *StatementCheck, debits statementDebits) ([]verdictLine, error) {
	st := t.st
	var verdicts []verdictLine
	row := func(label string, count any, amount excelize.Cell, total bool) error {
		vals := make([]any, bridgeAmount)
		style, countStyle := st.label, st.count
		if total {
			style, countStyle = st.total, st.totalCount
		}
		vals[0] = excelize.Cell{StyleID: style, Value: label}
		if total {
			for i := 1; i < bridgeCount-1; i++ {
				vals[i] = excelize.Cell{StyleID: st.total}
			}
		}
		if c, ok := count.(excelize.Cell); ok {
			if c.StyleID == 0 {
				c.StyleID = countStyle
			}
			vals[bridgeCount-1] = c
		} else if count != nil {
			vals[bridgeCount-1] = excelize.Cell{StyleID: countStyle, Value: count}
		}
		vals[bridgeAmount-1] = amount
		if err := t.writeRow(vals); err != nil {
			return err
		}
		if err := t.sw.MergeCell(cellName(1, t.row), cellName(bridgeLabelTo, t.row)); err != nil {
			return fmt.Errorf("merge cells of sheet %s: %w", t.name, err)
		}
		return nil
	}
	sumOf := func(col, from, to int) string {
		return fmt.Sprintf("SUM(%s%d:%s%d)", colName(col), from, colName(col), to)
	}
	for _, k := range g.kinds() {
		kg := g[k]
		name := kindSheetName(k)
		if err := t.writeRow([]any{excelize.Cell{StyleID: st.section, Value: name + ": from the files' amounts to Enkash's"}},
			excelize.RowOpts{Height: 20}); err != nil {
			return nil, err
		}
		first := t.row + 1
		if err := row("Success ₹ in the files' amounts (the Success ₹ column above)", kg.success.Count, st.amountCell(kg.success.Paise), false); err != nil {
			return nil, err
		}
		if err := row("+ amounts Enkash set where the file gave none (bills paid at the biller's amount)", kg.set.Count, st.amountCell(kg.set.Paise), false); err != nil {
			return nil, err
		}
		if err := row("+ amounts Enkash recorded differently from the file (Enkash − file)", kg.differ, st.amountCell(kg.enkash-kg.file), false); err != nil {
			return nil, err
		}
		sum := st.totalAmountCell(kg.enkashSuccess())
		sum.Formula = sumOf(bridgeAmount, first, t.row)
		if err := row("= Success ₹ in Enkash's amounts", excelize.Cell{Value: kg.success.Count, Formula: fmt.Sprintf("%s%d", colName(bridgeCount), first)}, sum, true); err != nil {
			return nil, err
		}
		successRow := t.row
		if statement == nil || k != domain.KindPayouts {
			continue
		}
		if !statement.Checked {
			if err := row("The statement of the payout account was not read for this day: its debits are not bridged", nil, excelize.Cell{}, false); err != nil {
				return nil, err
			}
			continue
		}
		if err := row("+ reversed payouts in Enkash's amounts (debited, then credited back)", kg.reversed.Count, st.amountCell(kg.reversed.Paise), false); err != nil {
			return nil, err
		}
		paid := st.totalAmountCell(kg.enkashSuccess() + kg.reversed.Paise)
		paid.Formula = fmt.Sprintf("%s%d+%s%d", colName(bridgeAmount), successRow, colName(bridgeAmount), t.row)
		if err := row("= debited for these payouts, in Enkash's amounts", excelize.Cell{Value: kg.success.Count + kg.reversed.Count,
			Formula: fmt.Sprintf("%s%d+%s%d", colName(bridgeCount), successRow, colName(bridgeCount), t.row)}, paid, true); err != nil {
			return nil, err
		}
		paidRow := t.row
		matchedRow := t.row + 1
		if err := row("Statement debits matched to these payouts (lines; see Matched)", debits.payouts.Count, st.amountCell(debits.payouts.Paise), false); err != nil {
			return nil, err
		}
		diff := debits.payouts.Paise - (kg.enkashSuccess() + kg.reversed.Paise)
		diffCell := st.amountCell(diff)
		diffCell.Formula = fmt.Sprintf("%s%d-%s%d", colName(bridgeAmount), matchedRow, colName(bridgeAmount), paidRow)
		if err := row("   difference: matched debits − debited in Enkash's amounts (0 when they tie)", nil, diffCell, false); err != nil {
			return nil, err
		}
		if err := row("+ fees and charges (lines)", debits.fees.Count, st.amountCell(debits.fees.Paise), false); err != nil {
			return nil, err
		}
		otherCount, other := statement.DebitLines-debits.payouts.Count-debits.fees.Count, statement.Debits-debits.payouts.Paise-debits.fees.Paise
		if err := row("+ other debits: no payout of this day's files explains them (see Exceptions)", otherCount, st.amountCell(other), false); err != nil {
			return nil, err
		}
		all := st.totalAmountCell(statement.Debits)
		all.Formula = fmt.Sprintf("%s%d+%s%d+%s%d", colName(bridgeAmount), matchedRow, colName(bridgeAmount), t.row-1, colName(bridgeAmount), t.row)
		if err := row("= the statement's debits (as in the statement check below)", statement.DebitLines, all, true); err != nil {
			return nil, err
		}
		v := verdictLine{ok: diff == 0, text: fmt.Sprintf("Payouts: statement debits matched %s = debited in Enkash's amounts %s (success %s + reversed %s)",
			debits.payouts.Paise.Money(), (kg.enkashSuccess() + kg.reversed.Paise).Money(), kg.enkashSuccess().Money(), kg.reversed.Paise.Money())}
		if diff == 0 {
			v.text += " — ties out"
		} else {
			v.text += fmt.Sprintf(" — DOES NOT TIE OUT (difference %s: a payout with no debit, or debited at another amount; see Exceptions)", diff.Money())
		}
		verdicts = append(verdicts, v)
	}
	return verdicts, nil
}
