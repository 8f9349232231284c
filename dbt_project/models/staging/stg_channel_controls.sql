with

source as (

    select * from {{ source('raw', 'channel_controls') }}

),

current_versions as (

    {{ current_version('source', ['channel_id', 'sku', 'kind', 'starts_at']) }}

),

renamed as (

    select
        channel_id,
        sku,
        kind,
        cast(qty as bigint) as qty,
        starts_at,
        ends_at,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
