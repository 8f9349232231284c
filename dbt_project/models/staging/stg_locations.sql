with

source as (

    select * from {{ source('raw', 'locations') }}

),

current_versions as (

    {{ current_version('source', ['location_id']) }}

),

renamed as (

    select
        location_id,
        type,
        physical_site,
        owner,
        region,
        lat,
        lon,
        ship_methods,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
