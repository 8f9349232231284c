{#- The current version of every key of a raw source: the highest `version` (when the
    source has one), then the latest delivery, then the last row of that delivery.
    Python ingestion counts rows_loaded/rows_replaced with the same rule
    (pipelines/ingest/load.py: current_versions); tests/dbt/test_current_version_agrees.py
    checks that both keep the same rows. Portable SQL: a window and a filter. -#}
{% macro current_version(relation, keys, version=none) %}

    select *
    from (
        select
            versions.*,
            row_number() over (
                partition by {{ keys | join(', ') }}
                order by
                    {% if version %}{{ version }} desc nulls last,{% endif %}
                    _delivery_seq desc,
                    _row desc
            ) as _version_rank
        from {{ relation }} as versions
    ) as ranked
    where _version_rank = 1

{% endmacro %}
