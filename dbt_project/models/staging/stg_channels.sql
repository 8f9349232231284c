with

source as (

    select * from {{ source('raw', 'channels') }}

),

renamed as (

    select
        channel_id,
        platform,
        kind,
        cast(payment_timeout_minutes as bigint) as payment_timeout_minutes,
        cast(min_shelf_life_days as bigint) as min_shelf_life_days,
        cast(low_stock_threshold as bigint) as low_stock_threshold
    from source

)

select * from renamed
