with

source as (

    select * from {{ source('raw', 'supply_rules') }}

),

current_versions as (

    {{ current_version('source', ['channel_id', 'location_id', 'ship_method']) }}

),

renamed as (

    select
        channel_id,
        location_id,
        ship_method,
        cast(max_ratio as decimal(9, 6)) as max_ratio,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
