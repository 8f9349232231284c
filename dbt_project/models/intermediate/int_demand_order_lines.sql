{#- Order lines as demand: one row per line of an order that was paid, with the series it
    belongs to (marts.demand_daily) and its value in CNY.

    - Demand is what customers ordered and paid for, on the day they paid (paid_at's date):
      an order never paid (still created, or cancelled at the payment timeout) is no demand;
      one paid and later cancelled, refunded or returned is. An order refunded because no
      location had the stock (paid, refunded, never given a location) is demand that could not
      be filled: unfilled_qty.
    - Bundles count as ordered: the gift set's SKU, not its components (stg_order_lines, not
      int_order_lines_exploded).
    - The series SKU is the end of the ordered SKU's successor chain (int_sku_lineage).
    - Store-bound orders (ship method same_city or pickup, which is how the tills record a sale,
      or any order placed at a store) belong to that store's series; one not yet given a store,
      or refunded because none had the stock, goes to the store covering its delivery region
      (the first by location_id when several do; location_coverage, else the store's own
      region). Every other order is the channel's (location_id null).
    - revenue_cny: qty x unit_price - discount, in the order's currency (else the channel's in
      the fee schedule), converted at the fx_rates rate in force on the demand day, as the
      reconciliation marts convert; a line whose currency has no rate has revenue_cny null.
      list_value_cny: qty x the ordered SKU's list price (CNY). -#}
with

orders as (

    select * from {{ ref('stg_orders') }}

),

lines as (

    select * from {{ ref('stg_order_lines') }}

),

products as (

    select * from {{ ref('stg_products') }}

),

lineage as (

    select * from {{ ref('int_sku_lineage') }}

),

locations as (

    select * from {{ ref('stg_locations') }}

),

coverage as (

    select * from {{ ref('stg_location_coverage') }}

),

fees as (

    select * from {{ ref('channel_fee_schedule') }}

),

rates as (

    select * from {{ ref('int_fx_rates') }}

),

stores as (

    select location_id from locations
    where type = 'store'

),

-- the store serving each region: by coverage, else a store covering its own region
region_stores as (

    select
        region,
        min(location_id) as location_id
    from (
        select
            coverage.region,
            coverage.location_id
        from coverage
        inner join stores
            on coverage.location_id = stores.location_id
        union all
        select
            locations.region,
            locations.location_id
        from locations
        inner join stores
            on locations.location_id = stores.location_id
        where locations.location_id not in (select coverage.location_id from coverage)
    ) as store_regions
    group by region

),

paid_orders as (

    select
        orders.order_id,
        orders.channel_id,
        orders.status,
        orders.location_id,
        orders.ship_method,
        orders.ship_region,
        orders.paid_at,
        cast(orders.paid_at as date) as demand_date,
        coalesce(orders.currency, fees.currency) as currency,
        stores.location_id is not null as at_store,
        orders.status = 'refunded' and orders.location_id is null as refused_for_stock
    from orders
    left join stores
        on orders.location_id = stores.location_id
    left join fees
        on orders.channel_id = fees.channel_id
    where orders.paid_at is not null

),

final as (

    select
        lines.order_id,
        lines.line_no,
        paid_orders.demand_date,
        paid_orders.channel_id,
        case
            when paid_orders.at_store then paid_orders.location_id
            when paid_orders.ship_method in ('same_city', 'pickup') then region_stores.location_id
        end as location_id,
        lines.sku as ordered_sku,
        coalesce(lineage.series_sku, lines.sku) as series_sku,
        lines.qty,
        case when paid_orders.refused_for_stock then lines.qty else 0 end as unfilled_qty,
        paid_orders.currency,
        rates.rate_to_cny as fx_rate,
        cast(
            (lines.qty * coalesce(lines.unit_price, 0) - coalesce(lines.discount, 0)) * rates.rate_to_cny
            as decimal(18, 2)
        ) as revenue_cny,
        cast(lines.qty * products.list_price as decimal(18, 2)) as list_value_cny,
        paid_orders.status
    from lines
    inner join paid_orders
        on lines.order_id = paid_orders.order_id
    left join lineage
        on lines.sku = lineage.sku
    left join products
        on lines.sku = products.sku
    left join region_stores
        on paid_orders.ship_region = region_stores.region
    left join rates
        on
            paid_orders.currency = rates.currency
            and paid_orders.demand_date >= rates.valid_from
            and (rates.valid_to is null or paid_orders.demand_date < rates.valid_to)

)

select * from final
