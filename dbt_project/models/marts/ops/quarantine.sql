{#- Every row or file ingestion refused, with its file, row, column, value and reason. -#}
with

source as (

    select * from {{ source('ingest', 'quarantine') }}

),

final as (

    select
        source,
        file,
        row_number,
        column_name,
        value,
        reason,
        delivery_id,
        ingested_at
    from source

)

select * from final
