"""What ingestion reads from the landing zone, and what it says about the rest (issue 12, faults 5 and 6).

Links are followed only inside the landing zone, and a refused link's contents are
never read, so they appear in no message; every file that no source reads (a link
refused, a file under no source, platform format or mapped export) is listed with
the names that would match, and logged in ops.ingestion_log with no rows.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from pipelines.contract import SOURCES
from pipelines.ingest.discover import (
    contract_deliveries,
    landing_log,
    landing_report,
    mapped_deliveries,
    source_deliveries,
)
from pipelines.ingest.formats import platform_deliveries
from pipelines.ingest.load import check_deliveries
from pipelines.settings import Paths
from tests.conftest import FIXTURES

NOW = datetime(2026, 12, 31)
SECRET = "root:x:0:0:SECRET-FIRST-LINE:/root:/bin/bash"
PRODUCTS = "sku,name\nA,Serum\nB,Cream\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def where(tmp_path: Path) -> Paths:
    """A data folder whose landing zone has one good products file, and secrets outside it."""
    data = Paths(tmp_path / "data")
    write(data.landing / "products" / "good.csv", PRODUCTS)
    write(tmp_path / "outside" / "passwd", f"{SECRET}\ndaemon:x:1:1:daemon,,,:/usr/sbin:/usr/sbin/nologin\n")
    write(tmp_path / "outside" / "products.csv", "sku,name\nZ,Smuggled\n")
    return data


def names(deliveries) -> list[str]:
    return [d.name for d in deliveries]


def messages(where: Paths, source: str) -> str:
    """Every message and value ingestion would record for the source's deliveries."""
    _, quarantine = check_deliveries(SOURCES[source], source_deliveries(where, source), NOW)
    return " ".join(str(v) for row in quarantine.iter_rows() for v in row)


# ---------------------------------------------------------------- links (fault 5)
def test_a_link_to_a_file_outside_the_landing_zone_is_not_read(where: Paths) -> None:
    outside = where.data_dir.parent / "outside"
    (where.landing / "products" / "passwd.csv").symlink_to(outside / "passwd")
    (where.landing / "products" / "more.csv").symlink_to(outside / "products.csv")
    assert names(contract_deliveries(where, "products")) == ["landing/products/good.csv"]
    assert "secret-first-line" not in messages(where, "products").lower()
    report = {e.file: e for e in landing_report(where)}
    assert set(report) == {"landing/products/passwd.csv", "landing/products/more.csv"}
    entry = report["landing/products/passwd.csv"]
    assert (entry.status, entry.source) == ("skipped", "products")
    assert "outside the landing zone" in entry.message and str(outside / "passwd") in entry.message
    assert "secret-first-line" not in entry.message.lower()


def test_a_link_inside_the_landing_zone_is_read(where: Paths) -> None:
    write(where.landing / "products" / "2026" / "week1.csv", PRODUCTS)
    (where.landing / "products" / "latest.csv").symlink_to(where.landing / "products" / "2026" / "week1.csv")
    assert names(contract_deliveries(where, "products")) == [
        "landing/products/2026/week1.csv",
        "landing/products/good.csv",
        "landing/products/latest.csv",
    ]
    assert landing_report(where) == []


def test_a_linked_folder_outside_is_refused_with_a_word_and_a_loop_is_read_once(where: Paths) -> None:
    (where.landing / "products" / "shared").symlink_to(where.data_dir.parent / "outside", target_is_directory=True)
    (where.landing / "products" / "again").symlink_to(where.landing / "products", target_is_directory=True)
    (where.landing / "products" / "gone.csv").symlink_to(where.data_dir.parent / "nothing.csv")
    assert names(contract_deliveries(where, "products")) == ["landing/products/good.csv"]
    report = {e.file: e.message for e in landing_report(where)}
    assert set(report) == {"landing/products/shared", "landing/products/again", "landing/products/gone.csv"}
    assert "outside the landing zone" in report["landing/products/shared"]
    assert "read already" in report["landing/products/again"]
    assert "outside the landing zone" in report["landing/products/gone.csv"]


def test_a_source_folder_that_is_a_link_out_is_refused_but_a_linked_landing_zone_is_fine(
    where: Paths, tmp_path: Path
) -> None:
    (where.landing / "channels").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert contract_deliveries(where, "channels") == []
    assert [e.file for e in landing_report(where)] == ["landing/channels"]
    # the landing zone itself may live elsewhere (another disk): links are judged against where it resolves
    elsewhere = Paths(tmp_path / "linked_data")
    elsewhere.data_dir.mkdir()
    elsewhere.landing.symlink_to(where.landing, target_is_directory=True)
    assert names(contract_deliveries(elsewhere, "products")) == ["landing/products/good.csv"]


def test_a_pipe_is_skipped_not_read(where: Paths) -> None:
    os.mkfifo(where.landing / "products" / "stream.csv")  # reading it would block the run forever
    assert names(contract_deliveries(where, "products")) == ["landing/products/good.csv"]
    assert [(e.file, e.status) for e in landing_report(where)] == [("landing/products/stream.csv", "skipped")]


def test_platform_formats_do_not_follow_links_out(where: Paths) -> None:
    shopify = FIXTURES / "platforms" / "shopify_orders" / "shopify_us" / "2026-11.json"
    folder = where.landing / "shopify_orders" / "shopify_us"
    folder.mkdir(parents=True)
    shutil.copy(shopify, folder / "copied.json")
    (folder / "linked.json").symlink_to(shopify)
    assert names(platform_deliveries(where.landing, "orders")) == [
        "landing/shopify_orders/shopify_us/copied.json [shopify_orders]"
    ]
    assert [e.file for e in landing_report(where)] == ["landing/shopify_orders/shopify_us/linked.json"]


MAPPING = """
source: products
files: {files}
columns:
  sku: code
  name: title
"""


def test_mapped_exports_do_not_follow_links_or_globs_out(where: Paths, tmp_path: Path) -> None:
    write(
        where.data_dir / "mappings" / "shop" / "products.yml",
        MAPPING.format(files='["*.csv", "../../../outside/*.csv", "**/*.csv"]'),
    )
    write(tmp_path / "outside" / "catalog.csv", f"code,title\nX,{SECRET}\n")
    write(where.landing / "shop" / "catalog.csv", "code,title\nS1,Serum\n")
    (where.landing / "shop" / "linked.csv").symlink_to(tmp_path / "outside" / "catalog.csv")
    assert names(mapped_deliveries(where, "products")) == ["shop/catalog.csv [shop/products.yml]"]
    assert "secret-first-line" not in messages(where, "products").lower()
    assert [(e.file, e.status) for e in landing_report(where)] == [("landing/shop/linked.csv", "skipped")]


# ---------------------------------------------------------------- files nothing reads (fault 6)
def test_files_that_match_nothing_are_listed_with_where_they_would_be_read(where: Paths) -> None:
    write(where.landing / "orders.csv", "order_id\n1\n")
    write(where.landing / "order_items.csv", "order_id,order_item_id\n1,1\n")
    write(where.landing / "olist_raw" / "orders.csv", "order_id\n1\n")
    write(where.landing / "olist" / "sample_olist_orders_dataset.csv", "order_id\n1\n")  # read by mappings/olist
    write(where.landing / "olist" / "olist_order_reviews_dataset.csv", "review_id\n1\n")  # matched by no mapping
    write(where.landing / "shopify_orders" / "shop" / "notes.txt", "anything\n")  # a format's file: a delivery
    write(where.landing / "orders" / "2026" / "11.csv", "order_id\n1\n")  # a source's file: a delivery
    write(where.landing / ".DS_Store", "")  # hidden: skipped silently, as the contract says
    write(where.landing / "_archive" / "old.csv", "order_id\n1\n")
    report = {e.file: e for e in landing_report(where)}
    assert set(report) == {
        "landing/orders.csv",
        "landing/order_items.csv",
        "landing/olist_raw/orders.csv",
        "landing/olist/olist_order_reviews_dataset.csv",
    }
    assert {e.status for e in report.values()} == {"unrecognised"}
    assert all(e.source is None for e in report.values())
    root = report["landing/orders.csv"].message
    assert "directly under landing/" in root and "landing/orders/" in root
    assert "landing/order_lines/" in report["landing/order_items.csv"].message
    folder = report["landing/olist_raw/orders.csv"].message
    assert "landing/olist_raw/" in folder and "landing/olist/" in folder and "mappings/olist_raw/" in folder
    assert "no mapping in" in report["landing/olist/olist_order_reviews_dataset.csv"].message


def test_an_empty_or_fully_read_landing_zone_reports_nothing(where: Paths, tmp_path: Path) -> None:
    assert landing_report(where) == []
    assert landing_report(Paths(tmp_path / "no_data_folder")) == []


def test_the_log_rows_read_nothing_and_keep_their_times_while_unchanged(where: Paths) -> None:
    write(where.landing / "orders.csv", "order_id\n1\n")
    first = landing_log(landing_report(where), pl.DataFrame(), NOW)
    row = first.row(0, named=True)
    assert (row["file"], row["status"], row["source"], row["seq"]) == ("landing/orders.csv", "unrecognised", None, None)
    assert row["rows_read"] == row["rows_loaded"] + row["rows_replaced"] + row["rows_quarantined"] == 0
    later = datetime(2027, 1, 2)
    again = landing_log(landing_report(where), first, later)
    assert again.row(0, named=True)["ingested_at"] == NOW
    write(where.landing / "orders.csv", "order_id\n1\n2\n")
    changed = landing_log(landing_report(where), again, later).row(0, named=True)
    assert (changed["first_ingested_at"], changed["ingested_at"]) == (NOW, later)


def test_the_landing_scan_asset_logs_warns_and_records(where: Paths) -> None:
    from pipelines.defs.ingest.assets import LANDING_SCAN_KEY, ingest_assets, landing_scan
    from pipelines.defs.resources import OmnistockSettings

    write(where.landing / "order_items.csv", "order_id\n1\n")
    (where.landing / "products" / "passwd.csv").symlink_to(where.data_dir.parent / "outside" / "passwd")
    with dg.DagsterInstance.ephemeral() as instance:
        settings = OmnistockSettings(data_dir=str(where.data_dir))
        result = dg.materialize([landing_scan], instance=instance, resources={"settings": settings})
        assert result.success
        warnings = [e.user_message for e in instance.all_logs(result.run_id) if e.level == 30]  # logging.WARNING
    (materialization,) = result.asset_materializations_for_node("raw___landing_scan")
    assert materialization.metadata["unrecognised_files"].value == 1
    assert materialization.metadata["skipped"].value == 1
    assert any(w.startswith("landing/order_items.csv was unrecognised: nothing reads this file") for w in warnings)
    assert any(w.startswith("landing/products/passwd.csv was skipped: a symbolic link") for w in warnings)
    assert not any("secret-first-line" in w.lower() for w in warnings)
    log = pl.read_parquet(where.raw / "_manifest" / "_landing.parquet")
    assert sorted(zip(log["file"], log["status"])) == [
        ("landing/order_items.csv", "unrecognised"),
        ("landing/products/passwd.csv", "skipped"),
    ]
    assert not log["message"].str.to_lowercase().str.contains("secret-first-line").any()
    # every ingestion waits for the scan, so dbt's ops.ingestion_log sees this run's entries
    assert all(LANDING_SCAN_KEY in asset.dependency_keys for asset in ingest_assets)


# ---------------------------------------------------------------- a file that is not a data file is never quoted
def test_a_text_file_in_the_landing_zone_is_refused_without_quoting_its_first_line(where: Paths) -> None:
    shutil.copy(where.data_dir.parent / "outside" / "passwd", where.landing / "products" / "copied_passwd.txt")
    write(where.landing / "products" / "typo.csv", "sku,nmae\nA,Serum\n")  # a data file: its columns are named
    _, quarantine = check_deliveries(SOURCES["products"], contract_deliveries(where, "products"), NOW)
    reasons = dict(zip(quarantine["file"], quarantine["reason"]))
    assert "secret-first-line" not in " ".join(str(v) for row in quarantine.iter_rows() for v in row).lower()
    assert reasons["landing/products/copied_passwd.txt"] == (
        "missing required column(s): sku, name; found 1 column(s), none of them expected (not quoted: it does not "
        "look like a data file)"
    )
    assert reasons["landing/products/typo.csv"] == "missing required column(s): name; found: sku, nmae"


def test_platform_and_mapped_files_that_are_not_data_files_are_not_quoted(where: Paths, tmp_path: Path) -> None:
    folder = where.landing / "amazon_settlement_v2" / "amazon_us"
    folder.mkdir(parents=True)
    shutil.copy(tmp_path / "outside" / "passwd", folder / "settlement.txt")
    write(where.data_dir / "mappings" / "shop" / "products.yml", MAPPING.format(files='"*.csv"'))
    write(where.landing / "shop" / "catalog.csv", (tmp_path / "outside" / "passwd").read_text())
    for source in ("settlements", "products"):
        assert "secret-first-line" not in messages(where, source).lower()
    assert "not quoted" in messages(where, "settlements") and "not quoted" in messages(where, "products")
