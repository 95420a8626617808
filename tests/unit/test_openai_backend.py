"""The OpenAI-compatible backend against the shipped fake server, over real loopback HTTP."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from actions.errors import BackendError
from planners.fake_server import Answer, Delay, FakeChatServer, HttpError, Malformed
from planners.fake_server_behaviours import images_in
from planners.qwen.http_retry import retry_after_s
from planners.qwen.messages import ChatBackend, ChatMessage, ImagePart, TextPart
from planners.qwen.openai_backend import OpenAIChatBackend

KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def fake() -> Iterator[FakeChatServer]:
    with FakeChatServer() as server:
        yield server


class Sleeps(list[float]):
    """An injected ``sleep`` that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def backend(url: str, model: str = "fake-qwen3-vl", **kwargs: Any) -> tuple[OpenAIChatBackend, Sleeps]:
    sleeps = Sleeps()
    options: dict[str, Any] = {"timeout_s": 2.0, "max_retries": 3, "backoff_s": 0.01, "max_backoff_s": 0.05}
    options.update(kwargs)
    return OpenAIChatBackend(url, model, sleep=sleeps, **options), sleeps


def screenshot(width: int = 320, height: int = 200) -> Image.Image:
    image = Image.new("RGB", (width, height), (240, 240, 240))
    image.paste((30, 90, 200), (10, 20, 110, 60))  # a "button", so a lossy encoding would show
    return image


def prompt(image: Image.Image | None = None) -> list[ChatMessage]:
    user = ChatMessage("user", (ImagePart(image or screenshot()), TextPart("Click Submit.")))
    return [ChatMessage.text("system", "You are a computer-use agent."), user]


def test_a_completion_carries_text_usage_and_the_screenshot(fake: FakeChatServer) -> None:
    fake.push(Answer("<tool_call>{}</tool_call>", prompt_tokens=1234, completion_tokens=7))
    client, sleeps = backend(fake.base_url)
    assert isinstance(client, ChatBackend)
    image = screenshot(320, 200)

    completion = client.complete(prompt(image), max_new_tokens=77)

    assert completion.text == "<tool_call>{}</tool_call>"
    assert (completion.prompt_tokens, completion.completion_tokens) == (1234, 7)
    assert completion.latency_ms > 0 and client.last_attempts == 1 and sleeps == []
    [sent] = fake.chat_requests
    assert sent["model"] == "fake-qwen3-vl" and sent["max_tokens"] == 77 and sent["temperature"] == 0
    assert sent["messages"][0] == {"role": "system", "content": "You are a computer-use agent."}
    user = sent["messages"][1]
    assert user["role"] == "user"
    assert [part["type"] for part in user["content"]] == ["image_url", "text"]
    assert user["content"][1]["text"] == "Click Submit."
    assert user["content"][0]["image_url"]["url"].startswith("data:image/png;base64,")
    [received] = images_in(sent)
    assert received.format == "PNG" and received.size == (320, 200)
    assert received.convert("RGB").tobytes() == image.tobytes()  # lossless


def test_usage_is_estimated_by_the_fake_and_text_only_messages_are_plain_strings(fake: FakeChatServer) -> None:
    fake.push("ok")
    client, _ = backend(fake.base_url)
    completion = client.complete(prompt(screenshot(320, 200)))
    # 10 x 7 visual tokens for 320x200 plus about a token per 4 characters of text.
    assert completion.prompt_tokens == 70 + -(-len("You are a computer-use agent.Click Submit.") // 4)
    assert completion.completion_tokens == 1
    assert isinstance(fake.chat_requests[0]["messages"][0]["content"], str)


def test_the_model_answering_garbage_text_is_not_a_backend_error(fake: FakeChatServer) -> None:
    fake.push("I am a teapot, not a tool call")
    client, _ = backend(fake.base_url)
    assert client.complete(prompt()).text == "I am a teapot, not a tool call"


def test_a_callable_behaviour_computes_the_answer_from_the_request(fake: FakeChatServer) -> None:
    fake.push(lambda request: "size {}x{}".format(*images_in(request)[0].size))
    client, _ = backend(fake.base_url, image_format="jpeg")
    assert client.complete(prompt(screenshot(64, 48))).text == "size 64x48"
    assert fake.chat_requests[0]["messages"][1]["content"][0]["image_url"]["url"].startswith("data:image/jpeg;")


def test_503_then_success_is_retried_with_exponential_backoff(fake: FakeChatServer) -> None:
    fake.push(HttpError(503), HttpError(502), "ok")
    client, sleeps = backend(fake.base_url, backoff_s=0.01, max_backoff_s=1.0)
    assert client.complete(prompt()).text == "ok"
    assert client.last_attempts == 3 and fake.served == 3
    assert len(sleeps) == 2
    assert 0.0075 <= sleeps[0] <= 0.01 and 0.015 <= sleeps[1] <= 0.02  # base * 2**n, less up to 25 % jitter


@pytest.mark.parametrize(("retry_after", "expected_s"), [(0.03, 0.03), (30, 0.5)])
def test_429_honours_retry_after_up_to_the_cap(fake: FakeChatServer, retry_after: float, expected_s: float) -> None:
    fake.push(HttpError(429, "slow down", retry_after=retry_after), "ok")
    client, sleeps = backend(fake.base_url, max_backoff_s=0.5)
    assert client.complete(prompt()).text == "ok"
    assert sleeps == [pytest.approx(expected_s)]


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_s("2") == 2.0
    assert retry_after_s("soon") is None and retry_after_s(None) is None
    in_ten_s = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 10))
    assert 8.0 <= (retry_after_s(in_ten_s) or 0.0) <= 10.5


def test_persistent_503_gives_up_after_max_retries_with_a_clear_message(fake: FakeChatServer) -> None:
    fake.push(HttpError(503, "the engine is overloaded"))  # repeats: the last behaviour
    client, sleeps = backend(fake.base_url, max_retries=2)
    with pytest.raises(BackendError) as caught:
        client.complete(prompt())
    message = str(caught.value)
    assert fake.base_url in message and "3 attempts" in message
    assert "503" in message and "the engine is overloaded" in message and "\n" not in message
    assert fake.served == 3 and len(sleeps) == 2


def test_a_timeout_is_retried(fake: FakeChatServer) -> None:
    fake.push(Delay(2.0, then="too late"), "in time")
    client, sleeps = backend(fake.base_url, timeout_s=0.2)
    started = time.monotonic()
    assert client.complete(prompt()).text == "in time"
    assert time.monotonic() - started < 1.5
    assert client.last_attempts == 2 and len(sleeps) == 1


def test_timeouts_every_time_name_the_timeout(fake: FakeChatServer) -> None:
    fake.push(Delay(2.0))
    client, _ = backend(fake.base_url, timeout_s=0.1, max_retries=1)
    with pytest.raises(BackendError, match=r"2 attempts.*within 0.1 s \(timed out\)"):
        client.complete(prompt())


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("not json", "not JSON"),
        ('{"object": "chat.completion", "model": "x"}', "no choices"),
        ('{"choices": []}', "no choices"),
        ('{"choices": [{"index": 0, "message": {"role": "assistant"}}]}', "no message content"),
        ('{"choices": [{"message": {"content": null}, "finish_reason": "stop"}]}', "no message content"),
    ],
)
def test_a_malformed_body_is_a_backend_error_at_once(fake: FakeChatServer, body: str, why: str) -> None:
    fake.push(Malformed(body))
    client, sleeps = backend(fake.base_url)
    with pytest.raises(BackendError) as caught:
        client.complete(prompt())
    assert "answered something that is not a chat completion" in str(caught.value)
    assert why in str(caught.value)
    assert fake.served == 1 and sleeps == []


def test_split_reasoning_and_tool_calls_are_put_back_into_the_text(fake: FakeChatServer) -> None:
    call = {"function": {"name": "computer_use", "arguments": '{"action": "left_click", "coordinate": [1, 2]}'}}
    fake.push(
        Malformed(
            f'{{"choices": [{{"message": {{"content": null, "reasoning_content": "hmm", "tool_calls": '
            f'[{json.dumps(call)}]}}, "finish_reason": "tool_calls"}}]}}'
        )
    )
    client, _ = backend(fake.base_url)
    text = client.complete(prompt()).text
    assert text.startswith("<think>hmm</think><tool_call>") and '"coordinate": [1, 2]' in text
    assert text.endswith("</tool_call>")


def test_401_fails_at_once_naming_the_key_option_never_the_key() -> None:
    with FakeChatServer(api_key="sk-the-right-one") as fake:
        client, sleeps = backend(fake.base_url, api_key=KEY)
        with pytest.raises(BackendError) as caught:
            client.complete(prompt())
        assert "401" in str(caught.value) and "--api-key-env" in str(caught.value)
        assert KEY not in str(caught.value) and KEY not in repr(client) and KEY not in client.describe()
        assert len(fake.requests) == 1 and sleeps == []


def test_a_server_that_echoes_the_key_has_it_redacted(fake: FakeChatServer) -> None:
    fake.push(HttpError(401, f"Incorrect API key provided: {KEY}"))
    client, _ = backend(fake.base_url, api_key=KEY)
    with pytest.raises(BackendError) as caught:
        client.complete(prompt())
    assert KEY not in str(caught.value) and "Incorrect API key provided: ***" in str(caught.value)


def test_the_api_key_goes_as_a_bearer_header() -> None:
    with FakeChatServer(["ok"], api_key=KEY) as fake:
        client, _ = backend(fake.base_url, api_key=KEY)
        assert client.complete(prompt()).text == "ok"
        assert client.check() == ["fake-qwen3-vl"]
        assert {r.headers["authorization"] for r in fake.requests} == {f"Bearer {KEY}"}


def test_an_unknown_model_fails_at_once_listing_the_served_models(fake: FakeChatServer) -> None:
    client, sleeps = backend(fake.base_url, model="qwen3-vl-missing")
    with pytest.raises(BackendError) as caught:
        client.complete(prompt())
    message = str(caught.value)
    assert "404" in message and "'qwen3-vl-missing'" in message and "serves: fake-qwen3-vl" in message
    assert [r.method for r in fake.requests] == ["POST", "GET"] and sleeps == []


def test_a_base_url_without_v1_gets_a_hint(fake: FakeChatServer) -> None:
    client, _ = backend(fake.base_url.removesuffix("/v1"))
    with pytest.raises(BackendError, match=r"404 .*usually live under /v1"):
        client.complete(prompt())


def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as probe:  # a port that nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client, sleeps = backend(f"http://127.0.0.1:{port}/v1", max_retries=2)
    with pytest.raises(BackendError) as caught:
        client.complete(prompt())
    assert "3 attempts" in str(caught.value) and "connection refused" in str(caught.value)
    assert f"127.0.0.1:{port}/v1" in str(caught.value) and len(sleeps) == 2


def test_check_lists_the_models_and_fails_clearly(fake: FakeChatServer) -> None:
    client, _ = backend(fake.base_url)
    assert client.check() == ["fake-qwen3-vl"]
    missing, _ = backend(fake.base_url, model="qwen3-vl:8b")
    with pytest.raises(BackendError, match=r"does not serve model 'qwen3-vl:8b'; it serves: fake-qwen3-vl"):
        missing.check()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down, _ = backend(f"http://127.0.0.1:{port}/v1")
    with pytest.raises(BackendError, match="cannot reach the model server .* connection refused"):
        down.check(timeout_s=1)


def test_check_accepts_ollama_latest_tags() -> None:
    with FakeChatServer(model="qwen3-vl:latest") as fake:
        assert backend(fake.base_url, model="qwen3-vl")[0].check() == ["qwen3-vl:latest"]


def test_describe_names_model_and_url_without_credentials() -> None:
    client = OpenAIChatBackend("http://user:pw@gpu-box:8000/v1/", "Qwen/Qwen3-VL-8B-Instruct", api_key=KEY)
    assert client.describe() == "openai-compatible Qwen/Qwen3-VL-8B-Instruct at http://gpu-box:8000/v1"
    for bad in ("localhost:8000", "http://gpu-box:port/v1", "ftp://gpu-box/v1"):
        with pytest.raises(BackendError, match="must look like"):
            OpenAIChatBackend(bad, "m")


def test_the_fake_closes_promptly_mid_delay_and_leaks_no_threads() -> None:
    before = threading.active_count()
    fake = FakeChatServer([Delay(30.0)]).start()
    client, _ = backend(fake.base_url, timeout_s=5.0, max_retries=0)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            client.complete(prompt())
        except BackendError as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    deadline = time.monotonic() + 5
    while fake.served == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    fake.close()
    assert time.monotonic() - started < 2.0
    caller.join(timeout=5)
    assert not caller.is_alive() and len(errors) == 1
    assert threading.active_count() == before


def test_the_fake_rejects_oversized_bodies() -> None:
    with FakeChatServer(max_body_bytes=1000) as fake:
        client, _ = backend(fake.base_url)
        with pytest.raises(BackendError, match="413"):
            client.complete(prompt(screenshot(200, 200).effect_spread(5)))


def test_the_family_comes_from_the_served_name_unless_given() -> None:
    url = "http://localhost:8000/v1"
    assert OpenAIChatBackend(url, "Qwen/Qwen2.5-VL-7B-Instruct").family == "qwen2"
    assert OpenAIChatBackend(url, "qwen3-vl:8b").family == "qwen3"
    assert OpenAIChatBackend(url, "qwen3-vl:8b", family="qwen2").family == "qwen2"
    with pytest.raises(BackendError, match="unknown model family 'qwen9'"):
        OpenAIChatBackend(url, "qwen3-vl:8b", family="qwen9")


def test_build_planner_checks_the_server_once_before_the_loop(fake: FakeChatServer) -> None:
    import argparse

    from agent.cli.model_flags import add_model_flags, build_planner

    parser = argparse.ArgumentParser()
    add_model_flags(parser)
    planner = build_planner(parser.parse_args(["--base-url", fake.base_url, "--model", fake.model]))
    assert [r.path for r in fake.requests] == ["/v1/models"] and fake.chat_requests == []
    assert planner.family == planner.backend.family == "qwen3"
    args = parser.parse_args(["--base-url", fake.base_url, "--model", fake.model, "--family", "qwen2"])
    assert build_planner(args).family == "qwen2"
