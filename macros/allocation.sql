{#- Exact allocation of money: `amount` split over the rows of a partition by weight, conserving it to the last
    decimal. Each row's cumulative share of `amount` (in `order_by` order) is rounded to the money type, the last
    row's being `amount` itself; a row gets its cumulative share minus the previous row's (take it with
    `lag(<that column>) over (partition … order …)`, see allocated_amount). The shares telescope, so rounding
    never creates or loses a cent. Plain window functions and casts: portable. -#}

{#- The cumulative share of `amount` up to this row (inclusive), as money. -#}
{% macro cumulative_share(amount, weight, partition_by, order_by) -%}
    case
        when row_number() over (partition by {{ partition_by }} order by {{ order_by }})
            = count(*) over (partition by {{ partition_by }}) then {{ amount }}
        else cast({{ amount }} * (sum({{ weight }}) over (partition by {{ partition_by }} order by {{ order_by }}
                rows between unbounded preceding and current row)
            / sum({{ weight }}) over (partition by {{ partition_by }})) as {{ money_type() }})
    end
{%- endmacro %}

{#- This row's allocated amount from the cumulative share column `cumulative` (cumulative_share's output). -#}
{% macro allocated_amount(cumulative, partition_by, order_by) -%}
    cast({{ cumulative }} - coalesce(lag({{ cumulative }}) over (partition by {{ partition_by }} order by {{ order_by }}), 0)
        as {{ money_type() }})
{%- endmacro %}
