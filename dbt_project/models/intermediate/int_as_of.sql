{#- The moment every layer is computed for: var('as_of') when set, else the latest event in the
    data (so a replay of old files gives the stock as of then) that other events support.

    One wrong date must not move it: an order "updated" months after everything else made every
    source look months late (critical freshness alerts), every order overdue for its settlement,
    and blocked publishing. So an event time counts only when at least var('as_of_min_support')
    distinct event times, itself included, lie within var('as_of_support_window_hours') up to it:
    a lone time far from the others is ignored (docs/inventory_model.md, "as_of"). Support counts
    times, not rows: a WMS snapshot gives hundreds of rows one as_of, and an export may stamp one
    updated_at on every row of a file; rows sharing a wrong time must not support each other.
    When no time has that support (a handful of rows), the latest event is used. latest_event_at
    is the plain latest event; outlier_ignored says it was left out (a warning test names it). -#}
{%- set min_support = var('as_of_min_support', 2) | int -%}
{%- set window_hours = var('as_of_support_window_hours', 24) | int -%}
{%- set candidates = var('as_of_candidates', 10000) | int -%}
with

events as (

    select updated_at as event_at from {{ ref('stg_orders') }}
    where updated_at is not null
    union all
    select occurred_at as event_at from {{ ref('stg_wms_movements') }}
    where occurred_at is not null
    union all
    select as_of as event_at from {{ ref('stg_wms_snapshots') }}
    where as_of is not null

),

latest_events as (

    -- only the latest distinct times decide (a hash aggregate and a top-N, not a sort of every
    -- event of the peak day): the latest supported one is among them unless that many outlier
    -- times sit on top. Distinct before the limit: a 50,000-row snapshot at a wrong date is one
    -- time, not 50,000 candidates crowding out the real ones.
    select event_at from events
    group by event_at
    order by event_at desc
    limit {{ candidates }}

),

supported as (

    select
        event_at,
        -- the distinct time (min_support - 1) places earlier: within the window, this one is supported
        lead(event_at, {{ min_support - 1 }}) over (order by event_at desc) as support_at
    from latest_events

),

bounds as (

    select
        max(event_at) as latest_event_at,
        max(
            case
                when support_at >= {{ dbt.dateadd('hour', -window_hours, 'event_at') }} then event_at
            end
        ) as supported_at
    from supported

),

final as (

    select
        {%- if var('as_of') %}
            cast('{{ var("as_of") }}' as timestamp) as as_of,
            bounds.latest_event_at,
            false as outlier_ignored
        {%- else %}
            coalesce(bounds.supported_at, bounds.latest_event_at, cast(current_timestamp as timestamp)) as as_of,
            bounds.latest_event_at,
            coalesce(bounds.latest_event_at > bounds.supported_at, false) as outlier_ignored
        {%- endif %}
    from bounds

)

select * from final
