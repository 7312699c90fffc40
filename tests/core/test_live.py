"""The pure live-session model: states, what a submit is allowed, and each unit's order of
exercises taken from the data (the session plans follow the same order)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from peerkit.instruments import load_all
from peerkit.live import (FACILITATOR, SELF_PACED, LiveState, Step, fits_role, has_key, next_step, plan_order,
                          plan_steps, previous_step, session_plan_order)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def curriculum():
    return load_all()


def test_unit_orders_come_from_the_data(curriculum) -> None:
    assert [s.key for s in plan_steps(curriculum, "unit-2")] == [
        ("sia-recovery-principles", ""), ("program-self-evaluation", "")]
    # a repeated exercise sits in the unit whose exercise number its occasion carries
    assert ("role-clarity-checklist", "pre") in [s.key for s in plan_steps(curriculum, "unit-1")]
    assert ("role-clarity-checklist", "pre") not in [s.key for s in plan_steps(curriculum, "unit-6")]
    assert plan_steps(curriculum, "unit-6")[-1].key == ("role-clarity-checklist", "post")
    assert plan_steps(curriculum, "unit-2")[0].label.startswith("Supervisor/CPS Exercise 2.1")


@pytest.mark.parametrize("unit", range(1, 7))
def test_unit_order_is_the_session_plans(curriculum, unit: int) -> None:
    """Each unit runs its exercises in the order of its session plan page."""
    text = (ROOT / "facilitator-guide" / "session-plans" / f"unit-{unit}.md").read_text(encoding="utf-8")
    in_plan = re.findall(r"<!-- generated: prompts (\S+)(?: (\S+))? -->", text)
    steps = plan_steps(curriculum, f"unit-{unit}", session_plan_order(f"unit-{unit}.ipynb"))
    assert list(dict.fromkeys(s.instrument_id for s in steps)) == list(dict.fromkeys(i for i, _ in in_plan))
    keys = [s.key for s in steps]
    planned = [keys.index((i, o)) for i, o in in_plan if o]  # a block naming an occasion runs that one
    assert planned == sorted(planned)


def test_plan_order_overrides_the_source_order(curriculum) -> None:
    # Unit 6 follows the manual: the scenarios (6.1), then the checklist again (6.2)
    assert [s.key for s in plan_steps(curriculum, "unit-6")][0] == ("role-confusion", "cps")
    planned = plan_steps(curriculum, "unit-6", session_plan_order("unit-6.ipynb"))
    assert [s.key for s in planned] == [("role-confusion", "cps"), ("role-confusion", "colleague"),
                                        ("role-clarity-checklist", "post")]
    # an order given by a plan overrides the source's
    swapped = plan_steps(curriculum, "unit-6", [("role-clarity-checklist", "post"), ("role-confusion", "")])
    assert [s.key for s in swapped] == [("role-clarity-checklist", "post"), ("role-confusion", "cps"),
                                        ("role-confusion", "colleague")]
    assert plan_order("x\n<!-- generated: prompts a pre -->\n<!-- generated: overview u -->\n"
                      "<!-- generated: prompts b -->\n") == [("a", "pre"), ("b", "")]
    assert session_plan_order("no-such-set.ipynb") == []


def test_next_and_previous_follow_the_order() -> None:
    steps = [Step("a"), Step("b", "pre"), Step("c")]
    waiting = LiveState(1, mode=FACILITATOR)
    assert next_step(steps, waiting) == steps[0] and previous_step(steps, waiting) is None
    at_b = waiting.moved_to(steps[1])
    assert next_step(steps, at_b) == steps[2] and previous_step(steps, at_b) == steps[0]
    assert next_step(steps, waiting.moved_to(steps[2])) is None
    assert next_step([], waiting) is None


def test_what_a_submit_is_allowed() -> None:
    led = LiveState(1, mode=FACILITATOR, instrument_id="quiz")
    assert led.accepts("quiz") and not led.accepts("quiz", "pre") and not led.accepts("other")
    closed = LiveState(1, mode=FACILITATOR, instrument_id="quiz", phase="closed")
    assert "closed answering" in closed.refusal("quiz", "", "Quiz")
    assert "has not opened “Other”" in closed.refusal("other", "", "Other")
    assert LiveState(1, mode=SELF_PACED, instrument_id="quiz", phase="closed").accepts("quiz")
    assert LiveState(1, mode=FACILITATOR).waiting
    with pytest.raises(ValueError, match="unknown phase"):
        LiveState(1, phase="half-open")


def test_key_only_after_the_reveal_when_the_facilitator_wants() -> None:
    base = LiveState(1, mode=FACILITATOR, instrument_id="quiz")
    assert not base.key_visible("quiz")
    assert not LiveState(1, mode=FACILITATOR, instrument_id="quiz", phase="revealed").key_visible("quiz")
    shown = LiveState(1, mode=FACILITATOR, instrument_id="quiz", phase="revealed", show_key=True)
    assert shown.key_visible("quiz") and not shown.key_visible("other")
    assert LiveState(1).key_visible("quiz")  # self-paced: as before


def test_quizzes_with_a_key(curriculum) -> None:
    keyed = {i for i, ins in curriculum.items() if has_key(ins)}
    assert {"readiness-timeline", "peer-vs-non-peer-supervision-quiz", "misconceptions",
            "peer-role-sorting"} <= keyed
    assert "readiness-timeline" in keyed and "sia-recovery-principles" not in keyed


def test_roles_expected() -> None:
    assert fits_role("both", "supervisor") and fits_role("group", "peer_specialist")
    assert fits_role("supervisor", "other") and not fits_role("supervisor", "peer_specialist")
