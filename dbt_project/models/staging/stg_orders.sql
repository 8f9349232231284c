with

current_versions as (

    select * from {{ ref('base_orders') }}

),

renamed as (

    select
        order_id,
        channel_id,
        customer_id,
        member_tier,
        status,
        created_at,
        paid_at,
        updated_at,
        ship_method,
        ship_region,
        location_id,
        -- an ISO 4217 code as written, tidied; null: the channel's currency applies (reconciliation)
        nullif(upper(trim(currency)), '') as currency,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
