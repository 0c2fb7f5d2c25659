import pytest

from casino.registry.game_sync import CatalogueInvalid, plan

SLOT = {
    "game_id": 1001,
    "name": "Lucky Fruits",
    "category": "slots",
    "enabled": True,
    "bet_limits": {"EUR": {"min_bet": "0.10", "max_bet": "100.00"}},
}
TABLE = {"game_id": 1002, "name": "Blackjack", "category": "table games", "wagering_contribution": "0.1"}


def test_new_games_are_created_active_and_listed_with_limits_in_minor_units() -> None:
    result = plan("tlt", [SLOT, TABLE], [])
    assert result.created == 2 and result.updated == 0 and not result.disable
    first = result.upserts[0]
    assert first["admin_status"] == "active" and first["listed"] is True
    assert first["bet_limits"] == {"EUR": {"min_bet": 10, "max_bet": 10000}}
    assert result.categories == {"slots", "table games"}


def test_unchanged_games_are_not_rewritten_and_changed_ones_are_updated() -> None:
    held = plan("tlt", [SLOT, TABLE], []).upserts
    again = plan("tlt", [SLOT, TABLE], held)
    assert again.created == 0 and again.updated == 0 and not again.upserts
    renamed = plan("tlt", [{**SLOT, "name": "Luckier Fruits"}, TABLE], held)
    assert renamed.updated == 1 and renamed.upserts[0]["name"] == "Luckier Fruits"


def test_an_admin_disable_survives_a_sync() -> None:
    held = plan("tlt", [SLOT], []).upserts
    held[0]["admin_status"] = "disabled"
    again = plan("tlt", [{**SLOT, "name": "New name"}], held)
    assert again.upserts[0]["admin_status"] == "disabled"


def test_games_no_longer_listed_are_disabled_never_deleted() -> None:
    held = plan("tlt", [SLOT, TABLE], []).upserts
    result = plan("tlt", [SLOT], held)
    assert [g["game_id"] for g in result.disable] == [1002]
    assert result.disable[0]["listed"] is False
    assert plan("tlt", [SLOT], [*held[:1], *result.disable]).disable == []


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "no id"},
        {**SLOT, "game_id": 1_000_000},
        {**SLOT, "bet_limits": {"EUR": {"min_bet": "0.105", "max_bet": "1"}}},
        {**SLOT, "bet_limits": {"XXX": {"min_bet": "1", "max_bet": "2"}}},
    ],
)
def test_a_bad_entry_fails_the_whole_sync(bad: dict) -> None:
    with pytest.raises(CatalogueInvalid):
        plan("tlt", [SLOT, bad], [])
