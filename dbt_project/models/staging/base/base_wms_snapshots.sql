{{
    config(
        materialized='incremental',
        unique_key='_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}
{#- The current version of each wms snapshots row, kept incrementally (macro incremental_current_version). -#}
{{ incremental_current_version('wms_snapshots', ['as_of', 'location_id', 'sku', 'lot_no', 'bin', 'status']) }}
