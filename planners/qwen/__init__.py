"""Qwen-VL planning: the trained computer-use prompt, answer parsing, and chat backends.

``planners.qwen.parse_answer(text, size)`` is the public parser. Backends live in their own
modules and import their heavy dependencies lazily: ``planners.qwen.local`` (transformers) and
``planners.qwen.openai_backend`` (any OpenAI-compatible server: vLLM, SGLang, Ollama).
"""

from planners.qwen.parse import ParsedAnswer, parse_answer, parse_point, split_thinking
from planners.qwen.planner import QwenPlanner

__all__ = ["ParsedAnswer", "QwenPlanner", "parse_answer", "parse_point", "split_thinking"]
