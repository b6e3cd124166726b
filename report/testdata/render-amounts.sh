#!/bin/sh
# Renders the Payouts sheet of testdata/amounts.xlsx with LibreOffice, each cell as shown, to
# testdata/amounts.lo.csv. Run from the report folder after `go test -run MoneyFormats -update`.
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Filter options: comma, double quote, UTF-8, from line 1, default cell format, no language,
# quoted fields as text, detect special numbers, save cell contents as shown, then the sheet
# to export (2: Payouts, the sheet after Summary).
soffice -env:UserInstallation="file://$tmp/profile" --headless \
	--convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,2' --outdir "$tmp" amounts.xlsx >/dev/null 2>&1
cp "$tmp"/amounts*.csv amounts.lo.csv
