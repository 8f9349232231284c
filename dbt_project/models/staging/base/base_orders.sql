{{
    config(
        materialized='incremental',
        unique_key='_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}
{#- The current version of each orders row, kept incrementally (macro incremental_current_version). -#}
{{ incremental_current_version('orders', ['order_id'], version='updated_at') }}
