{{ config(severity='warn') }}
-- Warns while some billed AI token charges name a model seeds/billing_model_aliases.csv does not map (they
-- cannot be reconciled with logged requests by model): one row per billing name, with its tokens and cost.
select cloud_provider, billing_model_name, sum(billed_tokens) as billed_tokens, sum(billed_cost) as billed_cost
from {{ ref('fct_ai_token_charges_daily') }}
where not has_model_alias
group by cloud_provider, billing_model_name
