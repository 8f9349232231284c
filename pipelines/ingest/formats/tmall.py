"""Taobao/Tmall seller centre export of 已卖出的宝贝 (sold items): two CSV files per export.

- 订单报表 (order report, ExportOrderList*.csv): one row per order → `orders`.
- 宝贝报表 (item report, ExportOrderDetailList*.csv): one row per item → `order_lines`.

Files are UTF-8 or GB18030. Timestamps are already the brand's local time (Beijing).
Order numbers are often written as ="123..." to stop spreadsheets rounding them;
that wrapping is removed. ROW is the data row (header excluded).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.contract import SOURCES
from pipelines.ingest.formats.base import PlatformFormat, read_csv_text, require_columns
from pipelines.ingest.formats.regions import province_code
from pipelines.ingest.readers import UnreadableFile
from pipelines.ingest.validate import ROW

ORDER_COLUMNS = ("订单编号", "订单状态", "订单创建时间")
ITEM_COLUMNS = ("订单编号", "价格", "购买数量")
LATER_TIMES = ("订单付款时间", "发货时间", "确认收货时间")  # whichever the export has

ORDER_STATUS = {
    "等待买家付款": "created",
    "买家已付款，等待卖家发货": "paid",
    "卖家部分发货": "shipped",
    "部分发货": "shipped",
    "卖家已发货，等待买家确认": "shipped",
    "交易成功": "delivered",
    "付款以后用户退款成功，交易自动关闭": "refunded",
}


def clean_id(column: str) -> pl.Expr:
    """Remove the ="..." / '... wrapping spreadsheets need around long numbers."""
    return pl.col(column).str.replace_all(r"^[=\s'\"]+|[\"\s]+$", "")


def optional(frame: pl.DataFrame, column: str) -> pl.Expr:
    return pl.col(column) if column in frame.columns else pl.lit(None, dtype=pl.String)


def order_status(frame: pl.DataFrame) -> pl.Expr:
    """订单状态 → contract status; 交易关闭 is `refunded` after payment, else `cancelled`."""
    status = pl.col("订单状态").str.strip_chars().str.replace_all(",", "，")
    paid = optional(frame, "订单付款时间").str.strip_chars().fill_null("") != ""
    closed = pl.when(paid).then(pl.lit("refunded")).otherwise(pl.lit("cancelled"))
    return pl.when(status == "交易关闭").then(closed).otherwise(status.replace(ORDER_STATUS))


def orders(frame: pl.DataFrame, channel_id: str) -> pl.DataFrame:
    require_columns(frame, ORDER_COLUMNS, "Tmall order report (订单报表)")
    times = [
        pl.col(c).str.strip_chars().str.to_datetime(strict=False)
        for c in ("订单创建时间", *LATER_TIMES)
        if c in frame.columns
    ]
    latest = pl.max_horizontal(times).dt.strftime("%Y-%m-%d %H:%M:%S")
    empty = {c: pl.lit(None, dtype=pl.String) for c in SOURCES["orders"].columns}
    return frame.select(
        **(
            empty
            | {
                "order_id": clean_id("订单编号"),
                "channel_id": pl.lit(channel_id),
                "customer_id": optional(frame, "买家会员名"),
                "status": order_status(frame),
                "created_at": pl.col("订单创建时间"),
                "paid_at": optional(frame, "订单付款时间"),
                # the export has no change time: the latest event it shows (raw text if none parses)
                "updated_at": pl.coalesce(latest, pl.col("订单创建时间")),
                "ship_region": province_code(optional(frame, "收货地址")),
            }
        ),
        **{ROW: pl.col(ROW)},
    )


def order_lines(frame: pl.DataFrame) -> pl.DataFrame:
    require_columns(frame, ITEM_COLUMNS, "Tmall item report (宝贝报表)")
    sku = pl.coalesce(optional(frame, "商家编码"), optional(frame, "外部系统编号"))
    order_id = clean_id("订单编号")
    return frame.select(
        order_id.alias("order_id"),
        pl.int_range(1, pl.len() + 1).over(order_id).cast(pl.String).alias("line_no"),
        sku.str.strip_chars().alias("sku"),
        pl.col("购买数量").alias("qty"),
        pl.col("价格").alias("unit_price"),
        pl.lit(None, dtype=pl.String).alias("discount"),
        pl.col(ROW),
    )


def report_kind(columns: list[str]) -> tuple[str, ...]:
    """The item report has 价格/购买数量 and no 订单创建时间; anything else is the order report."""
    if all(c in columns for c in ITEM_COLUMNS) and "订单创建时间" not in columns:
        return ("order_lines",)
    return ("orders",)


def sources_in(path: Path) -> tuple[str, ...]:
    """Which report a file is, from its header (both, when the file cannot be read)."""
    try:
        return report_kind(read_csv_text(path).columns)
    except UnreadableFile:
        return ("orders", "order_lines")


def read(path: Path, channel_id: str) -> dict[str, pl.DataFrame]:
    frame = read_csv_text(path)
    if report_kind(frame.columns) == ("order_lines",):
        return {"order_lines": order_lines(frame)}
    return {"orders": orders(frame, channel_id)}


FORMAT = PlatformFormat(
    name="tmall_trade_export",
    platform="Tmall",
    produces=("orders", "order_lines"),
    read=read,
    description="Taobao/Tmall 已卖出的宝贝 export: 订单报表 (orders) and 宝贝报表 (order lines), CSV.",
    sources_in=sources_in,
)
