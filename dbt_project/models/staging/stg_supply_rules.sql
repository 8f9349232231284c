with

source as (

    select * from {{ source('raw', 'supply_rules') }}

),

renamed as (

    select
        channel_id,
        location_id,
        ship_method,
        cast(max_ratio as decimal(9, 6)) as max_ratio
    from source

)

select * from renamed
