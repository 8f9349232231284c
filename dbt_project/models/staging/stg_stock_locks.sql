with

source as (

    select * from {{ source('raw', 'stock_locks') }}

),

current_versions as (

    {{ current_version('source', ['lock_id']) }}

),

renamed as (

    select
        lock_id,
        location_id,
        sku,
        cast(qty as bigint) as qty,
        reason,
        starts_at,
        ends_at,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
