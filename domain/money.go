package domain

import (
	"strconv"
	"strings"
)

// Paise is an amount of Indian rupees in paise (1/100 rupee). Money is never a float.
type Paise int64

// Rupees formats p as rupees with Indian digit grouping and two decimals, e.g. "1,23,456.50".
func (p Paise) Rupees() string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	whole := strconv.FormatInt(int64(p/100), 10)
	// Indian grouping: the last three digits, then groups of two.
	grouped := whole
	if len(whole) > 3 {
		head, groups := whole[:len(whole)-3], []string{whole[len(whole)-3:]}
		for len(head) > 2 {
			groups = append([]string{head[len(head)-2:]}, groups...)
			head = head[:len(head)-2]
		}
		grouped = head + "," + strings.Join(groups, ",")
	}
	return sign + grouped + "." + twoDigits(int64(p%100))
}

// Money words p for people: the rupee sign, Indian digit grouping and two decimals, with a
// negative amount led by a minus sign before the rupee sign, "−₹73,290.00" (U+2212, as
// typeset), never "₹-73,290.00". Every sentence that names an amount uses it.
func (p Paise) Money() string {
	if p < 0 {
		return "−₹" + (-p).Rupees()
	}
	return "₹" + p.Rupees()
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// Decimal formats p as a plain decimal rupee amount with two places, e.g. "123456.50",
// the form Enkash's JSON numbers and machine outputs use.
func (p Paise) Decimal() string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return sign + strconv.FormatInt(int64(p/100), 10) + "." + twoDigits(int64(p%100))
}

// Float returns p in rupees as a float64, for spreadsheet cells only; never compute with it.
func (p Paise) Float() float64 { return float64(p) / 100 }
