{#- Per channel and stock SKU: units held by unpaid orders (until the channel's payment
    timeout), paid lines not yet assigned to a location, and the channel's active
    presale, virtual and reserve controls. -#}
with

as_of as (

    select as_of from {{ ref('int_as_of') }}

),

channels as (

    select
        channel_id,
        coalesce(payment_timeout_minutes, {{ var('default_payment_timeout_minutes') }}) as payment_timeout_minutes
    from {{ ref('stg_channels') }}

),

lines as (

    select * from {{ ref('int_order_lines_exploded') }}

),

unpaid_held as (

    select
        lines.channel_id,
        lines.sku,
        lines.qty,
        'unpaid_held' as claim
    from lines
    inner join channels
        on lines.channel_id = channels.channel_id
    cross join as_of
    where
        lines.status = 'created'
        and lines.created_at <= as_of.as_of
        and {{ dbt.datediff('lines.created_at', 'as_of.as_of', 'minute') }} < channels.payment_timeout_minutes

),

pending_allocation as (

    select
        channel_id,
        sku,
        qty,
        'pending_allocation' as claim
    from lines
    where
        status = 'paid'
        and location_id is null

),

controls as (

    select
        controls.channel_id,
        controls.sku,
        controls.qty,
        controls.kind as claim
    from {{ ref('stg_channel_controls') }} as controls
    cross join as_of
    where
        (controls.starts_at is null or controls.starts_at <= as_of.as_of)
        and (controls.ends_at is null or controls.ends_at > as_of.as_of)

),

claims as (

    select * from unpaid_held
    union all
    select * from pending_allocation
    union all
    select * from controls

),

final as (

    select
        channel_id,
        sku,
        sum(case when claim = 'unpaid_held' then qty else 0 end) as unpaid_held,
        sum(case when claim = 'pending_allocation' then qty else 0 end) as pending_allocation,
        sum(case when claim = 'presale' then qty else 0 end) as presale,
        sum(case when claim = 'virtual' then qty else 0 end) as virtual,
        sum(case when claim = 'reserve' then qty else 0 end) as reserved
    from claims
    group by channel_id, sku

)

select * from final
