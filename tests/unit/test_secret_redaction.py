"""A secret value read back from the screen never reaches the run record: every step line and the summary
are redacted before they are written (``actions.secrets.redact``), as the value's reference."""

from __future__ import annotations

from actions.models import Type
from actions.secrets import redact, reveal
from agent.run_dir import RunDirectory, Seen, StepRecord, read_steps
from planners.verdicts import Verdict

VALUE = 'hunter2 "quoted"\\x'  # quotes and a backslash: JSON writes them escaped


def test_a_revealed_value_is_replaced_by_its_reference_plainly_and_json_escaped() -> None:
    assert reveal("{{secret:DP_REDACT_A}}", {"DP_REDACT_A": VALUE}) == VALUE
    assert redact(f"the field holds {VALUE}!") == "the field holds {{secret:DP_REDACT_A}}!"
    escaped = 'hunter2 \\"quoted\\"\\\\x'
    assert redact(f'{{"detail": "{escaped}"}}') == '{"detail": "{{secret:DP_REDACT_A}}"}'


def test_values_never_revealed_or_too_short_to_search_for_stay() -> None:
    reveal("{{secret:DP_REDACT_SHORT}}", {"DP_REDACT_SHORT": "abc"})
    assert redact("abc and secret-not-typed") == "abc and secret-not-typed"


def test_a_step_that_read_back_an_earlier_secret_is_written_without_it(tmp_path) -> None:
    reveal("{{secret:DP_REDACT_B}}", {"DP_REDACT_B": "s3cr3t-value"})
    run = RunDirectory(tmp_path / "run")
    seen = Seen(expected="the typed text in the field", detail="the field holds 's3cr3t-value then more'")
    written = run.append_step(StepRecord(index=1, action=Type(text="then more"), verdict=Verdict.FAILED, seen=seen))
    run.close()
    assert "s3cr3t-value" not in (tmp_path / "run" / "steps.jsonl").read_text()
    assert written.seen is not None and "{{secret:DP_REDACT_B}}" in written.seen.detail  # what progress prints
    [read] = read_steps(tmp_path / "run")
    assert read.seen is not None and read.seen.detail == "the field holds '{{secret:DP_REDACT_B}} then more'"
