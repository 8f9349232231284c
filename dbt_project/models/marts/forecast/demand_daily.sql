{#- Daily demand per series, the forecast's input (docs/forecast.md, "Input: marts.demand_daily").

    A series is a SKU lineage (the current SKU: a predecessor's sales are folded into its
    successor's, int_sku_lineage) on a channel, and at a store for store-bound orders (same-city
    delivery, pickup, the tills): series_id = sku | channel_id | location_id (empty when none).
    One row per series and day from its first sale to the as_of day, days without sales at 0.
    Units and revenue come from int_demand_order_lines (paid orders, on their payment day;
    bundles as ordered).

    Stock-out: the series had nothing to sell that day when the available stock it draws on
    was 0 (or less) at the end of the day before (int_location_sku_daily_stock): for a store
    series the store's, for a channel series the sum over the locations supplying the channel
    by a ship method other than same_city / pickup (supply_rules, max_ratio > 0). A lineage
    counts the stock of all its SKUs, a bundle what its components make at each location.
    A location is known from its first movement (flow mode) or its first count (quantity
    mode); when no supplying location is known that day, the stock is null and the day is not
    a stock-out. -#}
with

lines as (

    select * from {{ ref('int_demand_order_lines') }}

),

lineage as (

    select * from {{ ref('int_sku_lineage') }}

),

products as (

    select * from {{ ref('stg_products') }}

),

stock as (

    select * from {{ ref('int_location_sku_daily_stock') }}

),

supply_rules as (

    select * from {{ ref('stg_supply_rules') }}

),

as_of as (

    select cast(as_of as date) as as_of_date from {{ ref('int_as_of') }}

),

calendar as (

    select * from {{ ref('promo_calendar') }}

),

live_streams as (

    select * from {{ ref('int_live_stream_days') }}

),

bundle_components as (

    {{ bundle_components() }}

),

bundles as (

    select distinct bundle_sku as sku from bundle_components

),

-- series and their days
series as (

    select
        series_sku || '|' || channel_id || '|' || coalesce(location_id, '') as series_id,
        series_sku as sku,
        channel_id,
        location_id,
        min(demand_date) as first_sale_date
    from lines
    group by series_sku, channel_id, location_id

),

series_days as (

    select
        series.series_id,
        series.first_sale_date,
        cast(unnest(generate_series(series.first_sale_date, as_of.as_of_date, interval 1 day)) as date) as date
    from series
    cross join as_of

),

sales as (

    select
        series_sku || '|' || channel_id || '|' || coalesce(location_id, '') as series_id,
        demand_date as date,
        sum(qty) as units,
        sum(unfilled_qty) as units_unfilled,
        sum(revenue_cny) as revenue,
        sum(list_value_cny) filter (where revenue_cny is not null) as list_value
    from lines
    group by series_sku || '|' || channel_id || '|' || coalesce(location_id, ''), demand_date

),

-- the calendar: the promotion and the holiday naming each day (lowest priority number)
days as (

    select distinct date from series_days

),

day_events as (

    select
        days.date,
        arg_min(calendar.event_name, calendar.priority) filter (where calendar.is_promo) as promo_name,
        arg_min(calendar.event_name, calendar.priority) filter (where not calendar.is_promo) as holiday_name
    from days
    inner join calendar
        on
            strftime(days.date, '%m-%d') between calendar.first_day and calendar.last_day
            and (calendar.year is null or calendar.year = year(days.date))
    group by days.date

),

-- stock: what each location held of each series SKU at the end of each day
location_days as (

    select distinct
        location_id,
        stock_date
    from stock

),

location_bundles as (

    select
        location_days.location_id,
        location_days.stock_date,
        bundles.sku
    from location_days
    cross join bundles

),

bundle_stock as (

    {{ bundles_from_components(
        'location_bundles', 'stock', ['location_id', 'stock_date'], ['end_of_day_qty']
    ) }}

),

sku_stock as (

    select
        location_id,
        stock_date,
        sku,
        end_of_day_qty
    from stock
    union all
    select
        location_id,
        stock_date,
        sku,
        cast(end_of_day_qty as bigint) as end_of_day_qty
    from bundle_stock

),

series_stock as (

    select
        sku_stock.location_id,
        sku_stock.stock_date,
        coalesce(lineage.series_sku, sku_stock.sku) as sku,
        sum(sku_stock.end_of_day_qty) as end_of_day_qty
    from sku_stock
    left join lineage
        on sku_stock.sku = lineage.sku
    group by sku_stock.location_id, sku_stock.stock_date, coalesce(lineage.series_sku, sku_stock.sku)

),

known_locations as (

    select
        location_id,
        min(stock_date) as first_known_date
    from stock
    group by location_id

),

-- the locations each series draws on: its store, or the channel's supplying locations
series_locations as (

    select distinct
        series.series_id,
        series.sku,
        coalesce(series.location_id, supply_rules.location_id) as supply_location_id
    from series
    left join supply_rules
        on
            series.location_id is null
            and series.channel_id = supply_rules.channel_id
            and supply_rules.ship_method not in ('same_city', 'pickup')
            and supply_rules.max_ratio > 0
    where coalesce(series.location_id, supply_rules.location_id) is not null

),

series_day_stock as (

    select
        series_days.series_id,
        series_days.date,
        sum(coalesce(series_stock.end_of_day_qty, 0)) as available_at_start,
        avg(case when coalesce(series_stock.end_of_day_qty, 0) <= 0 then 1.0 else 0.0 end) as stockout_share
    from series_days
    inner join series_locations
        on series_days.series_id = series_locations.series_id
    inner join known_locations
        on
            series_locations.supply_location_id = known_locations.location_id
            and series_days.date - 1 >= known_locations.first_known_date
    left join series_stock
        on
            series_locations.supply_location_id = series_stock.location_id
            and series_locations.sku = series_stock.sku
            and series_days.date - 1 = series_stock.stock_date
    group by series_days.series_id, series_days.date

),

final as (

    select
        series_days.series_id,
        series_days.date,
        series.sku,
        series.channel_id,
        series.location_id,
        cast(coalesce(sales.units, 0) as bigint) as units,
        cast(coalesce(sales.units_unfilled, 0) as bigint) as units_unfilled,
        cast(case when coalesce(sales.units, 0) = 0 then 0 else sales.revenue end as decimal(18, 2)) as revenue,
        cast(sales.revenue / nullif(sales.units, 0) as decimal(18, 2)) as avg_price,
        cast(round(1 - sales.revenue / nullif(sales.list_value, 0), 4) as double) as avg_discount,
        cast(products.list_price as decimal(18, 2)) as list_price,
        day_events.promo_name is not null as is_promo_day,
        day_events.promo_name,
        day_events.holiday_name,
        coalesce(live_streams.is_live_stream, false) as is_live_stream,
        cast(series_day_stock.available_at_start as bigint) as available_at_start,
        coalesce(series_day_stock.available_at_start <= 0, false) as is_stockout,
        cast(series_day_stock.stockout_share as double) as stockout_share,
        products.category,
        bundles.sku is not null as is_bundle,
        lineage.predecessor_sku,
        series_days.first_sale_date
    from series_days
    inner join series
        on series_days.series_id = series.series_id
    left join sales
        on
            series_days.series_id = sales.series_id
            and series_days.date = sales.date
    left join series_day_stock
        on
            series_days.series_id = series_day_stock.series_id
            and series_days.date = series_day_stock.date
    left join day_events
        on series_days.date = day_events.date
    left join live_streams
        on series_days.date = live_streams.order_date
    left join products
        on series.sku = products.sku
    left join bundles
        on series.sku = bundles.sku
    left join lineage
        on series.sku = lineage.sku

)

select * from final
