with

source as (

    select * from {{ source('raw', 'bundle_components') }}

),

current_versions as (

    {{ current_version('source', ['bundle_sku', 'component_sku']) }}

),

renamed as (

    select
        bundle_sku,
        component_sku,
        cast(qty as bigint) as qty,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
