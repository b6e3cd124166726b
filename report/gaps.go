package report

import (
	"fmt"
	"slices"

	"enkashbatch/domain"
)

// enkashGaps counts, kind by kind, the successes Enkash recorded at another amount than the
// file's: the Summary's rupees are the files' amounts, and these say where Enkash's differ.
type enkashGaps map[domain.Kind]*enkashGap

// enkashGap is what the successes of one kind with another amount at Enkash add up to.
type enkashGap struct {
	count        int
	file, enkash domain.Paise
}

// add counts it if it succeeded at another amount than the file's.
func (g enkashGaps) add(it domain.Item) {
	if it.Status != domain.StatusSuccess || it.Provider.Amount == 0 || it.Provider.Amount == it.Amount {
		return
	}
	kg := g[it.Kind]
	if kg == nil {
		kg = &enkashGap{}
		g[it.Kind] = kg
	}
	kg.count++
	kg.file += it.Amount
	kg.enkash += it.Provider.Amount
}

// lines says which amounts the Summary's rupees are, then, for each kind with successes at
// another amount at Enkash, how many, both totals and the difference.
func (g enkashGaps) lines() []verdictLine {
	out := []verdictLine{{ok: true, text: "The ₹ columns above hold the amounts in the files (Success ₹ too); " +
		"the amounts Enkash recorded are in the Enkash amount ₹ column of each kind's sheet"}}
	kinds := make([]domain.Kind, 0, len(g))
	for k := range g {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, domain.CompareKinds)
	for _, k := range kinds {
		kg := g[k]
		out = append(out, verdictLine{text: fmt.Sprintf(
			"%s: %s recorded by Enkash at another amount: %s in the files, %s at Enkash, difference %s (Enkash − files) — see Enkash amount ₹ on the %s sheet",
			kindSheetName(k), plural(kg.count, "success", "successes"), kg.file.Money(), kg.enkash.Money(),
			(kg.enkash - kg.file).Money(), kindSheetName(k))})
	}
	if len(kinds) == 0 {
		out = append(out, verdictLine{ok: true, text: "No success was recorded by Enkash at another amount than the file's"})
	}
	return out
}
