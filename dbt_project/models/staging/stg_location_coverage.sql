with

source as (

    select * from {{ source('raw', 'location_coverage') }}

),

current_versions as (

    {{ current_version('source', ['location_id', 'region']) }}

),

renamed as (

    select
        location_id,
        region,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
