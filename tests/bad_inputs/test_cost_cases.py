"""The inventory-risk model's hostile inputs: each raises its siting exception naming the field to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_input_cases import COST_API_CASES, ApiCase

import siting.errors


@pytest.mark.parametrize("case", COST_API_CASES, ids=[c.id for c in COST_API_CASES])
def test_cost_input_is_refused_with_a_clear_message(case: ApiCase, tmp_path: Path) -> None:
    exc = getattr(siting.errors, case.exc)
    with pytest.raises(exc) as info:
        case.call(tmp_path, None)  # type: ignore[arg-type]  # these cases need no demo files
    for word in case.words:
        assert word in str(info.value), (case.id, word, str(info.value))
