"""Secret: an api key that is masked wherever it is shown and usable where it is sent."""

from __future__ import annotations

from pytest_aisbench.secret import Secret

KEY = "sk-live-abcdef123456"


def test_repr_is_masked() -> None:
    assert repr(Secret(KEY)) == "Secret('***')"
    assert repr(Secret("")) == "Secret('')"


def test_reprs_of_containers_are_masked() -> None:
    shown = [repr({"api_key": Secret(KEY)}), repr([Secret(KEY)]), f"{Secret(KEY)!r}"]
    assert not [text for text in shown if KEY in text]


def test_str_and_format_give_the_value_to_send() -> None:
    secret = Secret(KEY)
    assert str(secret) == KEY
    assert f"Bearer {secret}" == f"Bearer {KEY}"
    assert secret == KEY
    assert isinstance(secret, str)


def test_masked_text() -> None:
    assert Secret(KEY).masked() == "***"
    assert Secret("").masked() == ""


def test_empty_secret_is_falsy() -> None:
    assert not Secret("")
    assert Secret(KEY)
