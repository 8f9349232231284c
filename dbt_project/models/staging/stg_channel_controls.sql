with

source as (

    select * from {{ source('raw', 'channel_controls') }}

),

renamed as (

    select
        channel_id,
        sku,
        kind,
        cast(qty as bigint) as qty,
        starts_at,
        ends_at
    from source

)

select * from renamed
