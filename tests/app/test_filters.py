"""Period windows and the URL form of a view: parse, resolve, write back."""

from __future__ import annotations

from datetime import date

import pytest

from app.filters import Filters, from_params, page_params, period_window, previous_window

AS_OF = date(2026, 11, 19)


@pytest.mark.parametrize(
    ("period", "window"),
    [
        ("7d", (date(2026, 11, 13), AS_OF)),
        ("30d", (date(2026, 10, 21), AS_OF)),
        ("90d", (date(2026, 8, 22), AS_OF)),
        ("mtd", (date(2026, 11, 1), AS_OF)),
        ("last_month", (date(2026, 10, 1), date(2026, 10, 31))),
        ("qtd", (date(2026, 10, 1), AS_OF)),
        ("ytd", (date(2026, 1, 1), AS_OF)),
    ],
)
def test_periods_end_on_the_last_day_with_data(period, window):
    assert period_window(period, AS_OF) == window


def test_previous_window_has_the_same_length():
    assert previous_window(date(2026, 11, 1), date(2026, 11, 19)) == (date(2026, 10, 13), date(2026, 10, 31))


def test_a_view_round_trips_through_the_url():
    f = Filters(
        period="custom",
        start=date(2026, 11, 2),
        end=date(2026, 11, 9),
        currency="EUR",
        dims={"team": ("search",), "model": ("gpt-5.1", "claude-sonnet-4-5")},
    )
    params = f.to_params()
    assert params == {
        "period": "custom",
        "start": "2026-11-02",
        "end": "2026-11-09",
        "cur": "EUR",
        "team": ["search"],
        "model": ["gpt-5.1", "claude-sonnet-4-5"],
    }
    parsed = from_params({k: v if isinstance(v, list) else [v] for k, v in params.items()})
    assert parsed == f
    assert parsed.window(AS_OF) == (date(2026, 11, 2), date(2026, 11, 9))
    assert parsed.pinned("team") == "search" and parsed.pinned("model") is None


def test_defaults_stay_out_of_the_url_and_bad_values_fall_back():
    assert Filters().to_params() == {}
    f = from_params({"period": ["fortnight"], "team": ["", "a", "a"], "start": ["x"]})
    assert (f.period, f.values("team")) == ("30d", ("a",))
    f = from_params({"period": ["custom"], "start": ["2026-11-09"], "end": ["2026-11-01"]})
    assert f.period == "30d"  # a custom range that ends before it starts is ignored


def test_page_keys_belong_to_their_page():
    params = {"anomaly": ["a1"], "user": ["u1"], "budget": [""]}
    assert page_params(params, "anomalies") == {"anomaly": "a1"}
    assert page_params(params, "explore") == {"user": "u1"}
    assert page_params(params, "budgets") == {}
