"""Writing the DSFinV-K files: CSV per pos_app.fiscal.dsfinvk.spec and the GDPdU index.xml that
describes them. Deterministic: the same rows give the same bytes (no timestamps of the export
itself, rows in the order given, fixed number formats)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from pos_app.fiscal.dsfinvk.spec import Table

Value = str | int | Decimal | None


def number(value: int | Decimal, places: int) -> str:
    """A number with a fixed count of places and '.' as the decimal point (no grouping)."""
    quantum = Decimal(1).scaleb(-places)
    return str(Decimal(value).quantize(quantum))


def cents(value: int, places: int = 2) -> str:
    return number(Decimal(value) / 100, places)


def render_csv(table: Table, rows: Iterable[Sequence[Value]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.header)
    for row in rows:
        if len(row) != len(table.columns):
            raise ValueError(f"{table.file}: {len(row)} Werte für {len(table.columns)} Spalten")
        cells = []
        for column, value in zip(table.columns, row):
            if value is None or value == "":
                cells.append("")
            elif column.places is not None and not isinstance(value, str):
                cells.append(number(value, column.places))
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


def _column_xml(table: Table) -> str:
    parts = []
    for column in table.columns:
        tag = "VariablePrimaryKey" if column.key else "VariableColumn"
        kind = ("<AlphaNumeric/>" if column.places is None
                else f"<Numeric><Accuracy>{column.places}</Accuracy></Numeric>" if column.places
                else "<Numeric/>")
        parts.append(f"        <{tag}>\n          <Name>{column.name}</Name>\n          {kind}\n        </{tag}>")
    return "\n".join(parts)


def render_index(tables: Sequence[Table], supplier: str, location: str, comment: str,
                 valid_from: str, valid_to: str) -> bytes:
    blocks = []
    for table in tables:
        blocks.append(f"""    <Table>
      <URL>{table.file}</URL>
      <Name>{table.name}</Name>
      <Description>{escape(table.description)}</Description>
      <Validity>
        <Range>
          <From>{valid_from}</From>
          <To>{valid_to}</To>
        </Range>
        <Format>YYYY-MM-DD</Format>
      </Validity>
      <UTF8/>
      <DecimalSymbol>.</DecimalSymbol>
      <DigitGroupingSymbol>,</DigitGroupingSymbol>
      <Range>
        <From>2</From>
      </Range>
      <VariableLength>
        <ColumnDelimiter>;</ColumnDelimiter>
        <RecordDelimiter>&#13;&#10;</RecordDelimiter>
        <TextEncapsulator>"</TextEncapsulator>
{_column_xml(table)}
      </VariableLength>
    </Table>""")
    body = "\n".join(blocks)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE DataSet SYSTEM "gdpdu-01-09-2004.dtd">
<DataSet>
  <Version>1.0</Version>
  <DataSupplier>
    <Name>{escape(supplier)}</Name>
    <Location>{escape(location)}</Location>
    <Comment>{escape(comment)}</Comment>
  </DataSupplier>
  <Media>
    <Name>DSFinV-K</Name>
{body}
  </Media>
</DataSet>
""".encode("utf-8")


def write_all(out_dir: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file (to a temporary name first, then renamed, so a crash never leaves a
    half-written export that looks complete)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(files):
        target = out_dir / name
        temporary = out_dir / f".{name}.tmp"
        temporary.write_bytes(files[name])
        temporary.replace(target)
        written.append(target)
    return written
