with

source as (

    select * from {{ source('raw', 'orders') }}

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
        location_id
    from source

)

select * from renamed
