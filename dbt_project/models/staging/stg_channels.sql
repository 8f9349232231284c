with

source as (

    select * from {{ source('raw', 'channels') }}

),

current_versions as (

    {{ current_version('source', ['channel_id']) }}

),

renamed as (

    select
        channel_id,
        platform,
        kind,
        cast(payment_timeout_minutes as bigint) as payment_timeout_minutes,
        cast(min_shelf_life_days as bigint) as min_shelf_life_days,
        cast(low_stock_threshold as bigint) as low_stock_threshold,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
