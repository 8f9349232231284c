{#- Douyin live-stream days, found in the orders (there is no live-stream feed). A live
    stream pulls orders to Douyin for the day, so Douyin's share of all orders placed that day
    jumps (about 2.2x on the generated brand) while nothing else moves it much (at most 1.3x on
    an ordinary day). A day is a live-stream day when Douyin's share of the day's orders
    (created_at, paid or not: the timing of ordering is the evidence) is at least
    var('live_stream_share_ratio', 1.6) times the median of that share over the 29 days around
    it (14 before, 14 after: robust to the live days among them), with at least
    var('live_stream_min_orders', 10) Douyin orders that day. Douyin channels are those whose
    platform is Douyin. One row per day with orders. -#}
{%- set share_ratio = var('live_stream_share_ratio', 1.6) -%}
{%- set min_orders = var('live_stream_min_orders', 10) | int -%}
with

orders as (

    select * from {{ ref('stg_orders') }}

),

channels as (

    select * from {{ ref('stg_channels') }}

),

daily as (

    select
        cast(orders.created_at as date) as order_date,
        count(*) as orders,
        count(*) filter (where lower(channels.platform) = 'douyin') as douyin_orders
    from orders
    left join channels
        on orders.channel_id = channels.channel_id
    where orders.created_at is not null
    group by cast(orders.created_at as date)

),

shares as (

    select
        order_date,
        orders,
        douyin_orders,
        douyin_orders / orders as douyin_share,
        median(douyin_orders / orders) over (
            order by order_date rows between 14 preceding and 14 following
        ) as typical_share
    from daily

),

final as (

    select
        order_date,
        orders,
        douyin_orders,
        douyin_share,
        typical_share,
        douyin_share / nullif(typical_share, 0) as share_ratio,
        coalesce(
            douyin_orders >= {{ min_orders }}
            and douyin_share >= {{ share_ratio }} * typical_share,
            false
        ) as is_live_stream
    from shares

)

select * from final
