"""Platform-native formats: exact canonical rows from the fixtures, figures worked by hand.

Fixtures: tests/fixtures/platforms/<format>/<channel>/... (see docs/platform_formats.md).
Every converted frame is typed by `validate()` against the contract, as ingestion does,
and must load without a single quarantined row.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pipelines.contract import SOURCES
from pipelines.ingest.formats import FORMATS, platform_deliveries
from pipelines.ingest.load import check_deliveries
from pipelines.ingest.readers import UnreadableFile
from pipelines.ingest.validate import ROW, validate
from tests.conftest import FIXTURES

PLATFORMS = FIXTURES / "platforms"
NOW = datetime(2026, 12, 31)
T = datetime.fromisoformat


def typed(fmt: str, file: str, source: str, channel: str = "ch") -> pl.DataFrame:
    """Convert one fixture file and type it against the contract; nothing may be quarantined."""
    frame = FORMATS[fmt].read(PLATFORMS / fmt / file, channel)[source]
    result = validate(frame, SOURCES[source], file, NOW)
    assert result.quarantine.height == 0, result.quarantine
    return result.valid


ORDER_COLS = ["order_id", "status", "created_at", "paid_at", "updated_at", "customer_id", "ship_region", ROW]
LINE_COLS = ["order_id", "line_no", "sku", "qty", "unit_price", "discount", ROW]
SETTLE_COLS = [
    "settlement_id",
    "order_id",
    "settled_at",
    "type",
    "gross_amount",
    "commission",
    "payment_fee",
    "shipping_fee",
    "subsidy",
    "net_amount",
    "currency",
    ROW,
]


# ---------------------------------------------------------------- Shopify
def test_shopify_orders_statuses_and_times_in_brand_local_time() -> None:
    rows = typed("shopify_orders", "shopify_us/2026-11.json", "orders", "shopify_us").select(ORDER_COLS).rows()
    assert rows == [
        # 09:15 at -05:00 = 14:15 UTC = 22:15 in Shanghai
        (
            "5801001001",
            "paid",
            T("2026-11-03 22:15:00"),
            T("2026-11-03 22:15:00"),
            T("2026-11-03 22:16:30"),
            "7001",
            "US-CA",
            1,
        ),
        # cancelled before payment (voided): no paid_at
        ("5801001002", "cancelled", T("2026-11-05 09:30:00"), None, T("2026-11-05 10:00:00"), "7002", "US-NY", 2),
        # fulfilled, then fully refunded: a return
        (
            "5801001003",
            "returned",
            T("2026-11-05 18:00:00"),
            T("2026-11-05 18:00:00"),
            T("2026-11-12 11:20:00"),
            "7003",
            "US-TX",
            3,
        ),
        # every fulfillment delivered; +08:00 is already local time; no province: the country
        (
            "5801001004",
            "delivered",
            T("2026-11-06 08:00:00"),
            T("2026-11-06 08:00:05"),
            T("2026-11-09 16:45:00"),
            None,
            "SG",
            4,
        ),
    ]


def test_shopify_lines_discount_is_the_sum_of_discount_allocations() -> None:
    rows = typed("shopify_orders", "shopify_us/2026-11.json", "order_lines").select(LINE_COLS).rows()
    assert rows == [
        ("5801001001", 1, "OS-SERUM-30", 2, 24.5, 4.9, 1),
        ("5801001001", 2, "OS-CREAM-50", 1, 32.0, 0.0, 1),
        ("5801001002", 1, "OS-MASK-5", 3, 9.9, 0.0, 2),
        ("5801001003", 1, "OS-SERUM-30", 1, 24.5, 3.45, 3),  # 2.45 + 1.00
        ("5801001004", 1, "OS-GIFTSET-01", 1, 59.0, 5.0, 4),  # no allocations: total_discount
    ]


def test_shopify_json_lines_rows_are_line_numbers(tmp_path: Path) -> None:
    orders = json.loads((PLATFORMS / "shopify_orders/shopify_us/2026-11.json").read_text())["orders"]
    path = tmp_path / "orders.jsonl"
    path.write_text(json.dumps(orders[0]) + "\n\n" + json.dumps(orders[2]) + "\n")
    frames = FORMATS["shopify_orders"].read(path, "shopify_us")
    assert frames["orders"].select("order_id", ROW).rows() == [("5801001001", 1), ("5801001003", 3)]
    assert frames["order_lines"][ROW].to_list() == [1, 1, 3]


# ---------------------------------------------------------------- Shopee
def test_shopee_orders_unix_times_and_status_map() -> None:
    rows = typed("shopee_orders", "shopee_sg/get_order_detail_2026-11-11.json", "orders").select(ORDER_COLS).rows()
    assert rows == [
        (
            "2611115ABCDE01",
            "paid",
            T("2026-11-11 00:05:00"),
            T("2026-11-11 00:06:10"),
            T("2026-11-11 00:10:00"),
            "880001",
            "SG",
            1,
        ),
        ("2611115ABCDE02", "created", T("2026-11-11 09:30:00"), None, T("2026-11-11 09:30:00"), "880002", "MY", 2),
        (
            "2611105ABCDE03",
            "cancelled",
            T("2026-11-10 20:00:00"),
            None,
            T("2026-11-10 20:01:00"),
            "880003",
            "SG",
            3,
        ),  # pay_time 0
        (
            "2611095ABCDE04",
            "delivered",
            T("2026-11-09 12:00:00"),
            T("2026-11-09 12:02:00"),
            T("2026-11-16 10:00:00"),
            "880004",
            "SG",
            4,
        ),
        (
            "2611115ABCDE05",
            "returned",
            T("2026-11-11 01:00:00"),
            T("2026-11-11 01:00:30"),
            T("2026-11-14 09:00:00"),
            "880005",
            "SG",
            5,
        ),
    ]


def test_shopee_lines_discount_is_original_minus_discounted_price_times_qty() -> None:
    rows = typed("shopee_orders", "shopee_sg/get_order_detail_2026-11-11.json", "order_lines").select(LINE_COLS).rows()
    assert rows == [
        ("2611115ABCDE01", 1, "OS-SERUM-30", 2, 28.0, 5.6, 1),  # (28.00 - 25.20) x 2
        ("2611115ABCDE01", 2, "OS-CREAM-50", 1, 36.0, 0.0, 1),
        ("2611115ABCDE02", 1, "OS-MASK-5", 1, 19.9, 2.0, 2),
        ("2611105ABCDE03", 1, "OS-MASK-5", 2, 9.9, 0.0, 3),
        ("2611095ABCDE04", 1, "OS-GIFTSET-01", 1, 88.0, 8.0, 4),  # empty model_sku: item_sku
        ("2611115ABCDE05", 1, "OS-SERUM-30", 1, 28.0, 0.0, 5),
    ]


def test_shopee_escrow_fee_breakdown_and_refund() -> None:
    rows = typed("shopee_escrow", "shopee_sg/escrow_2026-11.json", "settlements").select(SETTLE_COLS).rows()
    assert rows == [
        # 52.90 - (3.20 + 1.50) - 1.10 - 2.00 + (1.00 + 2.00 + 0.50) = 48.60 = escrow_amount
        (
            "2611115ABCDE01",
            "2611115ABCDE01",
            T("2026-11-21 12:00:00"),
            "sale",
            52.9,
            4.7,
            1.1,
            2.0,
            3.5,
            48.6,
            "SGD",
            1,
        ),
        # escrow 53.60 includes the -20.00 return refund: the sale is 80 - 4.80 - 1.60 = 73.60
        (
            "2611095ABCDE04",
            "2611095ABCDE04",
            T("2026-11-22 15:00:00"),
            "sale",
            80.0,
            4.8,
            1.6,
            0.0,
            0.0,
            73.6,
            "SGD",
            2,
        ),
        (
            "2611095ABCDE04-refund",
            "2611095ABCDE04",
            T("2026-11-22 15:00:00"),
            "refund",
            -20.0,
            0.0,
            0.0,
            0.0,
            0.0,
            -20.0,
            "SGD",
            2,
        ),
        # positive final_shipping_fee (rebate above cost) is a negative shipping fee; buyer + seller transaction fees
        (
            "2611115ABCDE05",
            "2611115ABCDE05",
            T("2026-11-18 10:30:00"),
            "sale",
            30.0,
            2.7,
            0.9,
            -1.0,
            0.0,
            27.4,
            "SGD",
            3,
        ),
    ]


def test_net_is_gross_less_fees_plus_subsidy_where_the_platform_adds_up() -> None:
    for fmt, file in (
        ("shopee_escrow", "shopee_sg/escrow_2026-11.json"),
        ("amazon_settlement_v2", "amazon_us/settlement_18906543210.txt"),
    ):
        frame = typed(fmt, file, "settlements")
        formula = (
            pl.col("gross_amount")
            - pl.col("commission")
            - pl.col("payment_fee")
            - pl.col("shipping_fee")
            + pl.col("subsidy")
        )
        assert frame.select(((formula - pl.col("net_amount")).abs() < 1e-9).all()).item()


# ---------------------------------------------------------------- Tmall
def test_tmall_order_report_gb18030_statuses_and_provinces() -> None:
    rows = (
        typed("tmall_trade_export", "tmall_flagship/ExportOrderList202611111200.csv", "orders")
        .select(ORDER_COLS)
        .rows()
    )
    assert rows == [
        (
            "4123456789012345678",
            "paid",
            T("2026-11-11 00:00:12"),
            T("2026-11-11 00:00:30"),
            T("2026-11-11 00:00:30"),
            "tb_lily2026",
            "CN-ZJ",
            1,
        ),
        (
            "4123456789012345679",
            "created",
            T("2026-11-11 00:01:00"),
            None,
            T("2026-11-11 00:01:00"),
            "jd_fan_88",
            "CN-BJ",
            2,
        ),
        # 交易关闭 without payment: cancelled; after payment: refunded
        (
            "4123456789012345680",
            "cancelled",
            T("2026-11-10 23:50:00"),
            None,
            T("2026-11-10 23:50:00"),
            "xiaoma_sh",
            "CN-SH",
            3,
        ),
        (
            "4123456789012345681",
            "refunded",
            T("2026-11-11 00:20:00"),
            T("2026-11-11 00:21:05"),
            T("2026-11-11 00:21:05"),
            "gz_chen",
            "CN-GD",
            4,
        ),
        # updated_at = the latest time the export shows (确认收货时间)
        (
            "4123456789012345682",
            "delivered",
            T("2026-11-09 10:00:00"),
            T("2026-11-09 10:00:40"),
            T("2026-11-15 10:00:00"),
            "nm_sun",
            "CN-NM",
            5,
        ),
        (
            "4123456789012345683",
            "shipped",
            T("2026-11-11 08:00:00"),
            T("2026-11-11 08:01:00"),
            T("2026-11-11 08:01:00"),
            "hl_zhao",
            "CN-HL",
            6,
        ),
    ]


def test_tmall_item_report_numbers_lines_within_each_order() -> None:
    rows = (
        typed("tmall_trade_export", "tmall_flagship/ExportOrderDetailList202611111200.csv", "order_lines")
        .select(LINE_COLS)
        .rows()
    )
    assert rows == [
        ("4123456789012345678", 1, "OS-SERUM-30", 2, 169.0, None, 1),
        ("4123456789012345678", 2, "OS-CREAM-50", 1, 149.0, None, 2),  # no 商家编码: 外部系统编号
        ("4123456789012345679", 1, "OS-MASK-5", 1, 99.0, None, 3),
        ("4123456789012345680", 1, "OS-MASK-5", 1, 59.0, None, 4),
        ("4123456789012345681", 1, "OS-SERUM-30", 1, 169.0, None, 5),
        ("4123456789012345682", 1, "OS-GIFTSET-01", 1, 399.0, None, 6),
        ("4123456789012345683", 1, "OS-SERUM-30", 2, 169.0, None, 7),
    ]


# ---------------------------------------------------------------- Amazon
def test_amazon_settlement_groups_amounts_per_order_and_transaction() -> None:
    rows = (
        typed("amazon_settlement_v2", "amazon_us/settlement_18906543210.txt", "settlements").select(SETTLE_COLS).rows()
    )
    assert rows == [
        # gross 49.00 + 3.92 - 3.92 + 19.99 - 2.00; commission 7.35 + 3.00; FBA 7.50 + 3.22; 07:10 UTC = 15:10 local
        (
            "18906543210-111-4827391-0000001",
            "111-4827391-0000001",
            T("2026-11-02 15:10:00"),
            "sale",
            66.99,
            10.35,
            0.0,
            10.72,
            0.0,
            45.92,
            "USD",
            2,
        ),
        (
            "18906543210-111-4827391-0000002",
            "111-4827391-0000002",
            T("2026-11-04 07:30:00"),
            "sale",
            29.49,
            3.68,
            0.0,
            4.99,
            0.0,
            20.82,
            "USD",
            11,
        ),
        # refund: -19.99 + 2.00 back; commission 3.00 returned less 0.60 refund commission = -2.40
        (
            "18906543210-111-4827391-0000001-refund-amzn1.adj.0001",
            "111-4827391-0000001",
            T("2026-11-08 20:00:00"),
            "refund",
            -17.99,
            -2.4,
            0.0,
            0.0,
            0.0,
            -15.59,
            "USD",
            15,
        ),
        (
            "18906543210-row19",
            None,
            T("2026-11-10 08:00:00"),
            "adjustment",
            -39.99,
            0.0,
            0.0,
            0.0,
            0.0,
            -39.99,
            "USD",
            19,
        ),
    ]


def test_amazon_nets_add_up_to_the_deposit() -> None:
    frame = typed("amazon_settlement_v2", "amazon_us/settlement_18906543210.txt", "settlements")
    assert round(frame["net_amount"].sum(), 2) == 11.16  # total-amount of the summary row


# ---------------------------------------------------------------- deliveries
def test_platform_deliveries_name_files_and_channels(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(PLATFORMS, landing)
    shutil.copy(PLATFORMS / "shopify_orders/shopify_us/2026-11.json", landing / "shopify_orders/loose.json")
    orders = platform_deliveries(landing, "orders")
    assert [d.name for d in orders] == [
        "landing/shopify_orders/loose.json [shopify_orders]",
        "landing/shopify_orders/shopify_us/2026-11.json [shopify_orders]",
        "landing/shopee_orders/shopee_sg/get_order_detail_2026-11-11.json [shopee_orders]",
        "landing/tmall_trade_export/tmall_flagship/ExportOrderList202611111200.csv [tmall_trade_export]",
    ]
    assert orders[0].read()["channel_id"].unique().to_list() == ["shopify"]  # directly under the format folder
    lines = [d.name for d in platform_deliveries(landing, "order_lines")]
    assert (
        "landing/tmall_trade_export/tmall_flagship/ExportOrderDetailList202611111200.csv [tmall_trade_export]" in lines
    )
    assert len(platform_deliveries(landing, "settlements")) == 2
    assert platform_deliveries(landing, "products") == []


def test_deliveries_ingest_without_quarantine(tmp_path: Path) -> None:
    for source, rows in (("orders", 15), ("order_lines", 18), ("settlements", 8)):
        valid, quarantine = check_deliveries(SOURCES[source], platform_deliveries(PLATFORMS, source), NOW)
        assert quarantine.height == 0, quarantine
        assert valid.height == rows


def test_an_invalid_value_passes_through_and_is_quarantined_with_its_row(tmp_path: Path) -> None:
    folder = tmp_path / "landing/shopify_orders/shopify_us"
    folder.mkdir(parents=True)
    doc = json.loads((PLATFORMS / "shopify_orders/shopify_us/2026-11.json").read_text())
    doc["orders"][1]["financial_status"] = "on_hold_forever"
    doc["orders"][1].pop("cancelled_at")
    doc["orders"][2]["created_at"] = "yesterday"
    (folder / "bad.json").write_text(json.dumps(doc))
    valid, quarantine = check_deliveries(SOURCES["orders"], platform_deliveries(tmp_path / "landing", "orders"), NOW)
    got = quarantine.select("file", "row_number", "column_name", "value").rows()
    name = "landing/shopify_orders/shopify_us/bad.json [shopify_orders]"
    assert got == [(name, 2, "status", "on_hold_forever"), (name, 3, "created_at", "yesterday")]
    assert valid.height == 2


# ---------------------------------------------------------------- broken files
BROKEN = {
    "shopify_orders": ('{"orders": [{"id": 1, "line_items": [', "broken JSON"),
    "shopee_orders": ('{"request_id": "x", "error": "error_auth", "message": "Invalid access_token."}', "error_auth"),
    "shopee_escrow": ('{"response": {"order_sn": "A"}}\n{"response": ', "broken JSON Lines: "),
    "tmall_trade_export": ("订单编号,买家会员名\n1,a\n", "missing column(s) 订单状态, 订单创建时间"),
    "amazon_settlement_v2": ("settlement-id\tamount\n1\t2\n", "not a Amazon V2 settlement flat file"),
}


@pytest.mark.parametrize("fmt", sorted(BROKEN))
def test_a_broken_file_is_unreadable_with_a_reason(tmp_path: Path, fmt: str) -> None:
    text, reason = BROKEN[fmt]
    path = tmp_path / "landing" / fmt / "x" / "broken.txt"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    source = FORMATS[fmt].produces[0]
    (delivery,) = platform_deliveries(tmp_path / "landing", source)
    with pytest.raises(UnreadableFile, match=reason.replace("(", r"\(").replace(")", r"\)")):
        delivery.read()


@pytest.mark.parametrize("fmt", sorted(BROKEN))
def test_empty_and_undecodable_files_are_unreadable(tmp_path: Path, fmt: str) -> None:
    folder = tmp_path / "landing" / fmt
    folder.mkdir(parents=True)
    (folder / "empty.json").write_bytes(b"")
    (folder / "binary.csv").write_bytes(b"\xff\xfe\xff\x00\x81")
    source = FORMATS[fmt].produces[0]
    for delivery in platform_deliveries(tmp_path / "landing", source):
        with pytest.raises(UnreadableFile):
            delivery.read()
