"""Expectation suites as plain data, generated from the contract (pipelines/contract.py) and
from a compact description of the inventory marts; `ge_runner` turns them into Great
Expectations objects (GE is imported only there, lazily).

Every expectation carries a `group` (schema, keys, required, values, ranges, references,
row_count, invariants) and a severity; a check's result takes the worst severity of the
expectations that failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pipelines.contract import SOURCES, STOCK_STATUSES, Source
from pipelines.quality.severity import Severity

C, W = Severity.CRITICAL, Severity.WARN
LINEAGE = ("_delivery_id",)


@dataclass(frozen=True)
class ExpectationSpec:
    type: str  # the GE expectation class, e.g. ExpectColumnValuesToNotBeNull
    kwargs: Mapping[str, object]
    group: str
    severity: Severity

    @property
    def label(self) -> str:
        target = self.kwargs.get("column") or self.kwargs.get("column_list") or ""
        if not target and "column_A" in self.kwargs:
            target = f"{self.kwargs['column_A']}>={self.kwargs['column_B']}"
        return (
            f"{self.group}:{self.type.removeprefix('Expect')}({target})"
            if target
            else f"{self.group}:{self.type.removeprefix('Expect')}"
        )


@dataclass(frozen=True)
class SuiteSpec:
    name: str  # the GE suite name
    asset: str  # the Dagster asset key it validates, e.g. raw/orders
    columns: tuple[str, ...]  # what to read
    expectations: tuple[ExpectationSpec, ...] = field(default_factory=tuple)
    # (column, the values the master data knows): checked through the column unknown_<column>
    references: tuple[tuple[str, frozenset[str]], ...] = ()

    @property
    def unique_key(self) -> tuple[str, ...]:
        """The columns of the suite's (first) compound uniqueness check, () if it has none: a frame
        validated in chunks is split on them (ge_runner.Chunked)."""
        for e in self.expectations:
            if e.type == "ExpectCompoundColumnsToBeUnique":
                return tuple(e.kwargs["column_list"])  # type: ignore[arg-type]
        return ()


def _e(type_: str, group: str, severity: Severity, **kwargs: object) -> ExpectationSpec:
    return ExpectationSpec(type_, kwargs, group, severity)


def unknown_column(column: str) -> str:
    """The helper column holding a row's value of `column` where the master data does not know it
    (null otherwise). A GE value set of every known SKU makes each run slow (GE serialises the set
    many times: ~10 s a suite for 33,000 SKUs); a null check on this column is instant."""
    return f"unknown_{column}"


def _references(
    pairs: Iterable[tuple[str, Sequence[str]]],
) -> tuple[tuple[ExpectationSpec, ...], tuple[tuple[str, frozenset[str]], ...]]:
    """Warn-level reference checks for the (column, known values) pairs that have values."""
    pairs = [(column, frozenset(values)) for column, values in pairs if values]
    checks = tuple(_e("ExpectColumnValuesToBeNull", "references", W, column=unknown_column(c)) for c, _ in pairs)
    return checks, tuple(pairs)


def raw_source_suite(
    source: Source,
    reference_values: Mapping[str, Sequence[str]] | None = None,
    min_rows: int = 0,
) -> SuiteSpec:
    """The suite for raw/<source>: what ingestion promised the raw zone holds.

    - schema: every contract column present (critical);
    - keys: key columns that are required are never null, and a key (with its version) is
      unique within a delivery (critical);
    - required: other required columns never null (critical);
    - values: allowed values (critical) and non-negative numbers (critical);
    - references: values found in the master data (`reference_values`; warn: master data may
      arrive later, and the row then loads);
    - row_count: at least `min_rows` rows (warn: a source not delivered yet counts as empty), else
      at least 0 (recorded only).
    """
    exp: list[ExpectationSpec] = [
        _e("ExpectTableColumnsToMatchSet", "schema", C, column_set=list(source.columns), exact_match=False)
    ]
    for column in source.keys:
        if column in source.required:
            exp.append(_e("ExpectColumnValuesToNotBeNull", "keys", C, column=column))
    unique_on = [
        *source.keys,
        *([source.version_column] if source.version_column and source.version_column not in source.keys else []),
        *LINEAGE,
    ]
    exp.append(_e("ExpectCompoundColumnsToBeUnique", "keys", C, column_list=unique_on))
    for column in source.required:
        if column not in source.keys:
            exp.append(_e("ExpectColumnValuesToNotBeNull", "required", C, column=column))
    for column, values in source.allowed.items():
        exp.append(_e("ExpectColumnValuesToBeInSet", "values", C, column=column, value_set=list(values)))
    for column in source.non_negative:
        exp.append(_e("ExpectColumnValuesToBeBetween", "ranges", C, column=column, min_value=0))
    if source.name == "supply_rules":
        exp.append(_e("ExpectColumnValuesToBeBetween", "ranges", W, column="max_ratio", min_value=0, max_value=1))
    reference_checks, references = _references((reference_values or {}).items())
    exp.extend(reference_checks)
    exp.append(
        # warn, not critical: a source not delivered yet counts as empty (a partial data folder still builds)
        _e("ExpectTableRowCountToBeBetween", "row_count", W if min_rows else Severity.INFO, min_value=min_rows)
    )
    return SuiteSpec(f"raw.{source.name}", f"raw/{source.name}", (*source.columns, *LINEAGE), tuple(exp), references)


def all_raw_suites(
    reference_values: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    min_rows: Mapping[str, int] | None = None,
) -> dict[str, SuiteSpec]:
    return {
        name: raw_source_suite(source, (reference_values or {}).get(name), (min_rows or {}).get(name, 0))
        for name, source in SOURCES.items()
    }


# --- the inventory marts --------------------------------------------------------------------------------------

_WAREHOUSE_KEY = ["owner", "location_id", "sku", "lot_no", "production_date", "expiry_date", "bin", "status"]


def mart_suites(
    channels: Sequence[str] = (), locations: Sequence[str] = (), skus: Sequence[str] = ()
) -> dict[str, SuiteSpec]:
    """Suites for the three inventory layers; reference sets come from the staged master data."""

    def non_negative(columns: Sequence[str], severity: Severity = C) -> list[ExpectationSpec]:
        return [_e("ExpectColumnValuesToBeBetween", "ranges", severity, column=c, min_value=0) for c in columns]

    def not_null(columns: Sequence[str]) -> list[ExpectationSpec]:
        return [_e("ExpectColumnValuesToNotBeNull", "keys", C, column=c) for c in columns]

    warehouse_cols = (*_WAREHOUSE_KEY, "qty", "stock_mode", "shelf_life_days_left", "as_of")
    scheduling_cols = (
        "location_id",
        "sku",
        "on_hand",
        "unavailable",
        "physical_available",
        "order_occupied",
        "transfer_occupied",
        "locked",
        "transfer_in_air",
        "inbound_in_transit",
        "sales_available",
        "oversold",
        "as_of",
    )
    sales_cols = (
        "channel_id",
        "sku",
        "allocatable",
        "presale",
        "virtual",
        "unpaid_held",
        "pending_allocation",
        "reserved",
        "available_to_sell",
        "low_stock_threshold",
        "is_low_stock",
        "as_of",
    )
    warehouse_refs = scheduling_refs = _references([("location_id", locations), ("sku", skus)])
    sales_refs = _references([("channel_id", channels), ("sku", skus)])
    return {
        "inventory_warehouse_layer": SuiteSpec(
            "marts.inventory_warehouse_layer",
            "marts/inventory_warehouse_layer",
            warehouse_cols,
            (
                _e("ExpectTableColumnsToMatchSet", "schema", C, column_set=list(warehouse_cols), exact_match=False),
                *not_null(["location_id", "sku", "qty", "as_of"]),
                _e("ExpectCompoundColumnsToBeUnique", "keys", C, column_list=_WAREHOUSE_KEY),
                *non_negative(["qty"]),  # negative stock: the ledger took out more than came in
                _e("ExpectColumnValuesToBeInSet", "values", C, column="status", value_set=list(STOCK_STATUSES)),
                _e("ExpectColumnValuesToBeInSet", "values", W, column="stock_mode", value_set=["flow", "quantity"]),
                *warehouse_refs[0],
                _e(
                    "ExpectTableRowCountToBeBetween", "row_count", W, min_value=1
                ),  # empty: nothing to publish, not wrong
            ),
            warehouse_refs[1],
        ),
        "inventory_scheduling_layer": SuiteSpec(
            "marts.inventory_scheduling_layer",
            "marts/inventory_scheduling_layer",
            scheduling_cols,
            (
                _e("ExpectTableColumnsToMatchSet", "schema", C, column_set=list(scheduling_cols), exact_match=False),
                *not_null(["location_id", "sku", "on_hand", "sales_available"]),
                _e("ExpectCompoundColumnsToBeUnique", "keys", C, column_list=["location_id", "sku"]),
                *non_negative(["on_hand", "unavailable", "physical_available", "sales_available"]),
                *non_negative(
                    [
                        "order_occupied",
                        "transfer_occupied",
                        "locked",
                        "transfer_in_air",
                        "inbound_in_transit",
                        "oversold",
                    ],
                    W,
                ),
                _e(
                    "ExpectColumnPairValuesAToBeGreaterThanB",
                    "invariants",
                    C,
                    column_A="physical_available",
                    column_B="sales_available",
                    or_equal=True,
                ),
                _e(
                    "ExpectColumnPairValuesAToBeGreaterThanB",
                    "invariants",
                    C,
                    column_A="on_hand",
                    column_B="physical_available",
                    or_equal=True,
                ),
                *scheduling_refs[0],
                _e(
                    "ExpectTableRowCountToBeBetween", "row_count", W, min_value=1
                ),  # empty: nothing to publish, not wrong
            ),
            scheduling_refs[1],
        ),
        "inventory_sales_layer": SuiteSpec(
            "marts.inventory_sales_layer",
            "marts/inventory_sales_layer",
            sales_cols,
            (
                _e("ExpectTableColumnsToMatchSet", "schema", C, column_set=list(sales_cols), exact_match=False),
                *not_null(["channel_id", "sku", "available_to_sell"]),
                _e("ExpectCompoundColumnsToBeUnique", "keys", C, column_list=["channel_id", "sku"]),
                *non_negative(["available_to_sell", "allocatable"]),
                *non_negative(["presale", "virtual", "unpaid_held", "pending_allocation", "reserved"], W),
                # never more than allocatable + presale + virtual (a helper column computed when reading)
                _e("ExpectColumnValuesToBeBetween", "invariants", C, column="_headroom", min_value=0),
                *sales_refs[0],
                _e(
                    "ExpectTableRowCountToBeBetween", "row_count", W, min_value=1
                ),  # empty: nothing to publish, not wrong
            ),
            sales_refs[1],
        ),
    }
