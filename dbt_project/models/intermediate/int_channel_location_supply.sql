{#- What each supplying location can give each channel, per stock SKU:
    floor(r x sales_available), where r is the rule's max_ratio (the largest over ship
    methods) and sales_available only counts lots with at least the channel's minimum
    remaining shelf life: eligible available stock minus everything claimed at the
    location (O + T + L), never below 0. Rounding is always down. -#}
with

as_of as (

    select as_of from {{ ref('int_as_of') }}

),

channels as (

    select
        channel_id,
        coalesce(min_shelf_life_days, 0) as min_shelf_life_days
    from {{ ref('stg_channels') }}

),

rules as (

    select
        channel_id,
        location_id,
        max(max_ratio) as max_ratio
    from {{ ref('stg_supply_rules') }}
    where max_ratio between 0 and 1
    group by channel_id, location_id

),

stock as (

    select * from {{ ref('int_location_sku_stock') }}

),

available_lots as (

    select
        lots.location_id,
        lots.sku,
        lots.expiry_date,
        lots.qty
    from {{ ref('int_stock_lots') }} as lots
    where lots.status = 'available'

),

eligible as (

    select
        rules.channel_id,
        available_lots.location_id,
        available_lots.sku,
        sum(available_lots.qty) as eligible_available
    from rules
    inner join channels
        on rules.channel_id = channels.channel_id
    inner join available_lots
        on rules.location_id = available_lots.location_id
    cross join as_of
    where
        available_lots.expiry_date is null
        or {{ dbt.datediff('cast(as_of.as_of as date)', 'available_lots.expiry_date', 'day') }}
        >= channels.min_shelf_life_days
    group by rules.channel_id, available_lots.location_id, available_lots.sku

),

final as (

    select
        rules.channel_id,
        stock.location_id,
        stock.sku,
        rules.max_ratio,
        stock.sales_available,
        greatest(
            coalesce(eligible.eligible_available, 0)
            - stock.order_occupied - stock.transfer_occupied - stock.locked,
            0
        ) as channel_sales_available,
        cast(floor(
            rules.max_ratio * greatest(
                coalesce(eligible.eligible_available, 0)
                - stock.order_occupied - stock.transfer_occupied - stock.locked,
                0
            )
        ) as bigint) as allocatable
    from rules
    inner join stock
        on rules.location_id = stock.location_id
    left join eligible
        on
            rules.channel_id = eligible.channel_id
            and stock.location_id = eligible.location_id
            and stock.sku = eligible.sku

)

select * from final
