"""A tiny warehouse with figures known in advance, for the dashboard tests.

Two channels (tmall, pos_sh), three SKUs, two locations (WH1, ST1), one low-stock
channel x SKU (tmall / SKU-C), two quarantined rows.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.warehouse import publish_for_readers

AS_OF = "2026-03-01 08:00:00"
UNITS_ON_HAND = 100 + 60 + 30 + 20 + 8 + 12  # 230
AVAILABLE_TO_SELL = {"tmall": {"SKU-A": 40, "SKU-B": 25, "SKU-C": 4}, "pos_sh": {"SKU-A": 15, "SKU-B": 6, "SKU-C": 12}}
UNITS_AVAILABLE_TO_SELL = sum(v for by_sku in AVAILABLE_TO_SELL.values() for v in by_sku.values())  # 102
LOW_STOCK_ROWS = 1
QUARANTINED_ROWS = 2
QUARANTINE_REASONS = {"orders": "qty must be >= 0", "wms_snapshots": "unknown sku SKU-ZZ"}

_SQL = f"""
create schema marts; create schema ops; create schema staging;

create table staging.stg_products (sku varchar, name varchar, category varchar);
insert into staging.stg_products values
  ('SKU-A', 'Hydra Serum 30ml', 'skincare'),
  ('SKU-B', 'Velvet Lipstick #02', 'makeup'),
  ('SKU-C', 'Jade Cleanser 120ml', 'skincare');

create table staging.stg_channels (channel_id varchar, platform varchar, kind varchar, low_stock_threshold bigint);
insert into staging.stg_channels values ('tmall', 'Tmall', 'third_party', 5), ('pos_sh', 'Offline POS', 'self_operated', 2);

create table staging.stg_locations (location_id varchar, type varchar, physical_site varchar, owner varchar, region varchar);
insert into staging.stg_locations values ('WH1', 'warehouse', 'SITE-EAST', 'BRAND-CN', 'ZJ'), ('ST1', 'store', 'SITE-SH', 'BRAND-CN', 'SH');

create table marts.inventory_sales_layer (
  channel_id varchar, platform varchar, channel_kind varchar, sku varchar, is_bundle boolean,
  supplying_locations bigint, allocatable bigint, presale bigint, virtual bigint, unpaid_held bigint,
  pending_allocation bigint, reserved bigint, available_to_sell bigint, low_stock_threshold bigint,
  is_low_stock boolean, as_of timestamp);
insert into marts.inventory_sales_layer values
  ('tmall',  'Tmall',       'third_party',   'SKU-A', false, 1, 40, 0, 0,  0, 0, 0, 40, 5, false, '{AS_OF}'),
  ('tmall',  'Tmall',       'third_party',   'SKU-B', false, 1, 25, 0, 0,  0, 0, 0, 25, 5, false, '{AS_OF}'),
  ('tmall',  'Tmall',       'third_party',   'SKU-C', false, 1, 15, 0, 0, 11, 0, 0,  4, 5, true,  '{AS_OF}'),
  ('pos_sh', 'Offline POS', 'self_operated', 'SKU-A', false, 1, 15, 0, 0,  0, 0, 0, 15, 2, false, '{AS_OF}'),
  ('pos_sh', 'Offline POS', 'self_operated', 'SKU-B', false, 1,  6, 0, 0,  0, 0, 0,  6, 2, false, '{AS_OF}'),
  ('pos_sh', 'Offline POS', 'self_operated', 'SKU-C', false, 1, 12, 0, 0,  0, 0, 0, 12, 2, false, '{AS_OF}');

create table marts.inventory_scheduling_layer (
  location_id varchar, location_type varchar, physical_site varchar, sku varchar, is_bundle boolean,
  on_hand bigint, unavailable bigint, physical_available bigint, order_occupied bigint,
  transfer_occupied bigint, locked bigint, transfer_in_air bigint, inbound_in_transit bigint,
  sales_available bigint, oversold bigint, as_of timestamp);
insert into marts.inventory_scheduling_layer values
  ('WH1', 'warehouse', 'SITE-EAST', 'SKU-A', false, 100, 10, 90,  5, 0, 5,  0, 50, 80, 0, '{AS_OF}'),
  ('WH1', 'warehouse', 'SITE-EAST', 'SKU-B', false,  60,  0, 60, 10, 0, 0, 20,  0, 50, 0, '{AS_OF}'),
  ('WH1', 'warehouse', 'SITE-EAST', 'SKU-C', false,  30,  0, 30,  0, 0, 0,  0,  0, 30, 0, '{AS_OF}'),
  ('ST1', 'store',     'SITE-SH',   'SKU-A', false,  20,  0, 20,  2, 3, 0,  0,  0, 15, 0, '{AS_OF}'),
  ('ST1', 'store',     'SITE-SH',   'SKU-B', false,   8,  2,  6,  0, 0, 0,  0,  0,  6, 0, '{AS_OF}'),
  ('ST1', 'store',     'SITE-SH',   'SKU-C', false,  12,  0, 12,  0, 0, 0,  0,  0, 12, 0, '{AS_OF}');

create table marts.inventory_warehouse_layer (
  owner varchar, location_id varchar, location_type varchar, physical_site varchar, sku varchar,
  lot_no varchar, production_date date, expiry_date date, status varchar, bin varchar, qty bigint,
  shelf_life_days_left integer, stock_mode varchar, observed_at timestamp, as_of timestamp);
insert into marts.inventory_warehouse_layer values
  ('BRAND-CN', 'WH1', 'warehouse', 'SITE-EAST', 'SKU-A', 'A-2506', '2025-06-01', '2027-06-01', 'available', 'A-01-01', 90, 457, 'flow', '2026-02-28 17:00:00', '{AS_OF}'),
  ('BRAND-CN', 'WH1', 'warehouse', 'SITE-EAST', 'SKU-A', 'A-2404', '2024-04-15', '2026-04-15', 'frozen',    'Q-01-01', 10,  45, 'flow', '2026-02-20 09:00:00', '{AS_OF}'),
  ('BRAND-CN', 'ST1', 'store',     'SITE-SH',   'SKU-A', 'A-2506', '2025-06-01', '2027-06-01', 'available', 'SHELF',   20, 457, 'quantity', '2026-03-01 06:00:00', '{AS_OF}'),
  ('BRAND-CN', 'WH1', 'warehouse', 'SITE-EAST', 'SKU-B', 'B-2509', '2025-09-01', '2028-09-01', 'available', 'B-02-01', 60, 915, 'flow', '2026-02-27 12:00:00', '{AS_OF}'),
  ('BRAND-CN', 'ST1', 'store',     'SITE-SH',   'SKU-B', 'B-2509', '2025-09-01', '2028-09-01', 'available', 'SHELF',    6, 915, 'quantity', '2026-03-01 06:00:00', '{AS_OF}'),
  ('BRAND-CN', 'ST1', 'store',     'SITE-SH',   'SKU-B', 'B-2509', '2025-09-01', '2028-09-01', 'defective', 'BACK',     2, 915, 'quantity', '2026-03-01 06:00:00', '{AS_OF}'),
  ('BRAND-CN', 'WH1', 'warehouse', 'SITE-EAST', 'SKU-C', 'C-2511', '2025-11-01', '2027-11-01', 'available', 'C-01-01', 30, 610, 'flow', '2026-02-26 10:00:00', '{AS_OF}'),
  ('BRAND-CN', 'ST1', 'store',     'SITE-SH',   'SKU-C', 'C-2511', '2025-11-01', '2027-11-01', 'available', 'SHELF',   12, 610, 'quantity', '2026-03-01 06:00:00', '{AS_OF}');

create table ops.ingestion_log (
  source varchar, file varchar, status varchar, rows_read bigint, rows_loaded bigint,
  rows_replaced bigint, rows_quarantined bigint, message varchar, ingested_at timestamp);
insert into ops.ingestion_log values
  ('orders', 'orders_2026-03-01.csv', 'ok', 120, 119, 0, 1, null, '2026-03-01 07:00:00'),
  ('wms_snapshots', 'snap_ST1.csv', 'ok', 40, 35, 4, 1, null, '2026-03-01 07:00:05'),
  ('products', 'products.csv', 'ok', 3, 3, 0, 0, null, '2026-03-01 06:59:00');

create table ops.quarantine (
  source varchar, file varchar, row_number bigint, column_name varchar, value varchar,
  reason varchar, ingested_at timestamp);
insert into ops.quarantine values
  ('orders', 'orders_2026-03-01.csv', 17, 'qty', '-3', '{QUARANTINE_REASONS["orders"]}', '2026-03-01 07:00:00'),
  ('wms_snapshots', 'snap_ST1.csv', 4, 'sku', 'SKU-ZZ', '{QUARANTINE_REASONS["wms_snapshots"]}', '2026-03-01 07:00:05');
"""


def build_tiny_warehouse(data_dir: Path, publish: bool = True) -> Path:
    """Write the tiny warehouse to `<data_dir>/warehouse/omnistock.duckdb` and return its path; `publish`:
    also publish it for readers (the dashboards read the published copy), as a successful build does."""
    warehouse = data_dir / "warehouse" / "omnistock.duckdb"
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(_SQL)
    if publish:
        publish_for_readers(data_dir)
    return warehouse
