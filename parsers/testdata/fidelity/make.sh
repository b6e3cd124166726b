#!/bin/sh
# Rebuilds the fidelity workbooks: LibreOffice converts src/payouts.csv (Amount as a number,
# every other column as text), then src/edit.py (openpyxl, the Debian python3) edits a copy
# per case. The excelize-written ones come from gen_excelize.go. Needs soffice and python3
# with openpyxl; the tests need neither.
set -e
cd "$(dirname "$0")"
(cd src && soffice --headless --infilter='CSV:44,34,76,1,1/2/2/2/3/2/4/2/5/1/6/2/7/2' --convert-to xlsx --outdir .. payouts.csv)
mv payouts.xlsx base_libreoffice.xlsx
/usr/bin/python3 src/edit.py
(cd ../../.. && go run ./parsers/testdata/fidelity/gen_excelize.go && mv excelize_types.xlsx parsers/testdata/fidelity/)
