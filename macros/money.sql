{#- Money and prices: one type for every USD amount, the price of a token count, effective dating. -#}

{#- USD amounts: decimal(38,12), the raw tables' money type. -#}
{% macro money_type() -%}
    decimal(38, 12)
{%- endmacro %}

{#- Cost in USD of `tokens` at `price_mtok` USD per million tokens, exact in decimals (null price -> null). -#}
{% macro token_cost(tokens, price_mtok) -%}
    cast(cast({{ tokens }} as decimal(38, 0)) * {{ price_mtok }} * 0.000001 as {{ money_type() }})
{%- endmacro %}

{#- The disjoint token buckets and the price each pays, as genai-prices prices them: (kind, token column,
    price column, fallback price column). A kind whose price is missing is priced as its parent: cache and
    audio input as uncached input, reasoning and audio output as output (genai-prices' leaf decomposition). -#}
{% macro token_kinds() %}
    {{ return([
        ('input_uncached', 'input_uncached_tokens', 'input_mtok', none),
        ('cache_read', 'cache_read_tokens', 'cache_read_mtok', 'input_mtok'),
        ('cache_write', 'cache_write_tokens', 'cache_write_mtok', 'input_mtok'),
        ('input_audio', 'input_audio_tokens', 'input_audio_mtok', 'input_mtok'),
        ('output', 'output_tokens', 'output_mtok', none),
        ('reasoning', 'reasoning_tokens', 'output_reasoning_mtok', 'output_mtok'),
        ('output_audio', 'output_audio_tokens', 'output_audio_mtok', 'output_mtok'),
    ]) }}
{% endmacro %}

{#- Cost of one token kind of the request `r` at the price row `p` (0 when neither price is set). -#}
{% macro token_kind_cost(r, p, kind) -%}
    {%- for name, tokens, price, fallback in token_kinds() if name == kind -%}
        {%- set unit_price = p ~ '.' ~ price if fallback is none else 'coalesce(' ~ p ~ '.' ~ price ~ ', ' ~ p ~ '.' ~ fallback ~ ')' -%}
        coalesce({{ token_cost(r ~ '.' ~ tokens, unit_price) }}, 0)
    {%- endfor -%}
{%- endmacro %}

{#- True when the effective-dated row `alias` (valid_from inclusive, valid_to exclusive or null) covers `day`. -#}
{% macro is_in_force(alias, day) -%}
    ({{ day }} >= {{ alias }}.valid_from and ({{ alias }}.valid_to is null or {{ day }} < {{ alias }}.valid_to))
{%- endmacro %}
