with

source as (

    select * from {{ source('raw', 'inbound_asn') }}

),

current_versions as (

    {{ current_version('source', ['asn_id', 'sku']) }}

),

renamed as (

    select
        asn_id,
        location_id,
        sku,
        cast(qty as bigint) as qty,
        expected_at,
        status,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
