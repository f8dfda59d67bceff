{{ config(severity='warn') }}
-- Warns (never fails the build) while some requests have no price at all: one row per such model, with how
-- many requests and tokens it has. Add the model to genai-prices (upgrade + `burnrate prices export`) or give it
-- an internal price in seeds/price_overrides.csv.
select model_key, unpriced_reason, unpriced_requests, total_tokens
from {{ ref('fct_llm_unpriced_models') }}
