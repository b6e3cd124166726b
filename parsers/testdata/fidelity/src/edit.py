#!/usr/bin/python3
"""Writes the fidelity workbooks from base_libreoffice.xlsx (LibreOffice's conversion of
payouts.csv), each edited the way a person (or Excel) would leave it. Run by make.sh."""
import datetime
import io
import re
import zipfile

import openpyxl

BASE = "base_libreoffice.xlsx"


def load():
    return openpyxl.load_workbook(BASE)


def save(wb, name):
    wb.save(name)


# Amount cells (column E) of the wrong type, row 3.
wb = load(); ws = wb.active
ws["E3"] = datetime.datetime(2026, 11, 23); ws["E3"].number_format = "DD-MM-YYYY"
save(wb, "date_in_amount.xlsx")

wb = load(); ws = wb.active
ws["E3"] = True
save(wb, "true_in_amount.xlsx")

wb = load(); ws = wb.active
ws["E3"] = "#N/A"  # openpyxl writes an error cell (t="e")
save(wb, "error_in_amount.xlsx")

wb = load(); ws = wb.active
ws["E3"] = "1e5"; ws["E3"].number_format = "@"
save(wb, "text_1e5_amount.xlsx")

wb = load(); ws = wb.active
ws["E3"] = 1250.75; ws["E3"].number_format = "#,##0"  # shows 1,251
save(wb, "amount_hidden_decimals.xlsx")

# A text reference that looks like a number in scientific notation.
wb = load(); ws = wb.active
ws["A2"] = "1E3"; ws["A2"].number_format = "@"
save(wb, "text_1e3_reference.xlsx")

# Account numbers stored as numbers: leading zeros shown by a format, 12 digits in General.
wb = load(); ws = wb.active
ws["C4"] = 1405012345; ws["C4"].number_format = "000000000000"  # shows 001405012345
save(wb, "account_leading_zeros_number.xlsx")

wb = load(); ws = wb.active
ws["C3"] = 302145678901; ws["C3"].number_format = "General"  # Excel shows 3.02146E+11
ws["C5"] = 20198765432; ws["C5"].number_format = "General"  # 11 digits: shown as they are
save(wb, "account_12_digits_general.xlsx")

# A very hidden sheet named after the kind, and the visible sheet with other rows.
wb = load(); ws = wb.active; ws.title = "November"
hidden = wb.create_sheet("Payouts")
hidden.append(["Reference", "Beneficiary Name", "Account Number", "IFSC", "Amount", "Mode"])
hidden.append(["FID-H001", "Hidden Payee", "50100999999999", "HDFC0001234", 99000, "NEFT"])
hidden.sheet_state = "veryHidden"
save(wb, "veryhidden_kind_sheet.xlsx")

# Two visible sheets of data.
wb = load(); ws = wb.active; ws.title = "Week 1"
second = wb.create_sheet("Week 2")
second.append(["Reference", "Beneficiary Name", "Account Number", "IFSC", "Amount", "Mode"])
second.append(["FID-W201", "Anita Rao", "50100777777777", "HDFC0001234", 7000, "NEFT"])
save(wb, "two_visible_sheets.xlsx")

# A hidden row (3) and, in another file, rows filtered out by an AutoFilter (rows 3 and 4:
# the filter keeps NEFT, as Excel leaves them: hidden="1").
wb = load(); ws = wb.active
ws.row_dimensions[3].hidden = True
save(wb, "hidden_row.xlsx")

wb = load(); ws = wb.active
ws.auto_filter.ref = "A1:G5"
ws.auto_filter.add_filter_column(5, ["NEFT"])
ws.row_dimensions[3].hidden = True
ws.row_dimensions[4].hidden = True
save(wb, "filtered_rows.xlsx")

# A hidden Amount column.
wb = load(); ws = wb.active
ws.column_dimensions["E"].hidden = True
save(wb, "hidden_amount_column.xlsx")


# An amount taken from another workbook: Excel writes the formula with a [1] book
# reference, the value it last saw, and an externalLink part.
def external_link(src, dst):
    zin = zipfile.ZipFile(src)
    out = io.BytesIO()
    zout = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            s = data.decode()
            s, n = re.subn(r'(<c r="E3"[^>]*>)(<v>)', r"\1<f>[1]Rates!$B$2</f>\2", s)
            assert n == 1, "no E3 value"
            data = s.encode()
        elif item.filename == "[Content_Types].xml":
            data = data.replace(b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" '
                                b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
        elif item.filename == "xl/_rels/workbook.xml.rels":
            data = data.replace(b"</Relationships>", b'<Relationship Id="rIdExt1" '
                                b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" '
                                b'Target="externalLinks/externalLink1.xml"/></Relationships>')
        elif item.filename == "xl/workbook.xml":
            data = re.sub(rb"(</sheets>)", rb'\1<externalReferences><externalReference r:id="rIdExt1"/></externalReferences>', data)
        zout.writestr(item, data)
    zout.writestr("xl/externalLinks/externalLink1.xml",
                  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                  '<externalBook r:id="rId1"><sheetNames><sheetName val="Rates"/></sheetNames>'
                  '<sheetDataSet><sheetData sheetId="0"><row r="2"><cell r="B2"><v>4500</v></cell></row></sheetData></sheetDataSet>'
                  '</externalBook></externalLink>')
    zout.writestr("xl/externalLinks/_rels/externalLink1.xml.rels",
                  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
                  'Target="rates.xlsx" TargetMode="External"/></Relationships>')
    zout.close()
    open(dst, "wb").write(out.getvalue())


external_link(BASE, "external_link.xlsx")


# A shared-string bomb: a one-row sheet and millions of empty shared strings, ~150 KB.
def sst_bomb(dst, count):
    zin = zipfile.ZipFile(BASE)
    out = io.BytesIO()
    zout = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9)
    for item in zin.infolist():
        if item.filename == "xl/sharedStrings.xml":
            continue
        zout.writestr(item, zin.read(item.filename))
    body = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (count, count)
    zinfo = zipfile.ZipInfo("xl/sharedStrings.xml", date_time=(2026, 11, 23, 0, 0, 0))
    zinfo.compress_type = zipfile.ZIP_DEFLATED
    with zout.open(zinfo, "w") as w:
        w.write(body)
        # The strings the sheet uses come first, then the empty ones.
        for s in zin.read("xl/sharedStrings.xml").decode().split("<si>")[1:]:
            w.write(b"<si>" + s.split("</si>")[0].encode() + b"</si>")
        chunk = b"<si/>" * 100000
        for _ in range(count // 100000):
            w.write(chunk)
        w.write(b"</sst>")
    zout.close()
    open(dst, "wb").write(out.getvalue())


sst_bomb("shared_strings_bomb.xlsx", 20_000_000)
