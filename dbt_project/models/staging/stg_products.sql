with

source as (

    select * from {{ source('raw', 'products') }}

),

current_versions as (

    {{ current_version('source', ['sku']) }}

),

renamed as (

    select
        sku,
        name,
        category,
        cast(unit_cost as decimal(18, 2)) as unit_cost,
        cast(list_price as decimal(18, 2)) as list_price,
        cast(shelf_life_days as bigint) as shelf_life_days,
        cast(case_pack as bigint) as case_pack,
        cast(moq as bigint) as moq,
        successor_sku,
        _file as source_file,
        _row as source_row
    from current_versions

)

select * from renamed
