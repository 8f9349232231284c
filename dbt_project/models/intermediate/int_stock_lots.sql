{#- Lot-level stock per location. Flow-mode locations (those with a movement ledger)
    replay their movements up to as_of; every other location takes its latest snapshot
    (quantity mode), which replaces all earlier ones. -#}
with

as_of as (

    select as_of from {{ ref('int_as_of') }}

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

flow_locations as (

    select distinct location_id from movements

),

flow_lots as (

    select
        location_id,
        owner,
        sku,
        lot_no,
        production_date,
        expiry_date,
        bin,
        coalesce(status, 'available') as status,
        sum(qty_delta) as qty,
        max(occurred_at) as observed_at,
        'flow' as stock_mode
    from movements
    group by location_id, owner, sku, lot_no, production_date, expiry_date, bin, coalesce(status, 'available')

),

latest_snapshot as (

    select
        location_id,
        max(as_of) as latest_as_of
    from snapshots
    where location_id not in (select flow_locations.location_id from flow_locations)
    group by location_id

),

quantity_lots as (

    select
        snapshots.location_id,
        snapshots.owner,
        snapshots.sku,
        snapshots.lot_no,
        snapshots.production_date,
        snapshots.expiry_date,
        snapshots.bin,
        coalesce(snapshots.status, 'available') as status,
        sum(snapshots.qty) as qty,
        max(snapshots.as_of) as observed_at,
        'quantity' as stock_mode
    from snapshots
    inner join latest_snapshot
        on
            snapshots.location_id = latest_snapshot.location_id
            and snapshots.as_of = latest_snapshot.latest_as_of
    group by
        snapshots.location_id, snapshots.owner, snapshots.sku, snapshots.lot_no,
        snapshots.production_date, snapshots.expiry_date, snapshots.bin,
        coalesce(snapshots.status, 'available')

),

final as (

    select * from flow_lots
    where qty <> 0
    union all
    select * from quantity_lots
    where qty <> 0

)

select * from final
