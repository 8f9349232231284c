"""The generator's files: deterministic, complete, and exactly in the contract's shape."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pipelines.contract import SOURCES
from pipelines.generate import generate
from pipelines.ingest.discover import folder_deliveries
from pipelines.ingest.load import check_deliveries
from pipelines.ingest.readers import landing_files, read_landing_file
from pipelines.ingest.validate import ROW


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def brand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("brand")
    generate(out, scale="small", seed=11)
    return out


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        generate(tmp_path / name, scale="small", seed=seed, days=20)
    first, second, other = (digest(tmp_path / n) for n in "abc")
    assert len(first) >= 25 and first == second
    assert sum(first[k] != other.get(k) for k in first) > len(first) // 2


def test_regenerating_into_a_folder_replaces_its_files(tmp_path: Path) -> None:
    generate(tmp_path, scale="small", seed=5, days=40)
    generate(tmp_path, scale="small", seed=5, days=20)
    fresh = tmp_path / "fresh"
    generate(fresh, scale="small", seed=5, days=20)
    assert {k: v for k, v in digest(tmp_path).items() if not k.startswith("fresh")} == digest(fresh)


def test_every_source_has_files_and_every_file_has_exactly_the_contract_columns(brand: Path) -> None:
    for name, source in SOURCES.items():
        files = landing_files(brand / "landing" / name)
        assert files, f"no files for {name}"
        for path in files:
            frame = read_landing_file(path).drop(ROW)
            assert frame.columns == list(source.columns), path
            if path.suffix == ".parquet":
                assert dict(frame.schema) == source.columns, path


def test_formats_are_as_delivered_by_each_system(brand: Path) -> None:
    suffixes = {name: {p.suffix for p in landing_files(brand / "landing" / name)} for name in SOURCES}
    assert suffixes["wms_movements"] == suffixes["wms_snapshots"] == {".parquet"}
    assert suffixes["transfers"] == {".jsonl"}
    assert all(
        suffixes[n] == {".csv"}
        for n in ("orders", "order_lines", "settlements", "products", "inbound_asn", "stock_locks")
    )
    # orders one file per month; settlements one per channel and month
    assert len(landing_files(brand / "landing" / "orders")) == 2
    assert len(landing_files(brand / "landing" / "settlements")) == 8 * 2
    text = next(iter(landing_files(brand / "landing" / "orders"))).read_text().splitlines()[1]
    assert text.count(":") >= 4 and "T" not in text.split(",")[5]


def test_every_row_passes_ingestion_checks(brand: Path) -> None:
    now = datetime(2026, 1, 1)
    known = {}
    for name in ("products", "locations", "channels"):
        known[name] = check_deliveries(SOURCES[name], folder_deliveries(brand / "landing" / name), now)[0]
    refs = {
        "sku": known["products"]["sku"],
        "location_id": known["locations"]["location_id"],
        "channel_id": known["channels"]["channel_id"],
        "from_location": known["locations"]["location_id"],
        "to_location": known["locations"]["location_id"],
        "bundle_sku": known["products"]["sku"],
        "component_sku": known["products"]["sku"],
    }
    for name, source in SOURCES.items():
        rows, quarantine = check_deliveries(
            source,
            folder_deliveries(brand / "landing" / name),
            now,
            {c: refs[c] for c in source.references if c in refs},
        )
        assert quarantine.height == 0, (name, quarantine.head(3))
        assert rows.height > 0, name


def test_truth_files_are_described(brand: Path) -> None:
    truth = brand / "truth"
    readme = (truth / "README.md").read_text()
    for name in ("anomalies.csv", "stock_end.parquet", "expected_settlements.parquet", "summary.json"):
        assert (truth / name).is_file() and name in readme
    assert pl.read_parquet(truth / "stock_end.parquet").columns == ["location_id", "sku", "status", "qty"]
