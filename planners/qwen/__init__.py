"""Qwen-VL planning: the trained computer-use prompt, answer parsing, and chat backends.

The public names live in their modules: ``planners.qwen.parse.parse_answer(text, size)`` is the
parser, ``planners.qwen.planner.QwenPlanner`` the planner; the backends are
``planners.qwen.local`` (transformers) and ``planners.qwen.openai_backend`` (any OpenAI-compatible
server: vLLM, SGLang, Ollama), each importing its heavy dependencies lazily. Nothing is imported
here, so the command line can read the option tables without paying for PIL and the parser.
"""
