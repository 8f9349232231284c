{#- The WMS count of each flow-mode location (one with a movement ledger) against the
    stock the documents say it should have: the previous count rolled forward with the
    movements in between (inbound, outbound, transfers, returns, adjustments), and the
    ledger itself. One row per location, SKU and count (lots, bins and statuses summed).
    Quantity-mode locations (stores) have no ledger to compare with and are not listed. -#}
with

movements as (

    select * from {{ ref('stg_wms_movements') }}

),

snapshots as (

    select * from {{ ref('stg_wms_snapshots') }}

),

flow_locations as (

    select distinct location_id from movements

),

counts as (

    select
        snapshots.location_id,
        snapshots.sku,
        snapshots.as_of as counted_at,
        sum(snapshots.qty) as counted_qty,
        min(snapshots.source_file || ':' || cast(snapshots.source_row as {{ dbt.type_string() }})) as first_count_row
    from snapshots
    inner join flow_locations
        on snapshots.location_id = flow_locations.location_id
    group by snapshots.location_id, snapshots.sku, snapshots.as_of

),

count_times as (

    select distinct
        location_id,
        counted_at
    from counts

),

location_skus as (

    select distinct
        location_id,
        sku
    from movements
    union
    select distinct
        location_id,
        sku
    from counts

),

-- every SKU the location ever held is counted at every count (absent means zero)
count_grid as (

    select
        count_times.location_id,
        location_skus.sku,
        count_times.counted_at,
        coalesce(counts.counted_qty, 0) as counted_qty,
        counts.first_count_row
    from count_times
    inner join location_skus
        on count_times.location_id = location_skus.location_id
    left join counts
        on
            count_times.location_id = counts.location_id
            and location_skus.sku = counts.sku
            and count_times.counted_at = counts.counted_at

),

movement_totals as (

    select
        location_id,
        sku,
        occurred_at,
        sum(case when qty_delta > 0 then qty_delta else 0 end) as qty_in,
        sum(case when qty_delta < 0 then -qty_delta else 0 end) as qty_out
    from movements
    group by location_id, sku, occurred_at

),

events as (

    select
        location_id,
        sku,
        occurred_at as event_at,
        0 as is_count,
        qty_in,
        qty_out,
        cast(null as bigint) as counted_qty,
        cast(null as {{ dbt.type_string() }}) as first_count_row
    from movement_totals
    union all
    select
        location_id,
        sku,
        counted_at as event_at,
        1 as is_count,
        0 as qty_in,
        0 as qty_out,
        counted_qty,
        first_count_row
    from count_grid

),

-- movements at the very moment of a count are in it (counts sort after movements)
running as (

    select
        *,
        sum(qty_in) over (
            partition by location_id, sku order by event_at, is_count
            rows between unbounded preceding and current row
        ) as cumulative_in,
        sum(qty_out) over (
            partition by location_id, sku order by event_at, is_count
            rows between unbounded preceding and current row
        ) as cumulative_out
    from events

),

at_counts as (

    select
        location_id,
        sku,
        event_at as counted_at,
        counted_qty,
        first_count_row,
        cumulative_in - cumulative_out as ledger_qty,
        cumulative_in - coalesce(lag(cumulative_in) over (
            partition by location_id, sku order by event_at
        ), 0) as inbound_qty,
        cumulative_out - coalesce(lag(cumulative_out) over (
            partition by location_id, sku order by event_at
        ), 0) as outbound_qty,
        lag(counted_qty) over (partition by location_id, sku order by event_at) as previous_count_qty
    from running
    where is_count = 1

),

final as (

    select
        location_id,
        sku,
        cast(counted_at as date) as business_date,
        counted_at,
        previous_count_qty,
        inbound_qty,
        outbound_qty,
        coalesce(previous_count_qty + inbound_qty - outbound_qty, ledger_qty) as expected_qty,
        ledger_qty,
        counted_qty,
        counted_qty - coalesce(previous_count_qty + inbound_qty - outbound_qty, ledger_qty) as drift_qty,
        counted_qty - ledger_qty as drift_vs_ledger_qty,
        counted_qty <> coalesce(previous_count_qty + inbound_qty - outbound_qty, ledger_qty)
        and counted_qty <> ledger_qty as is_drift,
        first_count_row
    from at_counts

)

select * from final
