"""The library's public edges: keyword-only, typed, clear errors; no command line underneath."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from actions.errors import UserInputError
from agent.scripting import Desktop
from planners.qwen.build import ModelSpec


def test_desktop_takes_keywords_only() -> None:
    with pytest.raises(TypeError):
        Desktop("runs/x")  # type: ignore[misc]


def test_a_desktop_used_outside_its_block_or_after_close_says_so(tmp_path) -> None:
    desk = Desktop(out=tmp_path / "run")
    with pytest.raises(UserInputError, match="use Desktop in a with block"):
        desk.click("Submit")
    desk.close()
    with pytest.raises(UserInputError, match="this Desktop is closed"):
        desk.type("hello")
    with pytest.raises(UserInputError, match="this Desktop is closed"):
        desk.__enter__()


def test_a_model_spec_names_the_setting_that_is_wrong() -> None:
    assert ModelSpec(model="Qwen/Qwen3-VL-2B-Instruct").dtype == "auto"
    with pytest.raises(ValidationError, match="unknown dtype 'float9'; expected one of auto"):
        ModelSpec(model="m", dtype="float9")
    with pytest.raises(ValidationError, match="unknown preset 'huge'"):
        ModelSpec(model="m", preset="huge")
    with pytest.raises(ValidationError, match="prompt_lookup\n  Input should be greater than or equal to 0"):
        ModelSpec(model="m", prompt_lookup=-1)


def test_prompt_lookup_comes_from_its_flag() -> None:
    import argparse

    from agent.cli.model_flags import add_model_flags, model_spec

    parser = argparse.ArgumentParser()
    add_model_flags(parser)
    assert model_spec(parser.parse_args(["--model", "m"])).prompt_lookup is None  # the backend's default
    assert model_spec(parser.parse_args(["--model", "m", "--prompt-lookup", "0"])).prompt_lookup == 0
    with pytest.raises(UserInputError, match="--prompt-lookup: Input should be greater than or equal to 0"):
        model_spec(parser.parse_args(["--model", "m", "--prompt-lookup", "-2"]))


def test_a_desktop_with_a_server_but_no_model_name_is_refused_before_anything_starts(tmp_path) -> None:
    from agent.scripting.arguments import model_spec_of as _model_spec

    with pytest.raises(UserInputError, match="needs model=NAME"):
        _model_spec(None, "http://127.0.0.1:9/v1")
    spec = _model_spec(ModelSpec(model="m", max_new_tokens=64), "http://127.0.0.1:9/v1")
    assert spec is not None and (spec.base_url, spec.max_new_tokens) == ("http://127.0.0.1:9/v1", 64)


def test_apps_we_start_do_not_inherit_opencvs_bundled_qt() -> None:
    from agent.desktop.processes import app_env

    cv2_dir = "/venv/lib/python3.11/site-packages/cv2"
    polluted = {
        "QT_QPA_PLATFORM_PLUGIN_PATH": f"{cv2_dir}/qt/plugins", "QT_QPA_FONTDIR": f"{cv2_dir}/qt/fonts",
        "LD_LIBRARY_PATH": f"/opt/lib:{cv2_dir}/../../lib64", "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1", "HOME": "/h",
    }  # fmt: skip
    assert app_env(polluted) == {"LD_LIBRARY_PATH": "/opt/lib", "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1", "HOME": "/h"}
    assert app_env({"QT_QPA_PLATFORM_PLUGIN_PATH": "/usr/lib/qt/plugins"}) == {
        "QT_QPA_PLATFORM_PLUGIN_PATH": "/usr/lib/qt/plugins"
    }  # a user's own setting stays
