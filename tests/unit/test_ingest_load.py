"""Source-level ingestion: re-delivery, later versions, incremental runs, bad files and row conservation."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pipelines.contract import SOURCES
from pipelines.ingest.discover import folder_deliveries
from pipelines.ingest.load import current_rows, ingest_source

NOW = datetime(2026, 1, 1, 12, 0, 0)
HEADER = (
    "order_id,channel_id,customer_id,member_tier,status,created_at,paid_at,updated_at,"
    "ship_method,ship_region,location_id\n"
)
PAID = "O{n},tmall,c,none,paid,2025-12-0{d} 08:00:00,2025-12-0{d} 08:01:00,2025-12-0{d} 08:01:00,express,ZJ,\n"
ORDERS = SOURCES["orders"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def ingest(tmp_path: Path, source_name: str = "orders", **kwargs):
    landing = tmp_path / "landing"
    # with the contract's types, as the Dagster asset reads (a clean CSV is read typed)
    deliveries = folder_deliveries(landing / source_name, landing, SOURCES[source_name].columns)
    return ingest_source(SOURCES[source_name], deliveries, tmp_path / "raw", NOW, **kwargs)


def by_file(log: pl.DataFrame) -> dict[str, dict]:
    return {Path(r["file"]).name: r for r in log.iter_rows(named=True)}


def test_a_later_updated_at_replaces_the_earlier_version_whatever_the_file_order(tmp_path: Path) -> None:
    # the later version arrives in the earlier-named file: out of order delivery
    write(
        tmp_path / "landing/orders/a.csv",
        HEADER + "O1,tmall,c,none,shipped,2025-12-01 08:00:00,2025-12-01 08:01:00,2025-12-02 09:00:00,express,ZJ,W1\n",
    )
    write(
        tmp_path / "landing/orders/b.csv",
        HEADER + "O1,tmall,c,none,paid,2025-12-01 08:00:00,2025-12-01 08:01:00,2025-12-01 08:01:00,express,ZJ,\n",
    )
    report = ingest(tmp_path)
    assert current_rows(ORDERS, tmp_path / "raw").select("order_id", "status").rows() == [("O1", "shipped")]
    assert report.log.select("rows_read", "rows_loaded", "rows_replaced", "rows_quarantined").rows() == [
        (1, 1, 0, 0),
        (1, 0, 1, 0),
    ]


def test_a_file_delivered_twice_changes_nothing(tmp_path: Path) -> None:
    write(tmp_path / "landing/orders/day1.csv", HEADER + "".join(PAID.format(n=i, d=1) for i in range(5)))
    ingest(tmp_path)
    once = current_rows(ORDERS, tmp_path / "raw").sort("order_id")
    shutil.copy(tmp_path / "landing/orders/day1.csv", tmp_path / "landing/orders/day1 (copy).csv")
    twice = ingest(tmp_path)
    assert current_rows(ORDERS, tmp_path / "raw").sort("order_id").equals(once)
    assert twice.total("rows_read") == 10
    assert twice.total("rows_loaded") == 5 and twice.total("rows_replaced") == 5
    assert twice.current_rows == 5


def test_every_row_is_accounted_for(tmp_path: Path) -> None:
    landing = tmp_path / "landing/orders"
    write(
        landing / "1.csv",
        HEADER
        + PAID.format(n=1, d=1)
        + PAID.format(n=2, d=1)
        + "O3,tmall,c,none,lost,2025-12-01 08:00:00,,2025-12-01 08:00:00,express,ZJ,\n",
    )
    write(landing / "2.csv", HEADER + PAID.format(n=2, d=1) + PAID.format(n=4, d=1))
    write(landing / "3.csv", "order_id,amount\nO9,12\n")  # wrong columns
    write(landing / "4.csv", "")  # empty
    write(landing / "5.parquet", "this is not parquet")  # truncated / corrupt
    report = ingest(tmp_path)
    log = by_file(report.log)
    for row in log.values():
        assert row["rows_read"] == row["rows_loaded"] + row["rows_replaced"] + row["rows_quarantined"]
    assert [log[f]["status"] for f in sorted(log)] == ["ok", "ok", "rejected", "unreadable", "unreadable"]
    # O2 comes twice with the same updated_at: the later delivery (2.csv) is kept
    assert (log["1.csv"]["rows_loaded"], log["1.csv"]["rows_replaced"], log["1.csv"]["rows_quarantined"]) == (1, 1, 1)
    assert (log["2.csv"]["rows_loaded"], log["2.csv"]["rows_replaced"]) == (2, 0)
    assert log["3.csv"]["rows_quarantined"] == 1
    assert "missing required column(s): channel_id, status, created_at, updated_at" in log["3.csv"]["message"]
    assert log["4.csv"]["message"] == "the file is empty (0 bytes)"
    assert log["5.parquet"]["message"].startswith("cannot be read as parquet")
    assert sorted(current_rows(ORDERS, tmp_path / "raw")["order_id"]) == ["O1", "O2", "O4"]


def test_malformed_lines_are_quarantined_by_line_and_the_rest_loads(tmp_path: Path) -> None:
    write(
        tmp_path / "landing/orders/broken.csv",
        HEADER
        + PAID.format(n=1, d=1)
        + "O2,tmall,c,none,paid,2025-12-01 08:00:00\n"  # cut short: an interrupted upload
        + PAID.format(n=3, d=1).strip()
        + "W9,EXTRA\n"  # one field too many
        + PAID.format(n=4, d=1),
    )
    report = ingest(tmp_path)
    quarantine = report.quarantine.sort("row_number")
    assert quarantine.select("row_number", "value").rows() == [
        (2, "O2,tmall,c,none,paid,2025-12-01 08:00:00"),
        (3, PAID.format(n=3, d=1).strip() + "W9,EXTRA"),
    ]
    assert quarantine["reason"][0].startswith("malformed line: MISSING COLUMNS")
    assert quarantine["reason"][1].startswith("malformed line: TOO MANY COLUMNS")
    assert sorted(current_rows(ORDERS, tmp_path / "raw")["order_id"]) == ["O1", "O4"]
    (row,) = report.log.iter_rows(named=True)
    assert (row["rows_read"], row["rows_loaded"], row["rows_quarantined"]) == (4, 2, 2)
    # the accepted rows keep their own record numbers
    lineage = current_rows(ORDERS, tmp_path / "raw", lineage=True).sort("_row")
    assert lineage.select("order_id", "_row").rows() == [("O1", 1), ("O4", 4)]


def test_events_land_in_their_own_day_whenever_they_arrive(tmp_path: Path) -> None:
    write(tmp_path / "landing/orders/today.csv", HEADER + PAID.format(n=1, d=2) + PAID.format(n=2, d=3))
    first = ingest(tmp_path)
    write(tmp_path / "landing/orders/late.csv", HEADER + PAID.format(n=0, d=1))  # a late file, for an earlier day
    late = ingest(tmp_path)
    assert first.days_written == ["2025-12-02", "2025-12-03"] and late.days_written == ["2025-12-01"]
    folder = tmp_path / "raw/orders"
    assert sorted(p.name for p in folder.iterdir()) == [
        "_empty.parquet",
        "day=2025-12-01",
        "day=2025-12-02",
        "day=2025-12-03",
    ]
    assert pl.read_parquet(folder / "day=2025-12-01").get_column("order_id").to_list() == ["O0"]


def test_a_second_run_reads_only_what_changed_and_keeps_what_was_archived(tmp_path: Path) -> None:
    landing = tmp_path / "landing/orders"
    write(landing / "a.csv", HEADER + PAID.format(n=1, d=1))
    write(landing / "b.csv", HEADER + PAID.format(n=2, d=1) + PAID.format(n=3, d=1))
    ingest(tmp_path)
    again = ingest(tmp_path)
    assert again.checked == [] and again.unchanged == 2 and again.current_rows == 3

    # b.csv is corrected in place (O3 was sent by mistake): its rows are replaced, not added to
    write(landing / "b.csv", HEADER + PAID.format(n=2, d=1))
    os.utime(landing / "b.csv", ns=(1, 2_000_000_000_000_000_000))
    corrected = ingest(tmp_path)
    assert [Path(f).name for f in corrected.checked] == ["b.csv"]
    assert sorted(current_rows(ORDERS, tmp_path / "raw")["order_id"]) == ["O1", "O2"]

    # a.csv is archived away from the landing zone: what it delivered stays
    (landing / "a.csv").unlink()
    assert sorted(current_rows(ORDERS, tmp_path / "raw")["order_id"]) == ["O1", "O2"]
    assert ingest(tmp_path).log.height == 2
    # a full refresh re-reads the landing zone as it is now
    refreshed = ingest(tmp_path, full_refresh=True)
    assert refreshed.log.height == 1 and sorted(current_rows(ORDERS, tmp_path / "raw")["order_id"]) == ["O2"]


def test_rows_refused_for_an_unknown_sku_load_once_the_sku_is_known(tmp_path: Path) -> None:
    write(tmp_path / "landing/order_lines/lines.csv", "order_id,line_no,sku,qty\nO1,1,SKU1,2\nO1,2,NEW,1\n")
    first = ingest(tmp_path, "order_lines", known={"sku": pl.Series(["SKU1"])})
    assert first.quarantine["reason"].to_list() == ["unknown sku (not in products)"]
    assert first.log["retry"].to_list() == [True]
    second = ingest(tmp_path, "order_lines", known={"sku": pl.Series(["SKU1", "NEW"])})
    assert len(second.checked) == 1 and second.log["retry"].to_list() == [False]
    assert second.log.select("seq", "rows_loaded", "rows_quarantined").rows() == [(1, 2, 0)]
    assert not any((tmp_path / "raw/_quarantine/order_lines").glob("[!_]*.parquet"))


def test_an_empty_source_reads_as_a_typed_empty_table(tmp_path: Path) -> None:
    report = ingest(tmp_path, "transfers")
    assert report.log.height == 0
    frame = pl.read_parquet(tmp_path / "raw/transfers/**/*.parquet")
    assert frame.height == 0 and frame.columns[: len(SOURCES["transfers"].columns)] == list(
        SOURCES["transfers"].columns
    )


def test_the_fast_read_changes_nothing_but_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file gives the same rows and quarantine through the plain read (Polars, numbers typed)
    as through DuckDB's text read alone, which names every malformed line."""
    from pipelines.ingest import readers
    from pipelines.ingest.load import check_deliveries

    lines = "order_id,line_no,sku,qty,unit_price,discount\n"
    files = {
        "clean": lines + "O1,1,SKU1,2,10.5,0\nO1,2,SKU2,1,3,\nO2,1,SKU3,+5,1e3,.5\n",
        # numbers the plain read does not parse: it gives up, and the text read names each
        "messy": lines + "O1,1,SKU1,12.0,10.5,0\nO1,2,SKU2,x,3,0\nO2,1,SKU1,-1,1,0\nO3,1,SKU1,1.5,1,0\n"
        "O3,2,SKU1,0x10,1,0\nO3,3,SKU1,1_000,1,0\nO3,4,SKU1,1,1_000,0\nO3,5,SKU1, 2 ,1,0\n",
        # numbers that parse, but required cells left blank: the plain read is taken and must still name them
        "gaps": lines + "O1,1,SKU1,2,10.5,0\nO1,2,  ,1,3,0\nO2,1,SKU1,,1,0\n",
        # quoted fields: only the text read takes them
        "quoted": lines + '"O1",1,"SKU1",2,10.5,0\nO1,2,"SKU, big",1,3,\n',
        "crlf": lines.replace("\n", "\r\n") + "O1,1,SKU1,2,10.5,0\r\nO1,2,SKU2,1,3,0\r\n",
    }
    source = SOURCES["order_lines"]
    paths = {name: write(tmp_path / name / "order_lines/a.csv", text) for name, text in files.items()}
    taken = {name: readers._read_csv_plain(path, ",", source.columns) is not None for name, path in paths.items()}
    assert taken == {"clean": True, "messy": False, "gaps": True, "quoted": False, "crlf": True}
    fast = {
        name: check_deliveries(source, folder_deliveries(path.parent, types=source.columns), NOW)
        for name, path in paths.items()
    }
    monkeypatch.setattr(readers, "_read_csv_plain", lambda *args: None)
    for name, path in paths.items():
        text = check_deliveries(source, folder_deliveries(path.parent, types=source.columns), NOW)
        assert fast[name][0].equals(text[0]) and fast[name][1].equals(text[1]), name

    rows, quarantine = fast["messy"]
    assert rows.select("order_id", "line_no", "qty").rows() == [("O1", 1, 12), ("O3", 5, 2)]
    assert quarantine.select("row_number", "column_name", "value").rows() == [
        (2, "qty", "x"),
        (3, "qty", "-1"),
        (4, "qty", "1.5"),
        (5, "qty", "0x10"),
        (6, "qty", "1_000"),
        (7, "unit_price", "1_000"),
    ]
    assert fast["gaps"][1].select("row_number", "column_name", "reason").rows() == [
        (2, "sku", "required value is missing"),
        (3, "qty", "required value is missing"),
    ]
    assert fast["quoted"][0].select("order_id", "sku").rows() == [("O1", "SKU1"), ("O1", "SKU, big")]
    assert fast["clean"][0].select("qty", "unit_price", "discount").rows() == [
        (2, 10.5, 0.0),
        (1, 3.0, None),
        (5, 1000.0, 0.5),
    ]


def test_a_file_is_plain_only_when_every_line_holds_every_field(tmp_path: Path) -> None:
    """The fastest CSV read pads a short line with nulls; it is used only where no line can be short."""
    from pipelines.ingest.readers import MAX_LINE_BYTES, _plain_line_count, _read_csv_plain

    def count(text: bytes) -> int | None:
        path = tmp_path / "f.csv"
        path.write_bytes(text)
        return _plain_line_count(path, ",", 3)

    assert count(b"a,b,c\nx,1,y\nz,2,w\n") == 3
    assert count(b"a,b,c\r\nx,1,y\r\nz,2,w") == 3  # Windows line ends, no newline at the end
    assert count(b"a,b,c\nx,,\n") == 2  # empty fields are fields
    # deep in a file big enough to be parsed in parallel chunks: a trailing separator on one line,
    # a missing field on another; the counts balance and the reader must still refuse it
    body = b"x,1,y\n" * 150_000
    assert count(b"a,b,c\n" + body + b"x,1,y,\n" + body + b"z,2\n" + body) is not None
    assert _read_csv_plain(tmp_path / "f.csv", ",", {"b": pl.Int64}) is None
    assert count(b"a,b,c\nx,1\nz,2,w\n") is None  # a line cut short
    # one line too long and one too short balance the count: the reader refuses the long line itself
    assert count(b"a,b,c\nx,1,y,q\nz,2\n") == 3
    assert _read_csv_plain(tmp_path / "f.csv", ",", {}) is None
    assert count(b"a,b,c\nx,1,y\n\nz,2,w\n") is None  # a blank line
    assert count(b'a,b,c\n"x,1",1,y\n') is None  # a quote: separators may sit inside fields
    assert count(b"a,b,c\rx,1,y\rz,2,w\r") is None  # old Mac line ends: not counted as lines
    assert count(b"a,b,c\nx,1,y\rq\nz,2,w\n") is None  # a CR inside a line ends it for DuckDB
    assert count(b"a,b,c\r\nx,1,y\nz,2,w\r\n") is None  # LF and CRLF mixed
    assert count(b"a,b,c\r\nx,1,y\r\r\nz,2,w\r\n") is None  # a stray CR before the line end
    # a line longer than DuckDB takes (its text read quarantines it): not plain, wherever it sits
    long_value = b"v" * (MAX_LINE_BYTES + 1)
    assert count(b"a,b,c\nx,1,y\n" + b"x,1," + long_value + b"\nz,2,w\n") is None
    assert count(b"a,b,c\nx,1,y\n" + b"x,1," + long_value) is None
    assert count(b"a,b,c\n" + b"x,1,y\n" * 400_000) == 400_001


def test_a_line_cut_short_in_a_clean_looking_file_is_still_quarantined(tmp_path: Path) -> None:
    lines = "order_id,line_no,sku,qty,unit_price,discount\n"
    write(tmp_path / "landing/order_lines/a.csv", lines + "O1,1,SKU1,2,10.5,0\nO1,2,SKU2,1\nO2,1,SKU1,1,1,0\n")
    report = ingest(tmp_path, "order_lines")
    assert report.quarantine.select("row_number", "value").rows() == [(2, "O1,2,SKU2,1")]
    assert report.quarantine["reason"][0].startswith("malformed line: MISSING COLUMNS")
    assert sorted(current_rows(SOURCES["order_lines"], tmp_path / "raw")["order_id"]) == ["O1", "O2"]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64 * 2**20])
def test_the_plain_count_does_not_depend_on_where_reading_chunks_split_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    from pipelines.ingest import readers

    def count(text: bytes) -> int | None:
        path = tmp_path / "f.csv"
        path.write_bytes(text)
        return readers._plain_line_count(path, ",", 3)

    monkeypatch.setattr(readers, "_CHUNK", chunk)
    line_ends = {
        b"a,b,c\nx,1,y\nz,2,w\n": 3,
        b"a,b,c\r\nx,1,y\r\nz,2,w\r\n": 3,
        b"a,b,c\r\nx,1,y\r\nz,2,w": 3,
        b"a,b,c\nx,1,y\rq\nz,2,w\n": None,
        b"a,b,c\r\nx,1,y\nz,2,w\r\n": None,
        b"a,b,c\r\nx,1,y\r\r\nz,2,w\r\n": None,
    }
    for text, expected in line_ends.items():
        assert count(text) == expected, (text, chunk)
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 12)  # lines of 6 bytes are surely short, 13 surely long
    lengths = {
        b"a,b,c\n1,2,3\n4,5,6\n": 3,
        b"a,b,c\n1,2,3\n4,5,6": 3,
        b"a,b,c\nx,1,yyyyyyyy\nz,2,w\n": None,
        b"a,b,c\nz,2,w\nx,1,yyyyyyyy": None,
        b"x,1,yyyyyyyy\na,b,c\n": None,
    }
    for text, expected in lengths.items():
        assert count(text) == expected, (text, chunk)


def test_a_run_cut_short_leaves_a_manifest_that_knows_every_row_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.ingest.raw_zone import RawZone

    for n in (1, 2, 3):
        write(tmp_path / f"landing/orders/{n}.csv", HEADER + PAID.format(n=n, d=n) + PAID.format(n=10, d=n))
    real = RawZone.replace_delivery
    written: list[str] = []

    def crash_on_the_third(self, delivery_id, rows, quarantine):
        if len(written) == 2:
            raise OSError("disk full")
        written.append(delivery_id)
        return real(self, delivery_id, rows, quarantine)

    monkeypatch.setattr(RawZone, "replace_delivery", crash_on_the_third)
    with pytest.raises(OSError, match="disk full"):
        ingest(tmp_path)
    zone = RawZone(tmp_path / "raw", ORDERS)
    assert sorted(zone.manifest()["delivery_id"]) == sorted(written)  # every delivery with rows in the raw zone
    (tmp_path / "landing/orders/2.csv").unlink()  # archived before the next run: its rows stay in the raw zone
    monkeypatch.setattr(RawZone, "replace_delivery", real)
    report = ingest(tmp_path)  # 1.csv is done, 2.csv has gone from the landing zone, 3.csv is new
    log = by_file(report.log)
    assert set(log) == {"1.csv", "2.csv", "3.csv"}
    for row in log.values():
        assert row["rows_read"] == row["rows_loaded"] + row["rows_replaced"] + row["rows_quarantined"] == 2
    # O10 is in every file: its current version is the latest delivery's; nothing is counted twice
    assert report.current_rows == 4 == current_rows(ORDERS, tmp_path / "raw").height
    assert [r["rows_loaded"] for r in sorted(log.values(), key=lambda r: r["seq"])] == [1, 1, 2]
    assert not zone.pending_dir.exists()  # folded into the manifest file
    assert zone.manifest().equals(pl.read_parquet(zone.manifest_path))


def test_a_write_killed_midway_leaves_the_previous_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused order keys (and every other raw-zone file) are written beside and renamed: a torn file
    would break every later order_lines ingest (review of issue 12)."""
    from pipelines.ingest.parents import REFUSED_KEYS_SCHEMA, parent_indexes, refused_keys_folder
    from pipelines.ingest.raw_zone import MANIFEST_SCHEMA, RawZone

    raw = tmp_path / "raw"
    zone = RawZone(raw, ORDERS)
    zone.prepare()
    keys = pl.DataFrame(
        {"key": ["O7"], "file": ["landing/orders/a.csv"], "row_number": [2], "reason": ["status: bad"]},
        schema=REFUSED_KEYS_SCHEMA,
    )
    zone.write_refused_keys("d1", keys)

    def killed(frame: pl.DataFrame, file: Path, **_: object) -> None:
        Path(file).write_bytes(b"PAR1 half a footer")
        raise KeyboardInterrupt("killed")

    more = pl.concat([keys, keys.with_columns(key=pl.lit("O8"))])
    one_entry = pl.DataFrame([{"delivery_id": "d1", "seq": 1}], schema=MANIFEST_SCHEMA, orient="row")
    for write_once in (lambda: zone.write_refused_keys("d1", more), lambda: zone.write_manifest(one_entry)):
        monkeypatch.setattr(pl.DataFrame, "write_parquet", killed)
        with pytest.raises(KeyboardInterrupt):
            write_once()
        monkeypatch.undo()
    (index,) = parent_indexes(raw, SOURCES["order_lines"])
    assert index.refused["key"].to_list() == ["O7"]  # the version written before, whole
    assert [p.name for p in refused_keys_folder(raw, "orders").glob("*.parquet")] == ["d1.parquet"]
    assert zone.manifest().height == 0  # the manifest as it was
