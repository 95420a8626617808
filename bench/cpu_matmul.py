"""Whether bf16 computes faster than fp32 on this CPU: one of the 2B language model's projections
(2048 -> 6144), as a prefill of 1,500 tokens and as one decoded token, in torch's dense Linear and in
oneDNN's prepacked Linear (``torch.utils.mkldnn``), fp32 and bf16 side by side in one process.

    .venv/bin/python -m bench.cpu_matmul

``--dtype auto`` picks bf16 on a CPU that says it has native bf16 (AVX512_BF16 or AMX, read from the CPU),
as the design asks; this says what that choice costs or saves in compute on the machine at hand (bf16
always halves the weights' memory). Ratios are bf16 time / fp32 time: above 1, bf16 is slower here.
"""

from __future__ import annotations

from bench.timing import median, sample_ms, table

IN_FEATURES, OUT_FEATURES = 2048, 6144
PREFILL_TOKENS = 1500


def main() -> None:
    import torch
    import torch.utils.mkldnn as mkldnn

    torch.manual_seed(0)
    rows = []
    for kind in ("dense", "oneDNN prepacked"):
        times: dict[str, tuple[float, float]] = {}
        for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
            dense = torch.nn.Linear(IN_FEATURES, OUT_FEATURES, bias=False)
            layer = dense.to(dtype) if kind == "dense" else mkldnn.to_mkldnn(torch.nn.Sequential(dense), dtype)[0]
            prefill = torch.randn(1, PREFILL_TOKENS, IN_FEATURES).to(dtype)
            token = torch.randn(1, 1, IN_FEATURES).to(dtype)
            with torch.inference_mode():
                times[name] = (
                    median(sample_ms(lambda layer=layer, x=prefill: layer(x), repeat=5)),
                    median(sample_ms(lambda layer=layer, x=token: layer(x), repeat=50)),
                )
        (fp_pre, fp_tok), (bf_pre, bf_tok) = times["fp32"], times["bf16"]
        rows.append([kind, fp_pre, bf_pre, bf_pre / fp_pre, fp_tok, bf_tok, bf_tok / fp_tok])
    headers = [
        "Linear",
        "prefill fp32 ms",
        "prefill bf16 ms",
        "bf16/fp32",
        "token fp32 ms",
        "token bf16 ms",
        "bf16/fp32",
    ]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {IN_FEATURES}->{OUT_FEATURES}")
    print(table(headers, rows))


if __name__ == "__main__":
    main()
