{#- What already claims stock at each location and SKU, and what is on its way:
    O (paid lines assigned here, not yet shipped), T (approved outbound transfers),
    L (active manual locks), A (transfers shipped to here, not yet received) and
    supplier ASNs in transit. -#}
with

as_of as (

    select as_of from {{ ref('int_as_of') }}

),

order_occupied as (

    select
        location_id,
        sku,
        qty,
        'order_occupied' as claim
    from {{ ref('int_order_lines_exploded') }}
    where
        status in ('paid', 'allocated')
        and location_id is not null

),

transfers as (

    select * from {{ ref('stg_transfers') }}

),

transfer_occupied as (

    select
        from_location as location_id,
        sku,
        qty,
        'transfer_occupied' as claim
    from transfers
    where status = 'approved'

),

transfer_in_air as (

    select
        to_location as location_id,
        sku,
        qty,
        'transfer_in_air' as claim
    from transfers
    where status = 'shipped'

),

inbound_in_transit as (

    select
        location_id,
        sku,
        qty,
        'inbound_in_transit' as claim
    from {{ ref('stg_inbound_asn') }}
    where status = 'in_transit'

),

locked as (

    select
        locks.location_id,
        locks.sku,
        locks.qty,
        'locked' as claim
    from {{ ref('stg_stock_locks') }} as locks
    cross join as_of
    where
        (locks.starts_at is null or locks.starts_at <= as_of.as_of)
        and (locks.ends_at is null or locks.ends_at > as_of.as_of)

),

claims as (

    select * from order_occupied
    union all
    select * from transfer_occupied
    union all
    select * from transfer_in_air
    union all
    select * from inbound_in_transit
    union all
    select * from locked

),

final as (

    select
        location_id,
        sku,
        sum(case when claim = 'order_occupied' then qty else 0 end) as order_occupied,
        sum(case when claim = 'transfer_occupied' then qty else 0 end) as transfer_occupied,
        sum(case when claim = 'locked' then qty else 0 end) as locked,
        sum(case when claim = 'transfer_in_air' then qty else 0 end) as transfer_in_air,
        sum(case when claim = 'inbound_in_transit' then qty else 0 end) as inbound_in_transit
    from claims
    group by location_id, sku

)

select * from final
