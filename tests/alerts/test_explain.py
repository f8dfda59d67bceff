"""Root causes are measured the way their pattern is defined: a token spike by extra tokens, an error storm by
extra failed calls (each value's failures against its own requests at its own usual error rate)."""

from __future__ import annotations

import polars as pl
import pytest

from alerts import explain


def _window(
    requests: float, errors: float, spend: float, expected_spend: float, tokens=None, expected_tokens=None
) -> explain.Window:
    return explain.Window(
        requests=requests,
        expected_requests=requests / 2,
        spend=spend,
        expected_spend=expected_spend,
        tokens=tokens or requests * 1000,
        expected_tokens=expected_tokens or requests * 1000,
        errors=errors,
        expected_errors=requests * 0.05,
        cache_hits=0,
        expected_cache_hits=0,
        top_user_requests=0,
        expected_top_user_requests=0,
        z={"error_rate": 12.0},
    )


def _models(**columns: list) -> dict[str, pl.DataFrame]:
    return {"model": pl.DataFrame({"value": ["model-a", "model-b"], **columns})}


STORM = _models(
    w_requests=[100.0, 100.0],
    w_errors=[30.0, 25.0],
    b_requests=[1000.0, 1000.0],
    b_errors=[100.0, 0.0],  # model-a usually fails 10 % of its calls, model-b never
    w_spend=[12.0, 3.0],
    b_spend=[60.0, 15.0],
    w_tokens=[1e5, 1e5],
    b_tokens=[1e6, 1e6],
)


def test_an_error_storm_names_the_value_with_most_failures_over_its_own_usual_rate():
    """model-a has more failed calls (30) and more spend, but 10 of them are its usual failures: model-b's
    25 failures over an expected 0 are the storm."""
    w = _window(requests=200, errors=55, spend=15.0, expected_spend=10.0)
    cause = explain.root_cause("feature", "error_storm", w, STORM)
    assert (cause.dimension, cause.value, cause.driver) == ("model", "model-b", "errors")
    assert cause.contribution == pytest.approx(25.0)
    assert cause.share == pytest.approx(25 / 45)  # of the 45 extra failed calls (20 from model-a)
    assert cause.usual_share == pytest.approx(0.5)  # its share of the window's calls
    text = explain.sentence("feature", "coding-agent", "error_storm", w, cause, 5.0)
    assert "model model-b accounts for 56% of the extra failed calls (with 50% of the calls)" in text


def test_a_value_without_baseline_calls_is_expected_at_the_scopes_usual_rate():
    frames = _models(
        w_requests=[100.0, 100.0],
        w_errors=[30.0, 25.0],
        b_requests=[1000.0, 0.0],
        b_errors=[100.0, 0.0],  # model-b is new: expected at the scope's 10 %, so 15 extra
        w_spend=[12.0, 3.0],
        b_spend=[60.0, 0.0],
        w_tokens=[1e5, 1e5],
        b_tokens=[1e6, 0.0],
    )
    w = _window(requests=200, errors=55, spend=15.0, expected_spend=10.0)
    cause = explain.root_cause("feature", "error_storm", w, frames)
    assert (cause.value, cause.contribution) == ("model-a", pytest.approx(20.0))


def test_spend_patterns_still_compare_each_value_with_its_usual_share_of_the_expected_total():
    """A cost anomaly's contribution is a value's spend minus its usual share of the expected spend."""
    w = _window(requests=200, errors=2, spend=15.0, expected_spend=10.0)
    cause = explain.root_cause("feature", "other", w, STORM)
    # usual shares 80 % / 20 % of $10 expected: model-a +$4, model-b +$1
    assert (cause.value, cause.driver) == ("model-a", "spend")
    assert cause.contribution == pytest.approx(4.0) and cause.share == pytest.approx(0.8)


def test_a_token_spike_names_the_user_who_sent_the_extra_tokens_not_the_extra_dollars():
    """user-a floods a cheap model with prompts: 90 % of the tokens (usually 10 %) but little of the spend."""
    frames = {
        "user": pl.DataFrame(
            {
                "value": ["user-a", "user-b"],
                "w_requests": [50.0, 50.0],
                "w_tokens": [900_000.0, 100_000.0],
                "b_tokens": [100_000.0, 900_000.0],
                "w_spend": [1.0, 9.0],
                "b_spend": [1.0, 9.0],
                "b_requests": [500.0, 500.0],
                "w_errors": [0.0, 0.0],
                "b_errors": [0.0, 0.0],
            }
        )
    }
    w = _window(100, 0, spend=10.0, expected_spend=5.0, tokens=1e6, expected_tokens=2e5)
    cause = explain.root_cause("feature", "token_spike", w, frames)
    assert (cause.value, cause.driver) == ("user-a", "tokens")
    assert cause.contribution == pytest.approx(880_000)  # 900k against 10 % of the expected 200k
    text = explain.sentence("feature", "sql-assistant", "token_spike", w, cause, 5.0)
    assert "user user-a accounts for 100% of the extra tokens (usually 10%)" in text
