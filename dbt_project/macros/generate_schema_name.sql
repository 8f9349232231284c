{#- Use the configured schema name as is (staging, intermediate, marts, ops, config),
    so analysts query marts.inventory_sales_layer, not dev_marts.inventory_sales_layer. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
