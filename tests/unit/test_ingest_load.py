"""Source-level ingestion: re-delivery, later versions, unreadable files and row conservation."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import polars as pl

from pipelines.contract import SOURCES
from pipelines.ingest.load import ingest_source, write_raw_zone

NOW = datetime(2026, 1, 1, 12, 0, 0)
HEADER = "order_id,channel_id,customer_id,member_tier,status,created_at,paid_at,updated_at,ship_method,ship_region,location_id\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_later_updated_at_replaces_the_earlier_version_whatever_the_file_order(tmp_path: Path) -> None:
    landing = tmp_path / "orders"
    # the later version arrives in the earlier-named file: out of order delivery
    write(landing / "a.csv", HEADER + "O1,tmall,c,none,shipped,2025-12-01 08:00:00,2025-12-01 08:01:00,2025-12-02 09:00:00,express,ZJ,W1\n")
    write(landing / "b.csv", HEADER + "O1,tmall,c,none,paid,2025-12-01 08:00:00,2025-12-01 08:01:00,2025-12-01 08:01:00,express,ZJ,\n")
    result = ingest_source(SOURCES["orders"], landing, NOW)
    assert result.rows.select("order_id", "status").rows() == [("O1", "shipped")]
    assert result.log.select("rows_read", "rows_loaded", "rows_replaced", "rows_quarantined").rows() == [
        (1, 1, 0, 0),
        (1, 0, 1, 0),
    ]


def test_a_file_delivered_twice_changes_nothing(tmp_path: Path) -> None:
    landing = tmp_path / "orders"
    body = HEADER + "".join(
        f"O{i},tmall,c,none,paid,2025-12-01 08:00:00,2025-12-01 08:01:00,2025-12-01 08:01:00,express,ZJ,\n" for i in range(5)
    )
    write(landing / "day1.csv", body)
    once = ingest_source(SOURCES["orders"], landing, NOW)
    shutil.copy(landing / "day1.csv", landing / "day1 (copy).csv")
    twice = ingest_source(SOURCES["orders"], landing, NOW)
    assert once.rows.sort("order_id").equals(twice.rows.sort("order_id"))
    assert twice.total("rows_read") == 10
    assert twice.total("rows_loaded") == 5 and twice.total("rows_replaced") == 5


def test_every_row_is_accounted_for(tmp_path: Path) -> None:
    landing = tmp_path / "orders"
    good = "O{n},tmall,c,none,paid,2025-12-01 08:00:00,2025-12-01 08:01:00,2025-12-01 08:01:00,express,ZJ,\n"
    write(landing / "1.csv", HEADER + good.format(n=1) + good.format(n=2) + "O3,tmall,c,none,lost,2025-12-01 08:00:00,,2025-12-01 08:00:00,express,ZJ,\n")
    write(landing / "2.csv", HEADER + good.format(n=2) + good.format(n=4))
    write(landing / "3.csv", "order_id,amount\nO9,12\n")  # wrong columns
    write(landing / "4.csv", "")  # empty
    write(landing / "5.parquet", "this is not parquet")  # truncated / corrupt
    result = ingest_source(SOURCES["orders"], landing, NOW)
    log = {Path(r["file"]).name: r for r in result.log.iter_rows(named=True)}
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
    assert sorted(result.rows["order_id"]) == ["O1", "O2", "O4"]


def test_raw_zone_is_partitioned_by_day_and_readable_when_empty(tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "orders"
    write(landing / "a.csv", HEADER
          + "O1,tmall,c,none,paid,2025-12-01 08:00:00,,2025-12-01 08:00:00,express,ZJ,\n"
          + "O2,tmall,c,none,paid,2025-12-02 08:00:00,,2025-12-02 08:00:00,express,ZJ,\n")
    raw = tmp_path / "raw"
    result = ingest_source(SOURCES["orders"], landing, NOW)
    target = write_raw_zone(result, SOURCES["orders"], raw, raw / "_quarantine", raw / "_ingestion_log")
    assert sorted(p.name for p in target.iterdir()) == ["_empty.parquet", "day=2025-12-01", "day=2025-12-02"]
    assert pl.read_parquet(target / "**/*.parquet").height == 2

    empty = ingest_source(SOURCES["transfers"], tmp_path / "landing" / "transfers", NOW)
    target = write_raw_zone(empty, SOURCES["transfers"], raw, raw / "_quarantine", raw / "_ingestion_log")
    frame = pl.read_parquet(target / "**/*.parquet")
    assert frame.height == 0 and frame.columns == list(SOURCES["transfers"].columns)
