"""Does this CPU compute bf16 natively? Read from the CPU itself, never guessed from the model name.

bf16 halves the weights' memory traffic, but only a CPU with bf16 dot-product instructions turns that
into speed: x86 ``avx512_bf16`` (Cooper Lake, Sapphire Rapids, Zen 4 and later) or ``amx_bf16``
(Sapphire Rapids' tile unit), Arm ``bf16`` (Armv8.6: Graviton 3, Neoverse V1/N2, Apple M2 and later).
Elsewhere torch emulates bf16 through fp32 conversions, which is slower than fp32 itself, so
``--dtype auto`` keeps fp32 there.

Pure Python (reads ``/proc/cpuinfo`` on Linux, ``sysctl`` on macOS), so ``deskpilot doctor`` can say
the answer without importing torch.
"""

from __future__ import annotations

import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path

# The flags that mean native bf16 arithmetic, as the kernel (x86 "flags", Arm "Features") or
# macOS's sysctl (hw.optional.arm.FEAT_BF16) names them.
X86_BF16_FLAGS = ("amx_bf16", "avx512_bf16")
ARM_BF16_FLAGS = ("bf16",)


@dataclass(frozen=True)
class CpuBf16:
    native: bool
    reason: str  # one line for `deskpilot doctor` and the load log: which flag, or what was read


def cpu_flags(cpuinfo: str) -> set[str]:
    """The feature flags of the first processor in a ``/proc/cpuinfo`` text (x86 or Arm)."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() in ("flags", "features"):
            return set(value.split())
    return set()


def bf16_from_flags(flags: set[str], source: str) -> CpuBf16:
    for flag in (*X86_BF16_FLAGS, *ARM_BF16_FLAGS):
        if flag in flags:
            return CpuBf16(True, f"{source} lists {flag}")
    if not flags:
        return CpuBf16(False, f"{source} lists no CPU flags")
    return CpuBf16(False, f"{source} lists none of {', '.join((*X86_BF16_FLAGS, *ARM_BF16_FLAGS))}")


def _macos_bf16() -> CpuBf16:
    try:
        out = subprocess.run(
            ["sysctl", "-n", "hw.optional.arm.FEAT_BF16"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return CpuBf16(False, f"sysctl failed ({exc})")
    native = out.stdout.strip() == "1"
    return CpuBf16(native, f"sysctl hw.optional.arm.FEAT_BF16 = {out.stdout.strip() or 'absent'}")


def cpu_bf16(cpuinfo_path: Path = Path("/proc/cpuinfo")) -> CpuBf16:
    """Whether this machine's CPU has native bf16, and why we think so."""
    if platform.system() == "Darwin":
        return _macos_bf16()
    try:
        text = cpuinfo_path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return CpuBf16(False, f"cannot read {cpuinfo_path} ({exc.strerror or exc})")
    return bf16_from_flags(cpu_flags(text), str(cpuinfo_path))


def cpu_dtype_choice(native: CpuBf16) -> tuple[str, str]:
    """(dtype, why) for ``--dtype auto`` on ``--device cpu``."""
    if native.native:
        return "bf16", f"native bf16 ({native.reason})"
    return "fp32", f"no native bf16 ({native.reason}); bf16 would be emulated, slower than fp32"
