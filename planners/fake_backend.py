"""A shipped fake ChatBackend: answers from a script and remembers every prompt it was given.

It has the whole ``planners.qwen.messages.ChatBackend`` protocol (``model``, ``family``, ``check()``,
``complete()``, ``describe()``), so a test can stand it in for either real backend. Its neighbour
``planners.fake_server.FakeChatServer`` fakes one level lower: a real loopback server that the real
``OpenAIChatBackend`` talks to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from planners.qwen.messages import ChatMessage, Completion

ScriptedAnswer = str | Callable[[Sequence[ChatMessage]], str]


@dataclass
class ScriptedChatBackend:
    """``complete()`` returns the next scripted answer (the last one repeats); an answer may be a
    function of the messages. ``prompts`` keeps what each call was given, for assertions;
    ``checks`` counts the start-up checks."""

    answers: Sequence[ScriptedAnswer]
    prompts: list[list[ChatMessage]] = field(default_factory=list)
    model: str = "scripted"
    family: str = "qwen3"
    checks: int = 0

    def check(self) -> list[str]:
        self.checks += 1
        return [self.model]

    def complete(self, messages: Sequence[ChatMessage], max_new_tokens: int = 256) -> Completion:
        if not self.answers:
            raise ValueError("ScriptedChatBackend needs at least one answer")
        self.prompts.append(list(messages))
        answer = self.answers[min(len(self.prompts), len(self.answers)) - 1]
        text = answer(messages) if callable(answer) else answer
        return Completion(text=text, prompt_tokens=None, completion_tokens=None)

    def describe(self) -> str:
        return f"scripted backend ({len(self.answers)} answers)"
