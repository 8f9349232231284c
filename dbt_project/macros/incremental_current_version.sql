{#- The columns of a raw source as declared in models/staging/__sources.yml, plus the
    lineage every raw row carries (pipelines/ingest/raw_zone.py). -#}
{% macro raw_columns(table) %}
{%- if not execute -%}
{{ return([]) }}
{%- endif -%}
{%- set node = graph.sources.values()
    | selectattr('source_name', 'equalto', 'raw')
    | selectattr('name', 'equalto', table) | first -%}
{{ return(node.columns.keys() | list + ['_delivery_id', '_delivery_seq', '_row', '_file', '_ingested_at']) }}
{% endmacro %}


{#- The rows of a raw source. A column declared `meta: {optional: true}` in __sources.yml was
    added to the contract after parts were written: read_parquet(union_by_name) gives a null for
    a part without it, but when no part has it yet the column does not exist at all. An empty
    relation that has it, unioned by name, makes it exist (null), so a data folder written
    before the column was added builds as it is, without --full-refresh. -#}
{% macro raw_rows(table) %}
{%- set optional = [] -%}
{%- if execute -%}
{%- set node = graph.sources.values()
    | selectattr('source_name', 'equalto', 'raw')
    | selectattr('name', 'equalto', table) | first -%}
{%- for column in node.columns.values() if (column.meta or {}).get('optional') -%}
{%- do optional.append(column) -%}
{%- endfor -%}
{%- endif -%}
{%- if optional -%}
    (
        select {% for column in optional -%}
cast(null as {{ column.data_type }}) as {{ column.name }}{% if not loop.last %}, {% endif %}
        {%- endfor %}
        where false
        union all by name
        select * from {{ source('raw', table) }}
    ) as raw_rows
    {%- else -%}
{{ source('raw', table) }}
{%- endif -%}
{% endmacro %}


{#- A key that is never null, for keys with nullable parts (a snapshot's lot and bin). -#}
{% macro version_key(keys, alias=none) %}
    concat_ws('|', {% for key in keys -%}
coalesce(cast({% if alias %}{{ alias }}.{% endif %}{{ key }} as {{ dbt.type_string() }}), '~')
{%- if not loop.last %}, {% endif %}
{%- endfor %})
{% endmacro %}


{#- The current version of every key of a raw source (macro current_version), kept
    incrementally: a build reads only the rows ingested since the last build and
    competes them with the versions already kept for the same keys, so a 5-minute
    micro-batch does not re-rank two years. When rows leave the raw zone (a delivery
    corrected in place, a full refresh of ingestion) ingestion asks for a full
    refresh instead (pipelines/defs/dbt/assets.py). Built at once or incrementally, it keeps
    the rows Python's current_versions keeps (tests/dbt/test_current_version_agrees.py). -#}
{% macro incremental_current_version(table, keys, version=none) %}
{%- set columns = raw_columns(table) -%}
with

source as (

    select
        {{ columns | join(',\n        ') }},
        {{ version_key(keys) }} as _key
    from {{ raw_rows(table) }}
{%- if is_incremental() %}
    where _ingested_at > (
        select coalesce(max(_ingested_at), cast('1900-01-01 00:00:00' as timestamp)) from {{ this }}
    )
{%- endif %}

),

{% if is_incremental() -%}
new_keys as (

    select distinct _key from source

),

kept as (

    -- every column kept, by name: a table built before an optional column was added lacks it
    -- (on_schema_change append_new_columns adds it after this select), and reads it as null
    select kept_versions.*
    from {{ this }} as kept_versions
    inner join new_keys
        on kept_versions._key = new_keys._key

),

candidates as (

    select * from source
    union all by name
    select * from kept

),
{%- else -%}
candidates as (

    select * from source

),
{%- endif %}

ranked as (

    {{ current_version('candidates', ['_key'], version) }}

),

final as (

    select
        {{ columns | join(',\n        ') }},
        _key
    from ranked

)

select * from final
{% endmacro %}
