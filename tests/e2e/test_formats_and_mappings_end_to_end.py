"""Platform-native files and a mapped marketplace export land beside each other and reach staging, no row lost.

The export is read through the shipped mappings/olist/*.yml, from two samples: the hand-written
Olist-shaped files of tests/fixtures/olist_shaped/ (always; figures in tests/unit/test_olist_mapping.py),
and the real Olist sample, copied into the landing zone from ../shared/realdata (never into the
repository), whose build alone skips when it is absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import FIXTURES, OLIST, OLIST_SHAPED, needs_olist
from tests.e2e.pipeline import build, query

pytestmark = pytest.mark.e2e

# rows of the platform fixtures (tests/unit/test_platform_formats.py checks them one by one)
PLATFORM_ROWS = {"orders": 15, "order_lines": 18, "settlements": 8}
Sample = tuple[Path, dict[str, int], tuple[int, ...]]
# per sample: its folder, its rows per source, and three records of its orders file to trace back
SAMPLES: dict[str, Sample] = {
    "olist_shaped": (
        OLIST_SHAPED,
        {"orders": 6, "order_lines": 6, "settlements": 6, "locations": 3, "products": 4},
        (1, 3, 6),
    ),
    "olist_sample": (
        OLIST,
        {"orders": 10_000, "order_lines": 11_513, "settlements": 10_415, "locations": 3_095, "products": 32_951},
        (1, 5_000, 10_000),
    ),
}
# the brand's own product master, in the contract's CSV: the SKUs its platform shops sell
BRAND_PRODUCTS = """sku,name,category,unit_cost,list_price,shelf_life_days,case_pack,moq,successor_sku
OS-SERUM-30,Hydra serum 30 ml,skincare,38.5,199,1095,24,48,
OS-CREAM-50,Barrier cream 50 ml,skincare,31.0,169,1095,24,48,
OS-MASK-5,Sheet mask x5,masks,9.8,59,730,48,96,
OS-GIFTSET-01,Double 11 gift set,gift_set,72.0,399,1095,12,12,
"""


@pytest.fixture(scope="module", params=["olist_shaped", pytest.param("olist_sample", marks=needs_olist)])
def sample(request: pytest.FixtureRequest) -> Sample:
    return SAMPLES[request.param]


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory, sample: Sample) -> Path:
    olist = sample[0]
    data = tmp_path_factory.mktemp("formats")
    shutil.copytree(FIXTURES / "platforms", data / "landing", dirs_exist_ok=True)
    (data / "landing" / "products").mkdir()
    (data / "landing" / "products" / "brand_products.csv").write_text(BRAND_PRODUCTS)
    (data / "landing" / "olist").mkdir()
    for path in olist.iterdir():  # copied: a link out of the landing zone is not read
        shutil.copyfile(path, data / "landing" / "olist" / path.name)
    # what no source reads: a marketplace file under its own name, and a link out of the landing zone
    (data / "landing" / "order_items.csv").write_text("order_id,order_item_id\n1,1\n")
    smuggled = data.parent / f"{data.name}_outside.csv"
    smuggled.write_text(BRAND_PRODUCTS.splitlines()[0] + "\nOS-SMUGGLED,Smuggled,skincare,1,2,3,4,5,\n")
    (data / "landing" / "products" / "linked.csv").symlink_to(smuggled)
    outcome = build(data)
    assert outcome.success, outcome.summary()
    return data


def test_every_delivery_is_logged_and_nothing_is_quarantined(landed: Path, sample: Sample) -> None:
    olist_rows = sample[1]
    rows = query(
        landed, "select source, count(*), sum(rows_read), sum(rows_quarantined) from ops.ingestion_log group by 1"
    )
    log = {source: (files, read, quarantined) for source, files, read, quarantined in rows}
    for source in PLATFORM_ROWS:
        assert log[source][1] == PLATFORM_ROWS[source] + olist_rows[source]
    assert log["locations"][1] == olist_rows["locations"] and log["products"][1] == olist_rows["products"] + 4
    assert all(quarantined == 0 for _, _, quarantined in log.values())
    assert query(landed, "select count(*) from ops.quarantine")[0][0] == 0


def test_files_no_source_reads_are_logged_with_no_rows_and_links_out_are_not_read(landed: Path) -> None:
    rows = query(
        landed,
        """
        select file, status, source, rows_read, rows_loaded + rows_replaced + rows_quarantined, message
        from ops.ingestion_log where status not in ('ok', 'rejected', 'unreadable') order by file
    """,
    )
    assert [r[:5] for r in rows] == [
        ("landing/order_items.csv", "unrecognised", None, 0, 0),
        ("landing/products/linked.csv", "skipped", "products", 0, 0),
    ]
    assert "landing/order_lines/" in rows[0][5] and "outside the landing zone" in rows[1][5]
    assert query(landed, "select count(*) from staging.stg_products where sku = 'OS-SMUGGLED'")[0][0] == 0


def test_olist_orders_lines_and_payments_are_staged_whole(landed: Path, sample: Sample) -> None:
    olist, olist_rows, _ = sample
    counts = dict(
        query(
            landed,
            """
        select 'orders', count(*) from staging.stg_orders where channel_id = 'olist'
        union all select 'order_lines', count(*) from staging.stg_order_lines where order_id in
            (select order_id from staging.stg_orders where channel_id = 'olist')
        union all select 'settlements', count(*) from staging.stg_settlements where channel_id = 'olist'
        union all select 'locations', count(*) from staging.stg_locations
        union all select 'products', count(*) from staging.stg_products where not starts_with(sku, 'OS-')
    """,
        )
    )
    assert counts == olist_rows
    # payments become settlements: their net adds up to what the customers paid
    payments = pl.read_csv(olist / "sample_olist_order_payments_dataset.csv")["payment_value"].sum()
    settled = query(landed, "select sum(net_amount) from staging.stg_settlements where channel_id = 'olist'")[0][0]
    assert float(settled) == pytest.approx(payments, abs=0.01)


def test_platform_rows_are_staged_under_their_channels(landed: Path) -> None:
    orders = dict(
        query(landed, "select channel_id, count(*) from staging.stg_orders where channel_id <> 'olist' group by 1")
    )
    assert sum(orders.values()) == PLATFORM_ROWS["orders"]
    assert set(orders) == {"shopify_us", "shopee_sg", "tmall_flagship"}
    settlements = dict(
        query(landed, "select channel_id, count(*) from staging.stg_settlements where channel_id <> 'olist' group by 1")
    )
    assert set(settlements) == {"shopee_sg", "amazon_us"} and sum(settlements.values()) == PLATFORM_ROWS["settlements"]


def test_staged_rows_trace_back_to_their_file_and_record(landed: Path, sample: Sample) -> None:
    olist, _, records = sample
    lines = (olist / "sample_olist_orders_dataset.csv").read_text().splitlines()
    for record in records:
        order_id = lines[record].split(",")[0]
        ((file, row),) = query(
            landed, "select source_file, source_row from staging.stg_orders where order_id = ?", [order_id]
        )
        assert (file, row) == ("olist/sample_olist_orders_dataset.csv [olist/orders.yml]", record)


def test_a_second_run_reads_nothing_again_and_changes_nothing(landed: Path) -> None:
    before = query(landed, "select count(*), sum(rows_loaded) from ops.ingestion_log")
    outcome = build(landed)
    assert outcome.success, outcome.summary()
    assert query(landed, "select count(*), sum(rows_loaded) from ops.ingestion_log") == before
    assert query(landed, "select count(*) from ops.ingestion_log where ingested_at > first_ingested_at")[0][0] == 0
