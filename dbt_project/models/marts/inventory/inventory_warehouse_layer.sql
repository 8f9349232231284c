{#- Warehouse layer: what the WMS and store systems hold, per owner, location, SKU,
    lot, bin and status, with the shelf life left on the day of as_of. -#}
with

as_of as (

    select as_of from {{ ref('int_as_of') }}

),

lots as (

    select * from {{ ref('int_stock_lots') }}

),

locations as (

    select * from {{ ref('stg_locations') }}

),

final as (

    select
        lots.owner,
        lots.location_id,
        locations.type as location_type,
        locations.physical_site,
        lots.sku,
        lots.lot_no,
        lots.production_date,
        lots.expiry_date,
        lots.status,
        lots.bin,
        cast(lots.qty as bigint) as qty,
        cast({{ dbt.datediff('cast(as_of.as_of as date)', 'lots.expiry_date', 'day') }} as integer)
            as shelf_life_days_left,
        lots.stock_mode,
        lots.observed_at,
        as_of.as_of
    from lots
    cross join as_of
    left join locations
        on lots.location_id = locations.location_id

)

select * from final
