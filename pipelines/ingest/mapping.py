"""YAML mappings: any CSV (or Parquet) export as deliveries of one contract source.

A mapping file describes how the files of one export become rows of one source::

    source: orders                      # the contract source (pipelines/contract.py)
    files: sample_olist_orders_*.csv    # glob or list of globs, relative to the base folder
    read:                               # optional
      format: csv                       # csv | tsv | parquet (default: from the extension)
      separator: ","                    # default "," (tsv: tab)
      encoding: utf8                    # utf8 (default) or any Python codec, e.g. gb18030
    lookups:                            # optional, applied in order (a lookup may use an earlier one's columns)
      - name: customers
        files: sample_olist_customers_dataset.csv
        key: customer_id                # the key column of the lookup file (first row per key wins)
        on: customer_id                 # the column of the rows it matches (default: key)
        columns: [customer_state]       # columns brought in; or {new_name: lookup_column}
    columns:                            # contract column (or extra column) -> value
      order_id: order_id                # a column (of the file or of a lookup)
      channel_id: {const: olist}        # a constant
      location_id: null                 # no value
      status: {column: order_status, map: {canceled: cancelled}, default: created}
      created_at: {column: order_purchase_timestamp, format: "%Y-%m-%d %H:%M:%S"}
      updated_at: {latest: [order_purchase_timestamp, order_approved_at], format: "%Y-%m-%d %H:%M:%S"}
      settlement_id: {concat: [order_id, payment_sequential], sep: "-"}
      settled_at: {coalesce: [order_approved_at, order_purchase_timestamp]}
    currency: BRL                       # optional: the export's currency (ISO 4217), for sources with
                                        # a currency column (orders, settlements): fills the column, or
                                        # its empty values when `columns` maps it

Value kinds: a column name, `null`, or a mapping with exactly one of `column`, `const`,
`concat` (+ `sep`), `coalesce`, `latest`, `earliest`; the items of concat/coalesce/
latest/earliest are values themselves. Modifiers on any mapping value:
`map` (value → value; unmapped values are kept so validation names them, unless
`default` is given) and `format` (a strptime timestamp format; the result is written
`YYYY-MM-DD HH:MM:SS`, and a value that does not parse is kept as it was).

Every file matching `files` is one delivery; ROW is its data row (header excluded).
Values are converted faithfully: validation types and checks them, and quarantines
what is wrong with the file, row and column named. Only polars expressions, no row loops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipelines.contract import SOURCES
from pipelines.ingest.delivery import Delivery
from pipelines.ingest.readers import UnreadableFile, found_columns, landing_files
from pipelines.ingest.validate import ROW

KINDS = ("column", "const", "concat", "coalesce", "latest", "earliest")
MODIFIERS = ("map", "default", "format", "sep")
OUTPUT_TS = "%Y-%m-%d %H:%M:%S"
DEFAULT_TS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d")


class MappingError(ValueError):
    """The mapping file itself is wrong (not the data it maps)."""


@dataclass(frozen=True)
class ReadOptions:
    format: str | None = None
    separator: str | None = None
    encoding: str = "utf8"


@dataclass(frozen=True)
class Lookup:
    name: str
    files: tuple[str, ...]
    key: str
    on: str
    columns: dict[str, str]  # new name -> lookup column
    read: ReadOptions = field(default_factory=ReadOptions)


@dataclass(frozen=True)
class Mapping:
    path: Path
    source: str
    files: tuple[str, ...]
    columns: dict[str, Any]
    lookups: tuple[Lookup, ...] = ()
    read: ReadOptions = field(default_factory=ReadOptions)
    currency: str | None = None  # the export's currency (top-level `currency:`), already applied to columns


CURRENCY_CODE = re.compile(r"[A-Z]{3}")


# ---------------------------------------------------------------- loading
def load_mapping(path: Path) -> Mapping:
    """Parse and check a mapping file; MappingError names the file and the problem."""
    try:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(spec, dict):
        raise MappingError(f"{path}: expected a mapping with source, files and columns")
    source = spec.get("source")
    if source not in SOURCES:
        raise MappingError(f"{path}: unknown source {source!r}; one of {', '.join(SOURCES)}")
    columns = spec.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise MappingError(f"{path}: `columns` must map column names to values")
    for name, value in columns.items():
        _check_value(value, f"{path}: column {name}")
    missing = [c for c in SOURCES[source].required if c not in columns]
    if missing:
        raise MappingError(f"{path}: required column(s) of {source} not mapped: {', '.join(missing)}")
    lookups = tuple(_lookup(item, path) for item in spec.get("lookups") or [])
    currency = _currency(spec.get("currency"), source, path)
    if currency:
        columns = with_currency(columns, currency)
    return Mapping(
        Path(path),
        source,
        _globs(spec.get("files"), path),
        columns,
        lookups,
        _read_options(spec.get("read"), path),
        currency,
    )


def _currency(value: Any, source: str, where: Path) -> str | None:
    """The top-level `currency:` of a mapping: an ISO 4217 code, for a source that has a currency column."""
    if value is None:
        return None
    code = str(value).strip().upper()
    if not CURRENCY_CODE.fullmatch(code):
        raise MappingError(f"{where}: currency {value!r} is not an ISO 4217 code such as BRL or CNY")
    if "currency" not in SOURCES[source].columns:
        if source == "order_lines":
            raise MappingError(
                f"{where}: order_lines take their order's currency: set `currency: {code}` in the orders mapping"
            )
        with_column = ", ".join(name for name, s in SOURCES.items() if "currency" in s.columns)
        raise MappingError(f"{where}: {source} has no currency column (only {with_column} do)")
    return code


def with_currency(columns: dict[str, Any], code: str) -> dict[str, Any]:
    """The columns with the export's currency: the constant, or the gaps of a mapped currency filled."""
    mapped = columns.get("currency")
    value = {"const": code} if mapped is None else {"coalesce": [mapped, {"const": code}]}
    return {**columns, "currency": value}


def _globs(value: Any, where: Any) -> tuple[str, ...]:
    globs = (value,) if isinstance(value, str) else tuple(value or ())
    if not globs or not all(isinstance(g, str) for g in globs):
        raise MappingError(f"{where}: `files` must be a glob or a list of globs")
    return globs


def _read_options(value: Any, where: Any) -> ReadOptions:
    value = value or {}
    unknown = set(value) - {"format", "separator", "encoding"}
    if unknown:
        raise MappingError(f"{where}: unknown read option(s): {', '.join(sorted(unknown))}")
    return ReadOptions(value.get("format"), value.get("separator"), value.get("encoding", "utf8"))


def _lookup(item: Any, where: Path) -> Lookup:
    if not isinstance(item, dict) or "key" not in item or "files" not in item or "columns" not in item:
        raise MappingError(f"{where}: every lookup needs files, key and columns")
    cols = item["columns"]
    columns = {c: c for c in cols} if isinstance(cols, list) else dict(cols)
    name = str(item.get("name", item["key"]))
    on = item.get("on", item.get(True, item["key"]))  # YAML 1.1 reads an unquoted `on:` key as True
    return Lookup(name, _globs(item["files"], where), item["key"], on, columns, _read_options(item.get("read"), where))


def _check_value(value: Any, where: str) -> None:
    if value is None or isinstance(value, str):
        return
    if isinstance(value, bool):
        raise MappingError(f"{where}: YAML reads no/yes/on/off/true/false as {value}: quote the column name")
    if not isinstance(value, dict):
        raise MappingError(f"{where}: a value is a column name, null or a mapping, not {value!r}")
    kinds = [k for k in KINDS if k in value]
    unknown = set(value) - set(KINDS) - set(MODIFIERS)
    if len(kinds) != 1 or unknown:
        raise MappingError(f"{where}: use exactly one of {', '.join(KINDS)} (found {', '.join(sorted(value))})")
    kind = kinds[0]
    if kind in ("concat", "coalesce", "latest", "earliest"):
        if not isinstance(value[kind], list) or not value[kind]:
            raise MappingError(f"{where}: {kind} needs a list of values")
        for item in value[kind]:
            _check_value(item, where)


# ---------------------------------------------------------------- expressions
def value_expr(value: Any) -> pl.Expr:
    """The polars expression of one mapping value."""
    if value is None:
        return pl.lit(None, dtype=pl.String)
    if isinstance(value, str):
        return pl.col(value)
    if "column" in value:
        expr = pl.col(value["column"])
    elif "const" in value:
        expr = pl.lit(value["const"])
    elif "concat" in value:
        expr = pl.concat_str(
            [value_expr(v).cast(pl.String) for v in value["concat"]], separator=str(value.get("sep", ""))
        )
    elif "coalesce" in value:
        expr = pl.coalesce([value_expr(v).cast(pl.String) for v in value["coalesce"]])
    else:
        return _extreme(value)
    if "format" in value:
        expr = _reformat(expr, (value["format"],))
    if "map" in value:
        expr = _mapped(expr, value["map"], value.get("default"), "default" in value)
    return expr


def _parse(expr: pl.Expr, formats: tuple[str, ...]) -> pl.Expr:
    text = expr.cast(pl.String).str.strip_chars()
    return pl.coalesce([text.str.strptime(pl.Datetime("us"), f, strict=False) for f in formats])


def _reformat(expr: pl.Expr, formats: tuple[str, ...]) -> pl.Expr:
    """Parsed timestamps written the contract's way; text that does not parse is kept."""
    return pl.coalesce(_parse(expr, formats).dt.strftime(OUTPUT_TS), expr.cast(pl.String))


def _extreme(value: dict[str, Any]) -> pl.Expr:
    """latest/earliest of several timestamps (nulls ignored); raw text if none parses."""
    kind = "latest" if "latest" in value else "earliest"
    formats = (value["format"],) if "format" in value else DEFAULT_TS
    items = [value_expr(v) for v in value[kind]]
    parsed = [_parse(e, formats) for e in items]
    pick = pl.max_horizontal(parsed) if kind == "latest" else pl.min_horizontal(parsed)
    return pl.coalesce(pick.dt.strftime(OUTPUT_TS), *[e.cast(pl.String) for e in items])


def _mapped(expr: pl.Expr, table: dict[Any, Any], default: Any, has_default: bool) -> pl.Expr:
    keys = {str(k): (None if v is None else str(v)) for k, v in table.items()}
    text = expr.cast(pl.String)
    if has_default:
        return text.replace_strict(keys, default=pl.lit(default, dtype=pl.String), return_dtype=pl.String)
    return text.replace(keys)


def referenced_columns(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    if "column" in value:
        return {value["column"]}
    kind = next((k for k in ("concat", "coalesce", "latest", "earliest") if k in value), None)
    return set().union(*[referenced_columns(v) for v in value[kind]]) if kind else set()


# ---------------------------------------------------------------- reading
def matching_files(base_dir: Path, globs: tuple[str, ...]) -> list[Path]:
    """The export's files a glob matches: only files under `base_dir` (a `..` in a glob leads nowhere),
    never a link out of the landing zone (base_dir's parent), names starting with `.` or `_` skipped."""
    readable = set(landing_files(base_dir, base_dir.parent))
    found = {p for g in globs for p in base_dir.glob(g) if p in readable}
    return sorted(found)


def scan(path: Path, options: ReadOptions) -> pl.LazyFrame:
    """A file as a lazy frame (CSV: every column text), column names trimmed."""
    if path.stat().st_size == 0:
        raise UnreadableFile("the file is empty (0 bytes)")
    kind = options.format or {".parquet": "parquet", ".pq": "parquet", ".tsv": "tsv"}.get(path.suffix.lower(), "csv")
    if kind == "parquet":
        frame = pl.scan_parquet(path)
    else:
        separator = options.separator or ("\t" if kind == "tsv" else ",")
        if options.encoding.lower().replace("-", "") in ("utf8", "utf8lossy"):
            frame = pl.scan_csv(path, separator=separator, infer_schema=False, null_values=[""], encoding="utf8")
        else:
            text = path.read_bytes().decode(options.encoding, errors="strict")
            frame = pl.read_csv(text.encode("utf-8"), separator=separator, infer_schema=False, null_values=[""]).lazy()
    names = frame.collect_schema().names()
    return frame.rename({c: c.strip().lstrip("\ufeff") for c in names})


def _lookup_frame(lookup: Lookup, base_dir: Path) -> pl.LazyFrame:
    files = matching_files(base_dir, lookup.files)
    if not files:
        raise UnreadableFile(f"lookup {lookup.name}: no file matches {', '.join(lookup.files)} in {base_dir}")
    frame = pl.concat([scan(f, lookup.read) for f in files], how="diagonal_relaxed")
    missing = [c for c in (lookup.key, *lookup.columns.values()) if c not in frame.collect_schema().names()]
    if missing:
        raise UnreadableFile(
            f"lookup {lookup.name}: column(s) {', '.join(missing)} not in {', '.join(f.name for f in files)}"
        )
    picked = frame.select(
        pl.col(lookup.key).cast(pl.String).alias("__key"), *[pl.col(c).alias(a) for a, c in lookup.columns.items()]
    )
    return picked.unique(subset="__key", keep="first", maintain_order=True)


def read_mapped(mapping: Mapping, path: Path, base_dir: Path) -> pl.DataFrame:
    """One file converted by a mapping: the mapped columns plus ROW."""
    try:
        frame = scan(path, mapping.read).with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
        for lookup in mapping.lookups:
            present = frame.collect_schema().names()
            if lookup.on not in present:
                raise UnreadableFile(f"lookup {lookup.name}: column {lookup.on} not in the file")
            clash = [a for a in lookup.columns if a in present]
            if clash:
                raise UnreadableFile(
                    f"lookup {lookup.name}: {', '.join(clash)} already in the file; rename under `columns`"
                )
            table = _lookup_frame(lookup, base_dir)
            frame = (
                frame.with_columns(pl.col(lookup.on).cast(pl.String).alias("__key"))
                .join(table, on="__key", how="left", maintain_order="left")
                .drop("__key")
            )
        present = set(frame.collect_schema().names())
        needed = set().union(*[referenced_columns(v) for v in mapping.columns.values()])
        missing = sorted(needed - present)
        if missing:
            found = found_columns(frame.collect_schema().names(), needed)
            raise UnreadableFile(f"column(s) named in {mapping.path.name} not found: {', '.join(missing)}; {found}")
        return frame.select(*[value_expr(v).alias(name) for name, v in mapping.columns.items()], pl.col(ROW)).collect()
    except UnreadableFile:
        raise
    except Exception as exc:  # polars raises several exception types for broken files
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFile(f"cannot be read with {mapping.path.name}: {first}") from exc


def mapping_deliveries(mapping_file: Path, base_dir: Path) -> dict[str, list[Delivery]]:
    """Source name → a delivery per file the mapping matches under base_dir."""
    mapping = load_mapping(mapping_file)
    # a delivery is read again when its file, its mapping or a lookup file changes
    lookup_files = tuple(f for lookup in mapping.lookups for f in matching_files(base_dir, lookup.files))
    deliveries = [
        Delivery(
            f"{base_dir.name}/{path.relative_to(base_dir).as_posix()} [{mapping_file.parent.name}/{mapping_file.name}]",
            lambda path=path: read_mapped(mapping, path, base_dir),
            files=(path, mapping_file, *lookup_files),
        )
        for path in matching_files(base_dir, mapping.files)
    ]
    return {mapping.source: deliveries}


def mapping_folder_deliveries(mapping_dir: Path, base_dir: Path) -> dict[str, list[Delivery]]:
    """Every *.yml / *.yaml mapping of a folder (e.g. mappings/olist/), merged by source."""
    merged: dict[str, list[Delivery]] = {}
    for mapping_file in sorted([*mapping_dir.glob("*.yml"), *mapping_dir.glob("*.yaml")]):
        for source, deliveries in mapping_deliveries(mapping_file, base_dir).items():
            merged.setdefault(source, []).extend(deliveries)
    return merged
