{#- Available stock per location, SKU and day, at the end of the day, from the first day a
    location reports to the as_of day: what a day's sales could draw on is the previous day's
    end (demand_daily's stock-out rule). Stock SKUs only (bundles are built from these by
    demand_daily); statuses other than available (frozen, quality_hold ...) never count.

    - flow-mode locations (any movement in the ledger): the ledger's available movements summed
      up to the end of the day (exact, as in int_stock_lots).
    - quantity-mode locations (stores): the latest count of the location (a SKU it does not list
      counts 0) rolled forward with what the documents say moved since: transfers received in
      (+, at the transfer's updated_at), transfers shipped out (-, at updated_at: once received
      the shipping time is lost, so it may be late), and units of orders placed at the location
      (-, at paid_at; orders cancelled or refunded give nothing back and are left out). Days
      before the location's first count are unknown and have no row.
    Rows are kept for every SKU the location ever held or moved; a negative estimate (a count
    short of what was sold) is kept as is. -#}
with

as_of as (

    select
        as_of,
        cast(as_of as date) as as_of_date
    from {{ ref('int_as_of') }}

),

movements as (

    select movements.*
    from {{ ref('stg_wms_movements') }} as movements
    cross join as_of
    where movements.occurred_at <= as_of.as_of

),

snapshots as (

    select snapshots.*
    from {{ ref('stg_wms_snapshots') }} as snapshots
    cross join as_of
    where snapshots.as_of <= as_of.as_of

),

transfers as (

    select transfers.*
    from {{ ref('stg_transfers') }} as transfers
    cross join as_of
    where transfers.updated_at <= as_of.as_of

),

order_lines as (

    select order_lines.*
    from {{ ref('int_order_lines_exploded') }} as order_lines
    cross join as_of
    where order_lines.paid_at <= as_of.as_of

),

flow_locations as (

    select distinct location_id from movements

),

-- flow mode: the ledger's available movements, summed per day
flow_days as (

    select
        location_id,
        sku,
        cast(occurred_at as date) as stock_date,
        sum(case when coalesce(status, 'available') = 'available' then qty_delta else 0 end) as qty_change
    from movements
    group by location_id, sku, cast(occurred_at as date)

),

flow_balances as (

    select
        location_id,
        sku,
        stock_date,
        sum(qty_change) over (
            partition by location_id, sku order by stock_date
            rows between unbounded preceding and current row
        ) as end_of_day_qty
    from flow_days

),

-- quantity mode: counts, and the documents that move stock between counts
counts as (

    select
        snapshots.location_id,
        snapshots.sku,
        snapshots.as_of as event_at,
        sum(case when coalesce(snapshots.status, 'available') = 'available' then snapshots.qty else 0 end) as qty
    from snapshots
    anti join flow_locations
        on snapshots.location_id = flow_locations.location_id
    group by snapshots.location_id, snapshots.sku, snapshots.as_of

),

documents as (

    select
        to_location as location_id,
        sku,
        updated_at as event_at,
        qty
    from transfers
    where status = 'received'
    union all
    select
        from_location as location_id,
        sku,
        updated_at as event_at,
        -qty as qty
    from transfers
    where status in ('shipped', 'received')
    union all
    select
        location_id,
        sku,
        paid_at as event_at,
        -qty as qty
    from order_lines
    where location_id is not null and status not in ('cancelled', 'refunded')

),

quantity_documents as (

    select documents.*
    from documents
    anti join flow_locations
        on documents.location_id = flow_locations.location_id

),

count_times as (

    select distinct
        location_id,
        event_at
    from counts

),

location_skus as (

    select distinct
        location_id,
        sku
    from counts
    union
    select distinct
        location_id,
        sku
    from quantity_documents

),

-- every SKU of the location at every count: one it does not list counts 0
quantity_events as (

    select
        count_times.location_id,
        location_skus.sku,
        count_times.event_at,
        1 as is_count,
        coalesce(counts.qty, 0) as qty
    from count_times
    inner join location_skus
        on count_times.location_id = location_skus.location_id
    left join counts
        on
            count_times.location_id = counts.location_id
            and location_skus.sku = counts.sku
            and count_times.event_at = counts.event_at
    union all
    select
        location_id,
        sku,
        event_at,
        0 as is_count,
        qty
    from quantity_documents

),

-- a count resets the balance; documents at the very moment of a count are in it (counts sort last)
quantity_groups as (

    select
        *,
        sum(is_count) over (
            partition by location_id, sku order by event_at, is_count
            rows between unbounded preceding and current row
        ) as count_group
    from quantity_events

),

quantity_running as (

    select
        location_id,
        sku,
        event_at,
        sum(qty) over (
            partition by location_id, sku, count_group order by event_at, is_count
            rows between unbounded preceding and current row
        ) as balance,
        row_number() over (
            partition by location_id, sku, cast(event_at as date) order by event_at desc, is_count desc
        ) as latest_of_day
    from quantity_groups
    where count_group > 0

),

quantity_balances as (

    select
        location_id,
        sku,
        cast(event_at as date) as stock_date,
        balance as end_of_day_qty
    from quantity_running
    where latest_of_day = 1

),

balances as (

    select * from flow_balances
    union all
    select * from quantity_balances

),

starts as (

    select
        location_id,
        sku,
        min(stock_date) as first_date
    from balances
    group by location_id, sku

),

spine as (

    select
        starts.location_id,
        starts.sku,
        cast(unnest(generate_series(starts.first_date, as_of.as_of_date, interval 1 day)) as date) as stock_date
    from starts
    cross join as_of

),

-- days without a change carry the last balance forward
filled as (

    select
        spine.location_id,
        spine.sku,
        spine.stock_date,
        balances.end_of_day_qty,
        count(balances.end_of_day_qty) over (
            partition by spine.location_id, spine.sku order by spine.stock_date
            rows between unbounded preceding and current row
        ) as balance_group
    from spine
    left join balances
        on
            spine.location_id = balances.location_id
            and spine.sku = balances.sku
            and spine.stock_date = balances.stock_date

),

final as (

    select
        filled.location_id,
        filled.sku,
        filled.stock_date,
        cast(max(filled.end_of_day_qty) over (
            partition by filled.location_id, filled.sku, filled.balance_group
        ) as bigint) as end_of_day_qty,
        flow_locations.location_id is not null as is_flow_mode
    from filled
    left join flow_locations
        on filled.location_id = flow_locations.location_id

)

select * from final
