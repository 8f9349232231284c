"""A loaded file that comes back broken, empty or much smaller is held, not loaded over the good
version (issue 12, fault 2); order lines of a refused order are quarantined with it (fault 10)."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from pipelines.contract import SOURCES
from pipelines.ingest.discover import folder_deliveries
from pipelines.ingest.load import accept_held_delivery, current_rows, hold_reason, ingest_source
from pipelines.ingest.raw_zone import RawZone, held_deliveries
from tests.unit.test_ingest_load import HEADER, NOW, PAID, write

ORDERS, MOVES, LINES = SOURCES["orders"], SOURCES["wms_movements"], SOURCES["order_lines"]


def ingest(tmp_path: Path, source_name: str = "orders", **kwargs):
    landing = tmp_path / "landing"
    deliveries = folder_deliveries(landing / source_name, landing, SOURCES[source_name].columns)
    return ingest_source(SOURCES[source_name], deliveries, tmp_path / "raw", NOW, **kwargs)


def touch_later(path: Path, step: int = 1) -> None:
    """A new modification time, as an in-place overwrite gives (the fingerprint changes)."""
    os.utime(path, ns=(1, 2_000_000_000_000_000_000 + step))


def movements(n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "movement_id": [f"M{i}" for i in range(n)],
            "occurred_at": ["2025-12-01 08:00:00"] * n,
            "location_id": ["WH1"] * n,
            "sku": ["SKU1"] * n,
            "qty_delta": [10] * n,
            "doc_type": ["inbound"] * n,
        }
    )


def test_a_parquet_file_truncated_in_place_is_held_and_the_loaded_rows_stay(tmp_path: Path) -> None:
    path = tmp_path / "landing/wms_movements/part-0.parquet"
    path.parent.mkdir(parents=True)
    movements(10).write_parquet(path)
    ingest(tmp_path, "wms_movements")
    movements(4).write_parquet(path)  # a rewrite cut short: 4 of the 10 movements
    touch_later(path)
    report = ingest(tmp_path, "wms_movements")
    assert current_rows(MOVES, tmp_path / "raw").height == 10  # nothing left the raw zone
    assert report.log.select("rows_read", "rows_loaded").rows() == [
        (10, 10)
    ]  # the manifest still counts the good version
    (held,) = held_deliveries(tmp_path / "raw").iter_rows(named=True)
    assert (held["source"], held["file"], held["row_number"]) == (
        "wms_movements",
        "landing/wms_movements/part-0.parquet",
        None,
    )
    assert held["value"].startswith("before: 10 valid of 10 rows") and held["value"].endswith(
        "now: 4 valid of 4 rows (ok)"
    )
    assert "it shrank to 4 valid row(s), fewer than 0.5 of the 10 loaded" in held["reason"]
    assert "omnistock accept-delivery 'landing/wms_movements/part-0.parquet'" in held["reason"]
    # the held record is in the quarantine the warehouse reads (ops.quarantine)
    assert RawZone(tmp_path / "raw", MOVES).scan_quarantine().collect()["file"].to_list() == [
        "landing/wms_movements/part-0.parquet"
    ]
    # bytes cut off: unreadable, held too; and it stays held run after run
    path.write_bytes(path.read_bytes()[:40])
    touch_later(path, 2)
    again = ingest(tmp_path, "wms_movements")
    assert again.held["reason"][0].startswith(
        "re-delivery held, the version loaded is kept: it became unreadable: cannot be read as parquet"
    )
    assert current_rows(MOVES, tmp_path / "raw").height == 10


def test_a_csv_emptied_in_place_is_held_and_a_smaller_correction_is_not(tmp_path: Path) -> None:
    landing = tmp_path / "landing/orders"
    write(landing / "a.csv", HEADER + "".join(PAID.format(n=i, d=1) for i in range(6)))
    write(landing / "b.csv", HEADER + "".join(PAID.format(n=10 + i, d=1) for i in range(6)))
    ingest(tmp_path)
    write(landing / "a.csv", "")  # emptied
    touch_later(landing / "a.csv")
    write(landing / "b.csv", HEADER + "".join(PAID.format(n=10 + i, d=1) for i in range(3)))  # corrected: half stays
    touch_later(landing / "b.csv", 2)
    report = ingest(tmp_path)
    assert report.held["file"].to_list() == ["landing/orders/a.csv"]
    assert "it became unreadable: the file is empty (0 bytes)" in report.held["reason"][0]
    assert sorted(current_rows(ORDERS, tmp_path / "raw")["order_id"]) == [
        f"O{i}" for i in (0, 1, 10, 11, 12, 2, 3, 4, 5)
    ]
    # a header only: no valid row now
    write(landing / "a.csv", HEADER)
    touch_later(landing / "a.csv", 3)
    assert "it has no valid row now (0 read)" in ingest(tmp_path).held["reason"][0]


def test_the_threshold_is_configurable() -> None:
    from pipelines.ingest.load import CheckedDelivery

    previous = {"rows_read": 10, "rows_quarantined": 0}
    six = CheckedDelivery("ok", pl.DataFrame({"x": range(6)}), pl.DataFrame(), 6)
    assert hold_reason(previous, six, 0.5) is None
    assert hold_reason(previous, six, 0.8) == "it shrank to 6 valid row(s), fewer than 0.8 of the 10 loaded"
    assert hold_reason(None, six, 0.8) is None  # a new delivery is never held
    assert (
        hold_reason(
            {"rows_read": 3, "rows_quarantined": 3}, six.__class__("ok", pl.DataFrame(), pl.DataFrame(), 0), 0.5
        )
        is None
    )


def test_a_held_delivery_is_released_by_accepting_restoring_or_removing_it(tmp_path: Path) -> None:
    landing = tmp_path / "landing/orders"
    good = HEADER + "".join(PAID.format(n=i, d=1) for i in range(4))
    write(landing / "a.csv", good)
    write(landing / "b.csv", HEADER + PAID.format(n=7, d=2))
    write(landing / "c.csv", HEADER + PAID.format(n=8, d=3))
    ingest(tmp_path)
    for name in ("a.csv", "b.csv", "c.csv"):
        write(landing / name, HEADER)
        touch_later(landing / name)
    assert sorted(ingest(tmp_path).held["file"]) == [
        "landing/orders/a.csv",
        "landing/orders/b.csv",
        "landing/orders/c.csv",
    ]
    raw = tmp_path / "raw"

    def deliveries_of(source: str):
        return folder_deliveries(tmp_path / "landing" / source, tmp_path / "landing", SOURCES[source].columns)

    with pytest.raises(LookupError, match="is not a held re-delivery"):
        accept_held_delivery(raw, "orders/zzz.csv", deliveries_of)
    # a: accepted (named by its path under the landing zone): it replaces the version loaded
    assert accept_held_delivery(raw, "orders/a.csv", deliveries_of) == ("orders", "landing/orders/a.csv")
    # b: the good version restored; c: removed from the landing zone
    write(landing / "b.csv", HEADER + PAID.format(n=7, d=2))
    touch_later(landing / "b.csv", 5)
    (landing / "c.csv").unlink()
    report = ingest(tmp_path)
    assert report.held.height == 0 and held_deliveries(raw).height == 0
    assert sorted(current_rows(ORDERS, raw)["order_id"]) == ["O7", "O8"]  # a's rows left; c's stay (it was delivered)
    assert not RawZone(raw, ORDERS).accepted_path.exists()  # an acceptance is used once
    # the next change of a is judged again
    write(landing / "a.csv", good)
    ingest(tmp_path)
    write(landing / "a.csv", HEADER + PAID.format(n=0, d=1))
    touch_later(landing / "a.csv", 9)
    assert ingest(tmp_path).held["file"].to_list() == ["landing/orders/a.csv"]


ORDER_LINES_HEADER = "order_id,line_no,sku,qty,unit_price,discount\n"


def test_lines_of_a_refused_order_are_quarantined_with_it_and_load_once_it_does(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(
        landing / "orders/a.csv",
        HEADER + PAID.format(n=1, d=1) + "O2,tmall,c,none,lost,2025-12-01 08:00:00,,2025-12-01 08:00:00,express,ZJ,\n",
    )
    write(
        landing / "order_lines/a.csv",
        ORDER_LINES_HEADER + "O1,1,SKU1,2,10,0\nO2,1,SKU1,1,10,0\nO2,2,SKU2,1,5,0\nO3,1,SKU1,1,10,0\n",
    )
    ingest(tmp_path, "orders")
    report = ingest(tmp_path, "order_lines")
    assert current_rows(LINES, tmp_path / "raw").select("order_id", "line_no").rows() == [("O1", 1)]
    assert report.quarantine.select("row_number", "column_name", "value", "reason").rows() == [
        (
            2,
            "order_id",
            "O2",
            "its order O2 was quarantined: status: not one of created, paid, allocated, shipped, delivered, "
            "cancelled, refunded, returned (landing/orders/a.csv, row 2)",
        ),
        (
            3,
            "order_id",
            "O2",
            "its order O2 was quarantined: status: not one of created, paid, allocated, shipped, delivered, "
            "cancelled, refunded, returned (landing/orders/a.csv, row 2)",
        ),
        (4, "order_id", "O3", "unknown order_id (not in orders)"),
    ]
    (entry,) = report.log.iter_rows(named=True)
    assert (entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"], entry["retry"]) == (4, 1, 3, True)
    # the order is corrected and O3 arrives: the lines load by themselves at the next run
    write(landing / "orders/a.csv", HEADER + PAID.format(n=1, d=1) + PAID.format(n=2, d=1))
    touch_later(landing / "orders/a.csv")
    write(landing / "orders/b.csv", HEADER + PAID.format(n=3, d=2))
    ingest(tmp_path, "orders")
    again = ingest(tmp_path, "order_lines")
    assert current_rows(LINES, tmp_path / "raw").height == 4
    assert again.log.select("rows_loaded", "rows_quarantined", "retry").rows() == [(4, 0, False)]
    assert not list((tmp_path / "raw/_quarantine/orders/_keys").glob("*.parquet"))


def test_lines_load_alone_when_no_order_was_delivered(tmp_path: Path) -> None:
    write(tmp_path / "landing/order_lines/a.csv", ORDER_LINES_HEADER + "O1,1,SKU1,2,10,0\n")
    ingest(tmp_path, "orders")
    assert ingest(tmp_path, "order_lines").quarantine.height == 0
    assert current_rows(LINES, tmp_path / "raw").height == 1


def test_lines_of_an_order_in_a_rejected_file_name_the_file_reason(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "orders/good.csv", HEADER + PAID.format(n=1, d=1))
    write(
        landing / "orders/bad.csv", "order_id,channel_id\nO5,tmall\n"
    )  # required columns missing: the whole file refused
    write(landing / "order_lines/a.csv", ORDER_LINES_HEADER + "O1,1,SKU1,2,10,0\nO5,1,SKU1,1,10,0\n")
    ingest(tmp_path, "orders")
    report = ingest(tmp_path, "order_lines")
    assert report.quarantine["reason"].to_list() == [
        "its order O5 was quarantined: missing required column(s): status, created_at, updated_at; found: order_id, "
        "channel_id (landing/orders/bad.csv, row 1)"
    ]


def test_lines_loaded_before_their_order_left_are_checked_again(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing / "orders/a.csv", HEADER + PAID.format(n=1, d=1) + PAID.format(n=2, d=1))
    write(landing / "order_lines/a.csv", ORDER_LINES_HEADER + "O1,1,SKU1,2,10,0\nO2,1,SKU1,1,10,0\n")
    ingest(tmp_path, "orders")
    ingest(tmp_path, "order_lines")
    # O2 was sent by mistake: the orders file is corrected in place (rows leave: dbt is asked to rebuild)
    write(landing / "orders/a.csv", HEADER + PAID.format(n=1, d=1))
    touch_later(landing / "orders/a.csv")
    ingest(tmp_path, "orders")
    report = ingest(tmp_path, "order_lines")  # the lines file did not change, yet it is checked again
    assert report.quarantine.select("row_number", "reason").rows() == [(2, "unknown order_id (not in orders)")]
    assert current_rows(LINES, tmp_path / "raw")["order_id"].to_list() == ["O1"]


def test_a_parent_key_is_looked_up_among_sorted_hashes() -> None:
    import numpy as np

    from pipelines.ingest.parents import hashes_in

    known = np.array([3, 7, 11], dtype=np.uint64)
    assert hashes_in(np.array([7, 1, 11, 12, 3], dtype=np.uint64), known).tolist() == [True, False, True, False, True]
    assert hashes_in(np.array([7], dtype=np.uint64), np.empty(0, dtype=np.uint64)).tolist() == [False]


def test_parent_hashes_are_sorted_and_unique() -> None:
    import numpy as np

    from pipelines.ingest.parents import sorted_unique

    values = np.array([2**63 + 5, 7, 7, 3, 2**63 + 5, 0], dtype=np.uint64)
    assert sorted_unique(values).tolist() == [0, 3, 7, 2**63 + 5]
    assert sorted_unique(np.array([9], dtype=np.uint64)).tolist() == [9]
    assert sorted_unique(np.empty(0, dtype=np.uint64)).size == 0


def test_raw_parts_written_before_an_optional_column_joined_the_contract_still_read(tmp_path: Path) -> None:
    """orders.currency is optional and newer than some raw zones: their parts lack it (review of issue 12)."""
    landing, raw = tmp_path / "landing", tmp_path / "raw"
    write(landing / "orders/a.csv", HEADER + PAID.format(n=1, d=1) + PAID.format(n=2, d=1))
    ingest(tmp_path, "orders")
    assert "currency" in ORDERS.columns
    for part in (raw / "orders").glob("day=*/*.parquet"):  # as an ingest before the column existed wrote them
        pl.read_parquet(part).drop("currency").write_parquet(part)
    write(landing / "orders/b.csv", HEADER + PAID.format(n=3, d=2))
    report = ingest(tmp_path, "orders")
    assert report.current_rows == 3
    assert report.log.select("rows_read", "rows_loaded").rows() == [(2, 2), (1, 1)]
    rows = current_rows(ORDERS, raw).sort("order_id")
    assert rows["order_id"].to_list() == ["O1", "O2", "O3"] and rows["currency"].to_list() == [None, None, None]
    # the lines of those orders find them (the parent index reads the same parts)
    write(landing / "order_lines/a.csv", ORDER_LINES_HEADER + "O1,1,SKU1,2,10,0\nO3,1,SKU1,1,10,0\nO9,1,SKU1,1,10,0\n")
    lines = ingest(tmp_path, "order_lines")
    assert lines.quarantine.select("value", "reason").rows() == [("O9", "unknown order_id (not in orders)")]
    assert current_rows(LINES, raw)["order_id"].sort().to_list() == ["O1", "O3"]


def counting(tmp_path: Path, source_name: str, reads: list[str]):
    """The deliveries of a source, each noting its name in `reads` when read."""
    from dataclasses import replace

    landing = tmp_path / "landing"
    deliveries = folder_deliveries(landing / source_name, landing, SOURCES[source_name].columns)

    def noted(d):
        def read():
            reads.append(Path(d.name).name)
            return d.read()

        return replace(d, read=read)

    return [noted(d) for d in deliveries]


def test_lines_are_checked_again_only_when_order_keys_left_and_rewritten_only_when_their_result_changed(
    tmp_path: Path,
) -> None:
    landing, raw = tmp_path / "landing", tmp_path / "raw"
    write(landing / "orders/a.csv", HEADER + PAID.format(n=1, d=1) + PAID.format(n=2, d=1))
    write(landing / "orders/b.csv", HEADER + PAID.format(n=3, d=2))
    for i, order in enumerate(("O1", "O2", "O3")):
        write(landing / f"order_lines/l{i}.csv", ORDER_LINES_HEADER + f"{order},1,SKU1,1,10,0\n")
    ingest(tmp_path, "orders")
    ingest(tmp_path, "order_lines")

    def lines_run() -> tuple[list[str], object]:
        reads: list[str] = []
        report = ingest_source(LINES, counting(tmp_path, "order_lines", reads), raw, NOW)
        return sorted(reads), report

    # an order updated (a later version, no key left): the lines are not read again
    write(landing / "orders/b.csv", HEADER + PAID.format(n=3, d=2).replace("08:01:00,express", "09:30:00,express"))
    touch_later(landing / "orders/b.csv")
    ingest(tmp_path, "orders")
    reads, report = lines_run()
    assert (reads, report.checked, report.unchanged) == ([], [], 3)
    # O2 leaves (a.csv corrected in place): every lines file is read once more, only O2's is rewritten
    write(landing / "orders/a.csv", HEADER + PAID.format(n=1, d=1))
    touch_later(landing / "orders/a.csv", 2)
    ingest(tmp_path, "orders")
    written_before = {
        p.name: p.stat().st_mtime_ns for p in (raw / "order_lines").glob("*.parquet") if p.name != "_empty.parquet"
    }
    reads, report = lines_run()
    assert reads == ["l0.csv", "l1.csv", "l2.csv"]
    assert (report.checked, report.rechecked) == (["landing/order_lines/l1.csv"], 2)
    assert current_rows(LINES, raw)["order_id"].sort().to_list() == ["O1", "O3"]
    assert report.log.select("rows_loaded", "rows_quarantined").rows() == [(1, 0), (0, 1), (1, 0)]
    kept = {p.name: p.stat().st_mtime_ns for p in (raw / "order_lines").glob("*.parquet")}
    assert (
        len(written_before) == 3 and sum(kept.get(name) == when for name, when in written_before.items()) == 2
    )  # l0, l2 untouched
    # done once: the next run reads only the file still waiting for its order (retry)
    reads, report = lines_run()
    assert (reads, report.checked, report.rechecked, report.unchanged) == (["l1.csv"], [], 1, 2)


def test_an_acceptance_written_during_a_run_is_kept_for_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing, raw = tmp_path / "landing/orders", tmp_path / "raw"
    write(landing / "a.csv", HEADER + "".join(PAID.format(n=i, d=1) for i in range(4)))
    write(landing / "b.csv", HEADER + "".join(PAID.format(n=10 + i, d=1) for i in range(4)))
    ingest(tmp_path)
    for step, name in enumerate(("a.csv", "b.csv")):
        write(landing / name, HEADER)
        touch_later(landing / name, step)
    assert ingest(tmp_path).held.height == 2

    def deliveries_of(source: str):
        return folder_deliveries(tmp_path / "landing" / source, tmp_path / "landing", SOURCES[source].columns)

    accept_held_delivery(raw, "orders/a.csv", deliveries_of)
    release_held = RawZone.release_held

    def accept_b_meanwhile(zone: RawZone, keep: set[str]) -> None:  # `omnistock accept-delivery` while the run goes on
        accept_held_delivery(raw, "orders/b.csv", deliveries_of)
        release_held(zone, keep)

    monkeypatch.setattr(RawZone, "release_held", accept_b_meanwhile)
    report = ingest(tmp_path)
    monkeypatch.undo()
    assert report.held["file"].to_list() == ["landing/orders/b.csv"]  # b was accepted too late for this run
    b_id = next(d.delivery_id for d in deliveries_of("orders") if d.name.endswith("b.csv"))
    assert list(RawZone(raw, ORDERS).accepted()) == [b_id]  # a's acceptance was used; b's waits
    assert ingest(tmp_path).held.height == 0 and current_rows(ORDERS, raw).height == 0
    assert not RawZone(raw, ORDERS).accepted_path.exists()
    # an acceptance of another version of the file than the one used stays too
    zone = RawZone(raw, ORDERS)
    zone.accept("x", "new-fingerprint")
    zone.forget_accepted({"x": "old-fingerprint"})
    assert zone.accepted() == {"x": "new-fingerprint"}
