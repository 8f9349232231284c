"""A quote left open never swallows the lines after it; a sound quoted value with a line break loads.

Every physical line after the header is accounted for: loaded (alone, or inside a multi-line
record), or quarantined with its own line number; a line that leaves a quote open names the lines
a reader would have joined to it. A quoted value may hold a line break (RFC 4180: a multi-line
name, order note or address) when its record has the header's field count and none of the lines
it takes in is a whole record on its own (docs/data_contract.md, "CSV details").
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pipelines.contract import SOURCES
from pipelines.ingest import readers
from pipelines.ingest.discover import folder_deliveries
from pipelines.ingest.load import current_rows, ingest_source
from pipelines.ingest.readers import UnreadableFile, read_csv_with_rejects
from pipelines.ingest.validate import MALFORMED, RAW_LINE, ROW

NOW = datetime(2026, 1, 1, 12, 0, 0)
PRODUCTS = SOURCES["products"]
HEADER = "sku,name,category,unit_cost,list_price\n"


def ingest_products(tmp_path: Path, text: str):
    path = tmp_path / "landing" / "products" / "products.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    landing = tmp_path / "landing"
    report = ingest_source(
        PRODUCTS, folder_deliveries(landing / "products", landing, PRODUCTS.columns), tmp_path / "raw", NOW
    )
    return report, current_rows(PRODUCTS, tmp_path / "raw").sort("sku")


def counts(report) -> tuple[int, int, int]:
    return report.log.select("rows_read", "rows_loaded", "rows_quarantined").row(0)


def test_an_unclosed_quote_loses_no_valid_line(tmp_path: Path) -> None:
    # 7 physical lines: the header and 6 records; line 3 opens a quote it never closes, and the
    # quote on line 5 made DuckDB read lines 3-5 as one broken record (S3 and S4 lost with it)
    text = (
        HEADER
        + "S1,Serum,skin,10,20\n"
        + 'S2,"Cream,skin,11,22\n'
        + "S3,Toner,skin,12,24\n"
        + 'S4,"Mask",skin,13,26\n'
        + "S5,Balm,skin,14,28\n"
        + "S6,Oil,skin,15,30\n"
    )
    report, loaded = ingest_products(tmp_path, text)
    assert loaded["sku"].to_list() == ["S1", "S3", "S4", "S5", "S6"]
    assert loaded.filter(pl.col("sku") == "S4")["name"].item() == "Mask"
    assert counts(report) == (6, 5, 1)  # 6 lines after the header = 5 loaded + 1 quarantined
    assert report.quarantine.select("row_number", "column_name", "value").rows() == [(2, None, 'S2,"Cream,skin,11,22')]
    assert report.quarantine["reason"].item() == (
        "malformed line: a quote left open at the end of line 3 (not one sound record: "
        "read as one it would swallow lines 4-5, which are read on their own)"
    )


def test_a_quote_left_open_to_the_end_of_the_file(tmp_path: Path) -> None:
    text = (
        HEADER
        + "S1,Serum,skin,10,20\n"
        + 'S2,"Cream,skin,11,22\n'
        + "".join(f"S{n},Item{n},skin,1{n},2{n}\n" for n in range(3, 7))
    )
    report, loaded = ingest_products(tmp_path, text)
    assert loaded["sku"].to_list() == ["S1", "S3", "S4", "S5", "S6"]
    assert counts(report) == (6, 5, 1)
    assert "swallow lines 4-7," in report.quarantine["reason"].item()


def test_a_quote_closed_on_a_later_line_does_not_hide_that_line(tmp_path: Path) -> None:
    # read as CSV, lines 3-4 make one product named "Cream,skin,11,22\nS3,Toner": S3 would vanish
    text = (
        HEADER + "S1,Serum,skin,10,20\n" + 'S2,"Cream,skin,11,22\n' + 'S3,Toner",skin,12,24\n' + "S4,Mask,skin,13,26\n"
    )
    report, loaded = ingest_products(tmp_path, text)
    assert loaded.select("sku", "name").rows() == [("S1", "Serum"), ("S3", 'Toner"'), ("S4", "Mask")]
    assert counts(report) == (4, 3, 1)
    assert report.quarantine["row_number"].to_list() == [2]
    assert "swallow line 4, which is read on its own" in report.quarantine["reason"].item()


def test_a_quoted_value_with_a_line_break_loads_as_one_record(tmp_path: Path) -> None:
    # RFC 4180: a quoted value may hold a line break (a multi-line product name); it loaded before
    # the line-by-line read and must again: one record, the line break kept, nothing quarantined
    text = HEADER + "S1,Serum,skin,10,20\n" + 'S7,"Gift set\n' + 'with ribbon",skin,10,20\n' + "S8,Oil,skin,15,30\n"
    report, loaded = ingest_products(tmp_path, text)
    assert loaded.select("sku", "name").rows() == [("S1", "Serum"), ("S7", "Gift set\nwith ribbon"), ("S8", "Oil")]
    assert counts(report) == (3, 3, 0)
    assert report.quarantine.height == 0
    # ROW: a record is numbered by its first line (line - 1), so S8 on line 5 is row 4
    assert _read(text).select(ROW, "sku").rows() == [(1, "S1"), (2, "S7"), (4, "S8")]


def test_a_multi_line_value_may_hold_quotes_separators_and_blank_lines() -> None:
    text = (
        HEADER
        + 'S1,"Gift set:\n""Rose"" serum, toner\n\nand a ribbon",skin,10,20\n'  # lines 2-5
        + 'S2,"Oil\r\n30ml",skin,15,30\n'  # 6-7, a CRLF kept as it is
        + "S3,Mask,skin,13,26"  # 8, no line end
    )
    frame = _read(text)
    assert frame.select(ROW, "sku", "name", "list_price").rows() == [
        (1, "S1", 'Gift set:\n"Rose" serum, toner\n\nand a ribbon', "20"),
        (5, "S2", "Oil\r\n30ml", "30"),
        (7, "S3", "Mask", "26"),
    ]
    assert MALFORMED not in frame.columns or frame[MALFORMED].null_count() == frame.height


def test_a_shopify_style_export_with_multi_line_notes_and_addresses_loads(tmp_path: Path) -> None:
    # Shopify, Amazon and Shopee exports write an order note or a shipping address with its line
    # breaks inside quotes (CRLF exports too); extra columns are allowed and the orders all load
    header = "order_id,channel_id,status,created_at,updated_at,note,shipping_address\r\n"
    text = (
        header + '1001,shopify_us,paid,2025-11-01 10:00:00,2025-11-01 10:05:00,,"1 Main St\r\nApt 4, Springfield, IL '
        '62701"\r\n'
        + '1002,shopify_us,paid,2025-11-01 11:00:00,2025-11-01 11:05:00,"Gift wrap please.\r\nCard: ""Happy '
        'birthday, Mum!""\r\n",'
        + '"22 High St\r\nLondon"\r\n'
        + "1003,shopify_us,created,2025-11-01 12:00:00,2025-11-01 12:00:00,,9 Elm St\r\n"
    )
    path = tmp_path / "landing" / "orders" / "orders_export.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(text.encode())
    landing = tmp_path / "landing"
    orders = SOURCES["orders"]
    report = ingest_source(
        orders, folder_deliveries(landing / "orders", landing, orders.columns), tmp_path / "raw", NOW
    )
    assert counts(report) == (3, 3, 0)
    assert current_rows(orders, tmp_path / "raw").sort("order_id")["order_id"].to_list() == ["1001", "1002", "1003"]
    frame = read_csv_with_rejects(path)
    assert frame.select(ROW, "order_id").rows() == [(1, "1001"), (3, "1002"), (7, "1003")]
    assert frame["note"].to_list() == [None, 'Gift wrap please.\r\nCard: "Happy birthday, Mum!"\r\n', None]
    assert frame["shipping_address"].to_list()[:2] == [
        "1 Main St\r\nApt 4, Springfield, IL 62701",
        "22 High St\r\nLondon",
    ]


def test_an_unclosed_quote_and_a_sound_multi_line_value_in_one_file(tmp_path: Path) -> None:
    text = (
        HEADER
        + "S1,Serum,skin,10,20\n"  # line 2
        + 'S2,"Cream,skin,11,22\n'  # 3: the quote is never closed
        + "S3,Toner,skin,12,24\n"  # 4
        + 'S4,"Gift set\nwith ribbon",skin,1,2\n'  # 5-6: a sound multi-line name
        + "S5,Balm,skin,14,28\n"  # 7
    )
    report, loaded = ingest_products(tmp_path, text)
    assert loaded.select("sku", "name").rows() == [
        ("S1", "Serum"),
        ("S3", "Toner"),
        ("S4", "Gift set\nwith ribbon"),
        ("S5", "Balm"),
    ]
    assert counts(report) == (5, 4, 1)
    assert report.quarantine.select("row_number", "value").rows() == [(2, 'S2,"Cream,skin,11,22')]
    assert report.quarantine["reason"].item().startswith("malformed line: a quote left open at the end of line 3 ")
    assert _read(text).select(ROW, "sku").rows() == [(1, "S1"), (2, None), (3, "S3"), (4, "S4"), (6, "S5")]


def test_a_multi_line_record_duckdb_refuses_is_quarantined_naming_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes(
        (HEADER + "S1,Serum,skin,10,20\n").encode() + b'S2,"Gift \xff\nset",skin,1,2\n' + b"S3,Oil,skin,1,2\n"
    )
    frame = read_csv_with_rejects(path)
    assert frame.select(ROW, "sku").rows() == [(1, "S1"), (2, None), (4, "S3")]
    reason = frame.filter(pl.col(MALFORMED).is_not_null())[MALFORMED].item()
    assert reason.startswith("malformed record (lines 3-4): INVALID ENCODING")


def test_row_numbers_are_line_numbers_around_blank_lines_and_other_bad_lines() -> None:
    text = (
        "a,b,c\r\n"  # 1
        "x,1,y\r\n"  # 2
        "\r\n"  # 3: blank, not a record
        'z,"2\r\n'  # 4-5: a sound value with a line break ("2\r\nq")
        'q",w\r\n'
        'k,"3,m\r\n'  # 6: quote left open
        'p,"ab"c,d\r\n'  # 7: a quote in the wrong place
        't,"4\r\n5",u\r\n'  # 8-9: a sound value with a line break
        'v,"a,b",""""\r\n'  # 10: fine
        "w,6,n"  # 11: no line end at the end of the file
    )
    frame = _read(text)
    assert frame.filter(pl.col(MALFORMED).is_null()).select(ROW, "a", "b", "c").rows() == [
        (1, "x", "1", "y"),
        (3, "z", "2\r\nq", "w"),
        (7, "t", "4\r\n5", "u"),
        (9, "v", "a,b", '"'),
        (10, "w", "6", "n"),
    ]
    bad = frame.filter(pl.col(MALFORMED).is_not_null())
    assert bad.select(ROW, RAW_LINE).rows() == [(5, 'k,"3,m'), (6, 'p,"ab"c,d')]
    reasons = bad[MALFORMED].to_list()
    assert "end of line 6 " in reasons[0] and "swallow line 7," in reasons[0]
    assert reasons[1].startswith("malformed line: a quote in the wrong place on line 7")


@pytest.mark.parametrize("chunk", [1, 5, 13, 64 * 2**20])
def test_the_line_scan_does_not_depend_on_where_chunks_split_the_file(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(readers, "_CHUNK", chunk)
    text = "a,b,c\n" + "x,1,y\n" + 'z,"2\n' + "\n" + "q,\u00e9\u00e9,w\n" + 'k,"3\u00e9,m\n' + "t,4,u\n"
    frame = _read(text)
    assert frame.select(ROW, "a").rows() == [(1, "x"), (2, None), (4, "q"), (5, None), (6, "t")]


def test_a_big_file_keeps_every_line(tmp_path: Path) -> None:
    """Deep in a file DuckDB reads in parallel: every line still gets its own number."""
    body = [f"S{n},Item {n},skin,{n},{n + 1}" for n in range(120_000)]
    body[70_000] = 'S70000,"Item,skin,1,2'
    body[70_001] = ""
    body[90_000] = "S90000,short"
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "\n".join(body) + "\n")
    frame = read_csv_with_rejects(path)
    assert frame.height == 120_000 - 1  # the blank line is not a record
    bad = frame.filter(pl.col(MALFORMED).is_not_null())
    assert bad[ROW].to_list() == [70_001, 90_001]
    good = frame.filter(pl.col(MALFORMED).is_null())
    numbers = good.select(pl.col("sku").str.slice(1).cast(pl.Int64) + 1 - pl.col(ROW)).to_series()
    assert (numbers == 0).all()  # each record at its own line: ROW = line - 1


def test_a_header_that_leaves_a_quote_open_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text('sku,"name,category\nS1,Serum,skin\n')
    with pytest.raises(UnreadableFile, match="header row leaves a quote open"):
        read_csv_with_rejects(path)


def test_a_quoted_file_without_line_breaks_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The line-by-line read is only for files that need it."""

    def not_needed(*args: object) -> None:
        raise AssertionError("read line by line")

    monkeypatch.setattr(readers, "_read_line_by_line", not_needed)
    path = tmp_path / "q.csv"
    path.write_text(HEADER + '"S1","Serum, big",skin,10,20\nS2,Toner,skin,1\nS3,"Oil ""pure""",skin,1,2\n')
    frame = read_csv_with_rejects(path)
    assert frame.select(ROW, "name").rows() == [(1, "Serum, big"), (2, None), (3, 'Oil "pure"')]


def test_tab_separated_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text('a\tb\nx\t"1\ny\t2\nz\t"3"\n')
    frame = read_csv_with_rejects(path, "\t")
    assert frame.select(ROW, "a", "b").rows() == [(1, None, None), (2, "y", "2"), (3, "z", "3")]


def _read(text: str) -> pl.DataFrame:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.csv"
        path.write_bytes(text.encode("utf-8"))
        return read_csv_with_rejects(path)


@pytest.mark.parametrize("end", ["\n\n", "\n\n\n", "\r\n\r\n"])
def test_blank_lines_at_the_end_need_no_second_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, end: str) -> None:
    def not_needed(*args: object) -> None:
        raise AssertionError("read line by line")

    monkeypatch.setattr(readers, "_read_line_by_line", not_needed)
    path = tmp_path / "q.csv"
    newline = "\r\n" if "\r" in end else "\n"
    path.write_bytes((f'a,b{newline}"x",1{newline}y,2' + end).encode())
    assert read_csv_with_rejects(path).select(ROW, "a").rows() == [(1, "x"), (2, "y")]
