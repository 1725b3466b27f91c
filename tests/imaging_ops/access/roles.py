"""Test cases read from the role matrix, so they follow it when a cell changes.

The matrix itself is checked cell by cell against DESIGN.md in test_permissions.py.
"""

from imaging_ops.access.permissions import MATRIX, NONE, TRAINEE_ACTIONS, Action
from imaging_ops.vocabulary import Role


def lacking(action: str) -> dict[str, dict]:
    """Every membership that does not hold `action`, by a name a person reads: each role whose
    cell is NONE ("technician"), then a trainee in each role that holds it ("trainee manager"),
    since trainees act only within TRAINEE_ACTIONS. Each value is the membership to make."""
    cases = {role.label.lower(): {"role": role} for role in Role if MATRIX[action][role] is NONE}
    if action not in TRAINEE_ACTIONS:
        cases |= {
            f"trainee {role.label.lower()}": {"role": role, "is_trainee": True}
            for role in Role
            if MATRIX[action][role] is not NONE
        }
    return cases


NOT_MANAGERS = lacking(Action.MANAGE_PEOPLE)
