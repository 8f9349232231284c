{#- The bundle rule (gift sets), written once for every model and test that needs it
    (macros/bundles.yml documents the arguments).

    A bundle is a SKU made of other SKUs: stg_bundle_components has one row per component
    with the quantity one bundle needs. A bundle holds no stock of its own: an order for it
    occupies its components (int_order_lines_exploded), and how many bundles there are is
    what the components can make, component by component:

        bundles = min over components of floor(component quantity / qty per bundle)

    with a component missing from the stock rows counting as 0. Used by
    inventory_scheduling_layer (per location), inventory_sales_layer (per channel) and the
    singular test tests/inventory/allocatable_within_supplying_sales_available.sql. -#}


{#- The components of every bundle, one row per (bundle_sku, component_sku): a SKU listed
    as its own component is not a bundle. with_zero_qty keeps components with qty 0, which
    make no bundle (they cannot divide) but still explode an order line into its components,
    so that a bundle is never occupied as itself. -#}
{% macro bundle_components(with_zero_qty=false) %}

    select
        bundle_sku,
        component_sku,
        qty
    from {{ ref('stg_bundle_components') }}
    where bundle_sku <> component_sku {% if not with_zero_qty %}and qty > 0{% endif %}

{% endmacro %}


{#- How many of each bundle its components make. `bundles` is a relation (a CTE name) with
    the columns `keys` and `sku` (the bundle SKU): one output row per row of it. `stock` has
    the columns `keys`, `sku` (the component SKU) and every column of `quantities` and
    `counts`. For each column of `quantities`: min over components of
    floor(coalesce(component value, 0) / qty per bundle), a double (cast it where a bigint is
    wanted); for each column of `counts` (e.g. supplying_locations): min over components of
    coalesce(component value, 0), not divided. Output columns: keys, sku, quantities, counts. -#}
{% macro bundles_from_components(bundles, stock, keys, quantities, counts=[]) %}
    {%- set bundle_keys -%}
        {%- for key in keys %}bundles.{{ key }}, {% endfor %}bundles.sku
    {%- endset -%}
    {%- set aggregates -%}
        {%- for column in quantities -%}
            , min(floor(coalesce(component_stock.{{ column }}, 0) / bundle_components.qty)) as {{ column }}
        {%- endfor -%}
        {%- for column in counts -%}
            , min(coalesce(component_stock.{{ column }}, 0)) as {{ column }}
        {%- endfor -%}
    {%- endset -%}
    {%- set same_keys -%}
        {%- for key in keys %}bundles.{{ key }} = component_stock.{{ key }} and {% endfor -%}
    {%- endset %}

    select {{ bundle_keys }}{{ aggregates }}
    from {{ bundles }} as bundles
    inner join ({{ bundle_components() }}) as bundle_components
        on bundles.sku = bundle_components.bundle_sku
    left join {{ stock }} as component_stock
        on {{ same_keys }}bundle_components.component_sku = component_stock.sku
    group by {{ bundle_keys }}

{% endmacro %}
