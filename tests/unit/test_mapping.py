"""YAML mappings: every value kind, lookups, faithful pass-through and clear errors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pipelines.contract import SOURCES
from pipelines.ingest.load import check_deliveries
from pipelines.ingest.mapping import MappingError, load_mapping, mapping_deliveries
from pipelines.ingest.readers import UnreadableFile
from pipelines.ingest.validate import ROW

NOW = datetime(2026, 12, 31)

ORDERS_YML = """
source: orders
files: [exports/orders_*.csv]
lookups:
  - name: buyers
    files: exports/buyers.csv
    key: buyer
    on: buyer_ref
    columns: {province: prov}
columns:
  order_id: {concat: [{const: WX}, "no"], sep: "-"}
  channel_id: {const: wechat_mini}
  customer_id: buyer_ref
  status: {column: state, map: {"1": created, "2": paid, "9": cancelled}}
  created_at: {column: placed, format: "%d/%m/%Y %H:%M"}
  paid_at: {coalesce: [paid, paid_backup], format: "%d/%m/%Y %H:%M"}
  updated_at: {latest: [placed, paid, closed], format: "%d/%m/%Y %H:%M"}
  ship_region: {column: province, map: {浙江: CN-ZJ, 上海: CN-SH}, default: null}
  location_id: null
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, Path]:
    base = tmp_path / "base"
    write(
        base / "exports/orders_1.csv",
        "no,buyer_ref,state,placed,paid,paid_backup,closed\n"
        "1,b1,2,03/11/2026 10:00,03/11/2026 10:05,,\n"
        "2,b2,9,04/11/2026 09:00,,04/11/2026 09:01,05/11/2026 12:00\n"
        "3,b3,7,not a date,,,\n",
    )
    # b1 twice: the first row wins; b3 unknown province -> default null
    write(base / "exports/buyers.csv", "buyer,prov\nb1,浙江\nb1,上海\nb2,上海\nb3,火星\n", encoding="gb18030")
    mapping = write(
        tmp_path / "m/orders.yml",
        ORDERS_YML.replace("columns: {province: prov}", "columns: {province: prov}\n    read: {encoding: gb18030}"),
    )
    return mapping, base


def test_every_value_kind(export: tuple[Path, Path]) -> None:
    mapping, base = export
    (delivery,) = mapping_deliveries(mapping, base)["orders"]
    assert delivery.name == "base/exports/orders_1.csv [m/orders.yml]"
    frame = delivery.read()
    assert frame.select(
        "order_id", "channel_id", "status", "created_at", "paid_at", "updated_at", "ship_region", ROW
    ).rows() == [
        (
            "WX-1",
            "wechat_mini",
            "paid",
            "2026-11-03 10:00:00",
            "2026-11-03 10:05:00",
            "2026-11-03 10:05:00",
            "CN-ZJ",
            1,
        ),
        (
            "WX-2",
            "wechat_mini",
            "cancelled",
            "2026-11-04 09:00:00",
            "2026-11-04 09:01:00",
            "2026-11-05 12:00:00",
            "CN-SH",
            2,
        ),
        # unmapped status and unparseable time pass through unchanged, for validation to name
        ("WX-3", "wechat_mini", "7", "not a date", None, "not a date", None, 3),
    ]


def test_invalid_values_are_quarantined_with_file_row_and_column(export: tuple[Path, Path]) -> None:
    mapping, base = export
    rows, quarantine = check_deliveries(SOURCES["orders"], mapping_deliveries(mapping, base)["orders"], NOW)
    assert sorted(rows["order_id"].to_list()) == ["WX-1", "WX-2"]
    bad = quarantine.select("file", "row_number", "column_name", "value").rows()
    assert bad == [
        ("base/exports/orders_1.csv [m/orders.yml]", 3, "created_at", "not a date"),
        ("base/exports/orders_1.csv [m/orders.yml]", 3, "status", "7"),
        ("base/exports/orders_1.csv [m/orders.yml]", 3, "updated_at", "not a date"),
    ]


def test_parquet_input_and_one_delivery_per_matching_file(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    pl.DataFrame({"id": ["L1", "L2"], "kind": ["WH", "ST"]}).write_parquet(base / "sites_a.parquet")
    pl.DataFrame({"id": ["L3"], "kind": ["ST"]}).write_parquet(base / "sites_b.parquet")
    mapping = write(
        tmp_path / "locations.yml",
        "source: locations\nfiles: sites_*.parquet\ncolumns:\n"
        "  location_id: id\n  type: {column: kind, map: {WH: warehouse, ST: store}}\n",
    )
    deliveries = mapping_deliveries(mapping, base)["locations"]
    assert [d.read().select("location_id", "type", ROW).rows() for d in deliveries] == [
        [("L1", "warehouse", 1), ("L2", "store", 2)],
        [("L3", "store", 1)],
    ]


def test_a_missing_column_or_lookup_file_makes_the_file_unreadable(export: tuple[Path, Path]) -> None:
    mapping, base = export
    write(base / "exports/orders_2.csv", "no,buyer_ref,status\n1,b1,2\n")
    deliveries = mapping_deliveries(mapping, base)["orders"]
    with pytest.raises(UnreadableFile, match=r"not found: closed, paid, paid_backup, placed, state"):
        deliveries[1].read()
    (base / "exports/buyers.csv").unlink()
    with pytest.raises(UnreadableFile, match="lookup buyers: no file matches exports/buyers.csv"):
        deliveries[0].read()


def test_an_empty_file_is_unreadable(tmp_path: Path) -> None:
    write(tmp_path / "base/x.csv", "")
    mapping = write(tmp_path / "p.yml", "source: products\nfiles: x.csv\ncolumns: {sku: a, name: b}\n")
    (delivery,) = mapping_deliveries(mapping, tmp_path / "base")["products"]
    with pytest.raises(UnreadableFile, match="empty"):
        delivery.read()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("source: nope\nfiles: a.csv\ncolumns: {a: b}\n", "unknown source 'nope'"),
        ("source: products\nfiles: a.csv\ncolumns: {sku: a}\n", "required column\\(s\\) of products not mapped: name"),
        (
            "source: products\nfiles: a.csv\ncolumns: {sku: a, name: {const: x, column: y}}\n",
            "column name: use exactly one of",
        ),
        ("source: products\nfiles: a.csv\ncolumns: {sku: a, name: {concat: x}}\n", "concat needs a list"),
        ("source: products\ncolumns: {sku: a, name: b}\n", "`files` must be a glob"),
        ("source: [unclosed\n", "not valid YAML"),
        ("source: products\nfiles: a.csv\ncolumns: {sku: no, name: b}\n", "quote the column name"),
    ],
)
def test_mapping_errors_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        load_mapping(write(tmp_path / "bad.yml", text))


def test_no_matching_file_means_no_delivery(tmp_path: Path) -> None:
    mapping = write(tmp_path / "p.yml", "source: products\nfiles: none_*.csv\ncolumns: {sku: a, name: b}\n")
    assert mapping_deliveries(mapping, tmp_path) == {"products": []}


def test_a_mapping_currency_labels_the_export_and_fills_the_gaps_of_a_mapped_one(tmp_path: Path) -> None:
    base = tmp_path / "base"
    write(base / "orders.csv", "id,at\nA1,2026-11-03 10:00:00\n")
    write(base / "pay.csv", "id,at,net,cur\nP1,2026-11-03 10:00:00,9.5,SGD\nP2,2026-11-03 10:00:00,4.0,\n")
    orders = write(
        tmp_path / "m/orders.yml",
        "source: orders\nfiles: orders.csv\ncurrency: brl\ncolumns:\n"
        "  {order_id: id, channel_id: {const: shop}, status: {const: paid}, created_at: at, updated_at: at}\n",
    )
    pay = write(
        tmp_path / "m/pay.yml",
        "source: settlements\nfiles: pay.csv\ncurrency: BRL\ncolumns:\n"
        "  {settlement_id: id, channel_id: {const: shop}, settled_at: at, type: {const: sale}, "
        "net_amount: net, currency: cur}\n",
    )
    assert load_mapping(orders).currency == "BRL"
    (order_delivery,) = mapping_deliveries(orders, base)["orders"]
    rows, quarantine = check_deliveries(SOURCES["orders"], [order_delivery], NOW)
    assert quarantine.height == 0 and rows["currency"].to_list() == ["BRL"]
    (pay_delivery,) = mapping_deliveries(pay, base)["settlements"]
    # the export's own currency wins; the mapping's fills only what the export leaves empty
    assert pay_delivery.read()["currency"].to_list() == ["SGD", "BRL"]


@pytest.mark.parametrize(
    ("source", "currency", "message"),
    [
        ("orders", "R$", "currency 'R\\$' is not an ISO 4217 code"),
        ("order_lines", "BRL", "order_lines take their order's currency: set `currency: BRL` in the orders mapping"),
        ("products", "BRL", "products has no currency column \\(only orders, settlements do\\)"),
    ],
)
def test_a_mapping_currency_is_a_code_for_a_source_with_a_currency_column(
    tmp_path: Path, source: str, currency: str, message: str
) -> None:
    columns = ", ".join(f"{c}: x{i}" for i, c in enumerate(SOURCES[source].required))
    text = f"source: {source}\nfiles: a.csv\ncurrency: '{currency}'\ncolumns: {{{columns}}}\n"
    with pytest.raises(MappingError, match=message):
        load_mapping(write(tmp_path / "bad.yml", text))
