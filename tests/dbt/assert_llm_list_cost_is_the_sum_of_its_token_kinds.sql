-- Conservation: a request's list cost is exactly the sum of its per-token-kind list costs, and a priced
-- request never has a null cost.
select request_id, list_cost
from {{ ref('fct_llm_requests') }}
where
    (list_cost is not null and list_cost <> {% for kind, _t, _p, _f in token_kinds() %}{{ kind }}_list_cost{{ ' + ' if not loop.last }}{% endfor %})
    or (is_priced and effective_cost is null)
    or (has_catalog_price and list_cost is null)
