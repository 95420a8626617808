"""Targets that survive zoom, without a display: label choice at recording,
split labels in OCR words, multi-scale template matching on synthetic frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from actions.coords import DisplayProfile, ScreenPoint
from actions.frame import Frame
from actions.text_match import TextPattern
from agent.record.labels import Phrase, _phrases, box_around, choose_label
from planners.grounding.base import GroundingQuery
from planners.grounding.ocr import Word, find_label, normalise
from planners.grounding.template import AnchorTemplateGrounder, ScreenTemplateGrounder, crop_template, scale_order


def _word(text: str, x: int, y: int, w: int, h: int = 14, line: tuple[int, ...] = (0,)) -> Word:
    return Word(text, normalise(text), (x, y, w, h), 90.0, line)


# ---- OCR: a label split across words, blobs and lines ---------------------------------------------
def test_a_two_word_label_is_found_when_ocr_reads_it_as_two_lines() -> None:
    # At 125% the space between "Gift" and "wrap" is wider than the blob finder closes: two blobs, two
    # tesseract lines. Reading order and the gap relative to the text height join them again.
    words = [_word("Gift", 200, 100, 36, line=(1, 1)), _word("wrap", 242, 101, 40, line=(2, 1))]
    found = find_label(words, "Gift wrap")
    assert [tuple(w.text for w in m.words) for m in found] == [("Gift", "wrap")]
    assert found[0].whole and 200 <= found[0].centre.x <= 282

    wrapped = [_word("Gift", 200, 100, 36), _word("wrap", 196, 118, 40, line=(1,))]  # the next line, under it
    assert find_label(wrapped, "Gift wrap")
    run_together = [_word("Giftwrap", 200, 100, 70)]
    assert find_label(run_together, "Gift wrap")


def test_a_text_without_spaces_never_wraps_and_a_wrapped_label_is_clicked_on_its_first_line() -> None:
    # zenity's calendar (measured): Friday the 1st ends one row, Tuesday the 5th starts the next; "15" sits
    # inside the row below. Read across the rows, "1 5" was a whole-line "15" and the centre of the two, the
    # 7th, was clicked.
    days = [_word("1", 300, 100, 8, line=(1,)), _word("5", 295, 118, 8, line=(2,))]
    days += [_word(day, 100 + 40 * n, 118, 16, line=(2,)) for n, day in enumerate(("11", "12", "13", "14", "15"))]
    [found] = find_label(days, "15")
    assert [w.text for w in found.words] == ["15"]
    wrapped = [_word("Gift", 200, 100, 36), _word("wrap", 196, 118, 40, line=(1,))]
    [label] = find_label(wrapped, "Gift wrap")
    assert (label.centre.x, label.centre.y) == (218.0, 107.0)  # the first line's word, not between the lines


def test_split_labels_do_not_join_distant_or_misordered_words() -> None:
    far = [_word("Gift", 200, 100, 36), _word("wrap", 400, 100, 40)]  # another column, 164 px on
    assert not find_label(far, "Gift wrap")
    backwards = [_word("wrap", 200, 100, 40), _word("Gift", 246, 100, 36)]
    assert not find_label(backwards, "Gift wrap")
    below_right = [_word("Gift", 200, 100, 36), _word("wrap", 260, 118, 40)]  # starts after "Gift" ended
    assert not find_label(below_right, "Gift wrap")
    # Digits are text like any other: "Item 1" is not "Item 2" nor "Item2".
    rows = [_word("Item", 10, 10 + 20 * i, 30) for i in range(3)] + [
        _word(str(i + 1), 44, 10 + 20 * i, 8) for i in range(3)
    ]
    found = find_label(rows, "Item 2")
    assert len(found) == 1 and found[0].words[0].box[1] == 30
    assert not find_label([_word("Item2", 10, 10, 40)], "Item 1")


# ---- recording: the label, not the value ----------------------------------------------------------
def _form_row() -> np.ndarray:
    """A gray crop: the label "Fruit" on the page, a dropdown box (1 px dark border) right of it."""
    gray = np.full((60, 380), 250, np.uint8)
    gray[14:46, 190:380] = 255
    gray[14:46, 190] = gray[14:46, 379] = 118
    gray[14, 190:380] = gray[45, 190:380] = 118
    return gray


def test_the_dropdown_is_labelled_by_its_row_label_not_its_value() -> None:
    gray = _form_row()
    fruit, apple = Phrase("Fruit", 65, 24, 33, 12), Phrase("Apple", 201, 23, 44, 15)
    x, y = 220, 30  # on the dropdown's value, as a person clicks it
    box = box_around(gray, x, y)
    assert box == (191, 378)  # the columns inside its borders
    assert choose_label([fruit, apple], x, y, box=box) == (fruit, "row")
    # Without the box the value would win, as it did in the trial ("Apple", or "Fruit Apple").
    assert choose_label([fruit, apple], x, y) == (apple, "on")
    # A caption centred in its box (a button) is the button's own label.
    submit = Phrase("Submit", 260, 24, 55, 12)
    assert choose_label([fruit, submit], 280, 30, box=(230, 345)) == (submit, "on")


def test_words_are_not_joined_across_a_box_border_and_a_cut_word_is_no_label() -> None:
    gray = _form_row()
    cut, option = Phrase("Suk", 170, 24, 18, 12), Phrase("Cherry", 196, 24, 44, 12)
    assert [p.text for p in _phrases([cut, option])] == ["Suk Cherry"]  # what happened without the pixels
    assert [p.text for p in _phrases([cut, option], gray)] == ["Suk", "Cherry"]
    # The half-hidden button's "Suk" ends at the list's border: it does not name the option's row.
    assert choose_label([cut, option], 210, 30, box=(191, 378)) == (option, "on")


# ---- templates at another scale --------------------------------------------------------------------
def _ui(scale: float) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    size = (round(480 * scale), round(300 * scale))
    image = Image.new("RGB", size, (245, 246, 248))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=round(16 * scale))
    for x0, y0, label in ((40, 40, "Save"), (200, 40, "Cancel"), (40, 160, "Open file")):
        box = [round(v * scale) for v in (x0, y0, x0 + 120, y0 + 36)]
        draw.rectangle(box, fill=(225, 228, 235), outline=(80, 80, 90), width=max(1, round(scale)))
        draw.text((box[0] + round(14 * scale), box[1] + round(8 * scale)), label, fill=(20, 20, 30), font=font)
    return np.asarray(image)


def _frame(pixels: np.ndarray) -> Frame:
    height, width = pixels.shape[:2]
    return Frame(np.ascontiguousarray(pixels), DisplayProfile(width=width, height=height), 0.0, 0.0, "RGB")


def test_scales_are_tried_from_the_window_ratio_first() -> None:
    assert scale_order(None)[0] == 1.0 and scale_order(1.005)[0] == 1.0
    order = scale_order(1.25)
    assert order[0] == 1.25 and order[1] in (1.1, 1.5) and sorted(order[1:]) == sorted({1.0, 1.1, 1.5, *order[1:]})
    assert 1.25 not in order[1:]


def test_a_crop_recorded_at_100_percent_is_found_at_125_and_150(tmp_path: Path) -> None:
    recorded = _frame(_ui(1.0))
    image, pixel = crop_template(recorded, ScreenPoint(260, 58))  # "Cancel"
    image.save(tmp_path / "cancel.png")
    for scale in (1.25, 1.5):
        zoomed = _frame(_ui(scale))
        want = ScreenPoint(round(260 * scale), round(58 * scale))
        query = GroundingQuery("Cancel", template=tmp_path / "cancel.png", template_point=pixel)
        found = ScreenTemplateGrounder().ground(query, zoomed)  # no hint: every scale is searched
        assert found.point is not None and found.scale == scale, found
        assert abs(found.point.x - want.x) <= 3 and abs(found.point.y - want.y) <= 3, found
        hinted = AnchorTemplateGrounder().ground(
            GroundingQuery(
                "Cancel", template=tmp_path / "cancel.png", template_point=pixel, expected=want, scale=scale
            ),
            zoomed,
        )
        assert hinted.point is not None and hinted.scale == scale, hinted
        # Without the window's hint the anchor rung tries 100% only, and says so.
        unhinted = AnchorTemplateGrounder().ground(
            GroundingQuery("Cancel", template=tmp_path / "cancel.png", template_point=pixel, expected=want), zoomed
        )
        assert unhinted.point is None and unhinted.candidates, unhinted


def test_an_ambiguous_match_at_another_scale_is_still_refused(tmp_path: Path) -> None:
    pixels = _ui(1.0)
    twice = pixels.copy()
    twice[160:200, 40:165] = pixels[40:80, 200:325]  # a second "Cancel" where "Open file" was
    image, pixel = crop_template(_frame(pixels), ScreenPoint(260, 58))
    image.save(tmp_path / "cancel.png")
    from PIL import Image

    zoomed = np.asarray(Image.fromarray(twice).resize((600, 375), Image.Resampling.BICUBIC))
    query = GroundingQuery("Cancel", template=tmp_path / "cancel.png", template_point=pixel, scale=1.25)
    result = ScreenTemplateGrounder().ground(query, _frame(zoomed))
    assert result.point is None and result.reason.startswith("2 equally good matches"), result
    assert len(result.candidates) >= 2 and result.scale == 1.25


# ---- replay: the window's scale, and what a failed step leaves for the report -----------------------
def test_replay_scales_the_anchor_with_the_window_and_reports_every_rung_when_lost(tmp_path: Path) -> None:
    import pytest

    from actions.windows import WindowInfo
    from planners.grounding.ladder import default_ladder
    from planners.scenario_file import Anchor, Scenario, Step, Target
    from planners.scenario_planner import GroundingFailed, ScenarioPlanner

    pixels = _ui(1.0)
    elsewhere = _ui(1.0).copy()
    elsewhere[40:80, 200:325] = 128  # a "Cancel" crop from a screen this one does not show
    image, pixel = crop_template(_frame(pixels), ScreenPoint(260, 58))
    image.save(tmp_path / "cancel.png")
    anchor = Anchor(
        window_title="Form",
        window_point=(250, 48),
        window_size=(480, 300),
        screen_point=(260, 58),
        template="cancel.png",
        template_point=pixel,
    )
    target = Target(description="the 'Cancel' element", label="Cancel", anchor=anchor)
    scenario = Scenario(name="lost", steps=(Step(action={"kind": "click"}, target=target),))
    zoomed = WindowInfo("Form", 10, 10, 600, 375)  # the window grew by 1.25 both ways
    planner = ScenarioPlanner(
        scenario,
        tmp_path / "lost.yaml",
        default_ladder(),
        screen=None,  # type: ignore[arg-type]
        variables={},
        find_window=lambda title: zoomed,
    )
    query, _ = planner._query(target)
    assert query.scale == pytest.approx(1.25) and query.expected == ScreenPoint(10 + 312, 10 + 60)

    with pytest.raises(GroundingFailed) as failed:
        planner.plan("replay lost", _frame(elsewhere), ())
    grounding = failed.value.grounding
    assert failed.value.step == 0 and grounding == planner.logs[0].grounding()
    tried = {entry["rung"]: entry for entry in grounding[0]["tried"]}
    assert set(tried) == {"anchor", "template", "ocr"} and not any(entry["ok"] for entry in tried.values())
    assert tried["anchor"]["candidates"] and tried["anchor"]["scale"] == pytest.approx(1.25)
    assert tried["template"]["candidates"] and "score" in tried["template"]
    read = {word[0] for word in tried["ocr"]["words"]}  # what OCR read instead, with boxes, for the report
    assert {"Save", "Open"} <= read and all(len(word) == 5 for word in tried["ocr"]["words"])


def test_a_whole_line_match_wins_and_two_whole_lines_tie() -> None:
    save_as = [_word("Save", 10, 10, 30), _word("as", 44, 10, 14)]
    save = [_word("Save", 200, 10, 30)]
    (best,) = find_label(save_as + save, "save")
    assert best.whole and best.words == tuple(save)  # "Save" alone, not the "Save" of "Save as"
    assert [m.whole for m in find_label(save_as, "Save")] == [False]  # only a part: still found
    twice = find_label(save + [_word("Save", 200, 60, 30)], "Save")
    assert len(twice) == 2 and all(m.whole for m in twice)  # a tie: the grounder refuses it
    # Overlapping boxes are still one line: tesseract's "Count:" ran 9 px into the taller "1" after it.
    status = [_word("Count:", 86, 686, 63, 12), _word("1", 140, 684, 10, 19)]
    assert [m.whole for m in find_label(status, "Count: 1")] == [True]


def test_an_exact_label_may_be_one_text_blob_of_a_line_never_part_of_one() -> None:
    # xcalc's row "CE/d AC": the keys' labels are 19 px apart, closer than a line's 1.5 text heights, so the
    # line is the row; each key is a text blob of its own.
    row = [_word("CE/d", 117, 91, 37, 13), _word("AC", 173, 90, 24, 14)]
    keys = [(115, 88, 41, 18), (171, 88, 28, 18)]
    assert not find_label(row, TextPattern.parse("AC", exact=True))  # the line is "CE/d AC"
    [found] = find_label(row, TextPattern.parse("AC", exact=True), blobs=keys)
    assert [w.text for w in found.words] == ["AC"] and found.whole
    # The other way: words of one blob (a phrase) stay one label, and a part of a blob's text is no exact match.
    phrase = [_word("Save", 100, 50, 30), _word("as", 134, 54, 12, 10)]
    one = [(98, 48, 50, 18)]
    assert not find_label(phrase, TextPattern.parse("Save", exact=True), blobs=one)
    assert not find_label(row, TextPattern.parse("C", exact=True), blobs=keys)
    # Only an exact text looks at blobs: the default rule already finds a part of a line.
    assert len(find_label(row, "AC", blobs=keys)) == 1


def test_a_label_read_as_part_of_one_word_is_clicked_on_its_own_characters() -> None:
    # xmessage's oval buttons "Keep" and "Discard", side by side, read as the one word "(Keep)Discard)"
    # spanning both (396-522 px): "Keep" is its characters 1-5 of 14, the Keep button is 397-448 px. The
    # middle of the whole word (459) was the Discard button: the wrong button clicked, the run "succeeded".
    words = [_word("(Keep)Discard)", 396, 313, 126, 21)]
    [keep] = find_label(words, "Keep")
    assert not keep.whole and 405 <= keep.centre.x <= 441
    [discard] = find_label(words, "Discard")
    assert 450 <= discard.centre.x <= 522
    # Across words, only the ends are cut: "lo wor" in "hello world" runs from 3/5 of "hello" to 3/5 of "world".
    two = [_word("hello", 100, 50, 50), _word("world", 160, 50, 50)]
    [part] = find_label(two, "lo wor")
    assert part.centre.x == (130 + 190) / 2
