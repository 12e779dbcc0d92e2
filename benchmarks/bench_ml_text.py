"""The text classifier's speed (target: under 2 ms per message, single thread).

A model is trained the way `shipshape ml train-text` trains it (validated split, threshold
calibrated, refit on all; the time it takes is reported) on the Bitext customer-support sample
(../shared/data, label `intent`, 27 classes) or, where that is absent, on the synthetic corpus
of tests/text_corpus.py. Then:

* inline: `TextModel.classify` on `--calls` messages one at a time (one thread), p50/p99, the
  quietest of `--rounds` runs (each run's p99 is in the JSON);
* inline limits, measured in the same run on the same messages, pre-vectorised: the bare
  logistic regression's `decision_function` on one CSR row (sklearn's own per-call cost), and
  the arithmetic alone (the row's weights gathered and summed with numpy);
* inline part: the vectorisers' own analysers on each message (the n-grams), which is most of
  what a message costs;
* batch: `TextModel.classify_many` on `--rows` messages, messages/s; its limit: the model's
  `predict_proba` on the pre-vectorised matrix.

Usage: python benchmarks/bench_ml_text.py [--calls N] [--rows N] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import BENCH_DIR, console, print_table, write_json
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shipshape.ml.text_card import card
from shipshape.ml.text_data import read_labelled
from shipshape.ml.text_model import TextModel
from shipshape.ml.text_teams import TeamMap
from shipshape.ml.text_training import TrainingOptions, save, train
from tests.text_corpus import messages

BITEXT = (BENCH_DIR.parents[1] / "shared" / "data" / "support_text" / "bitext"
          / "Bitext_Sample_Customer_Support_Training_Dataset.csv")


def corpus() -> tuple[list[str], list[str], str]:
    if BITEXT.exists():
        data = read_labelled(BITEXT, "instruction", "intent")
        return data.texts, data.labels, "bitext intent"
    rows = messages(2000)
    return [t for t, _ in rows], [lab for _, lab in rows], "synthetic (tests/text_corpus.py)"


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed_calls(call: Any, items: list[Any]) -> list[float]:
    samples = []
    for item in items:
        started = time.perf_counter_ns()
        call(item)
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return samples


def cycled(texts: list[str], count: int) -> list[str]:
    return [texts[i % len(texts)] for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3, help="inline runs; the quietest kept")
    args = parser.parse_args()

    texts, labels, source = corpus()
    started = time.perf_counter()
    trained = train(texts, labels, TeamMap(), TrainingOptions())
    train_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        save(trained, Path(folder), card)
        model = TextModel.load(Path(folder))

    with threadpool_limits(limits=1):
        results = measure(model, cycled(texts, args.calls), cycled(texts, args.rows),
                          args.rounds)
    results.append({"measure": "training (train-text recipe: validated, refit on all)",
                    "seconds": train_s, "rows": len(texts), "classes": len(set(labels))})
    print_table(f"text classifier ({source})", results,
                ("measure", "p50_ms", "p99_ms", "messages_per_s", "seconds", "target",
                 "status", "ratio"))
    console.print("[dim]ratio: the classifier's figure over the limit measured in this run "
                  "(inline: p99 over the arithmetic's p99; batch: limit time over the "
                  "classifier's time)[/]")
    write_json("ml_text", {"results": results, "source": source, "args": vars(args)})


def measure(model: TextModel, inline_texts: list[str], batch_texts: list[str],
            rounds: int) -> list[dict[str, Any]]:
    parts = model._parts  # the fitted pieces, to time them bare
    from scipy.sparse import hstack

    timed_calls(model.classify, inline_texts[:500])  # warm-up
    # The quietest of `rounds` runs: on a shared 2-core machine another process's time slice
    # lands in the tail of a run now and then (4 ms p99 seen under load, 0.4 ms without).
    runs = [timed_calls(model.classify, inline_texts) for _ in range(rounds)]
    inline = min(runs, key=lambda samples: percentile(samples, 0.99))
    matrix = hstack([parts[name].transform(inline_texts) for name in ("word", "char")]).tocsr()
    rows = [matrix[i] for i in range(matrix.shape[0])]
    bare = timed_calls(parts["model"].decision_function, rows)
    analysers = [parts[name].build_analyzer() for name in ("word", "char")]
    analysis = timed_calls(lambda text: [analyse(text) for analyse in analysers], inline_texts)
    weights = np.ascontiguousarray(parts["model"].coef_.T)
    intercept = parts["model"].intercept_
    pairs = [(r.indices.copy(), r.data.copy()) for r in rows]
    arithmetic = timed_calls(lambda p: p[1] @ weights[p[0]] + intercept, pairs)

    started = time.perf_counter()
    model.classify_many(batch_texts)
    batch_s = time.perf_counter() - started
    batch_matrix = hstack([parts[name].transform(batch_texts) for name in ("word", "char")]
                          ).tocsr()
    started = time.perf_counter()
    parts["model"].predict_proba(batch_matrix)
    limit_s = time.perf_counter() - started
    p99 = percentile(inline, 0.99)
    return [
        {"measure": "inline classify (1 thread)", "p50_ms": statistics.median(inline),
         "p99_ms": p99, "target": "< 2 ms", "calls": len(inline),
         "p99_ms_of_each_round": [percentile(samples, 0.99) for samples in runs],
         "limit_p99_ms": percentile(arithmetic, 0.99),
         "ratio": p99 / percentile(arithmetic, 0.99),
         "status": "ok" if p99 < 2.0 else "slow"},
        {"measure": "inline limit: decision_function, one pre-vectorised row",
         "p50_ms": statistics.median(bare), "p99_ms": percentile(bare, 0.99),
         "calls": len(bare)},
        {"measure": "inline part: the text analysis alone (word and character n-grams)",
         "p50_ms": statistics.median(analysis), "p99_ms": percentile(analysis, 0.99),
         "calls": len(analysis)},
        {"measure": "inline limit: the arithmetic alone (numpy gather + sum)",
         "p50_ms": statistics.median(arithmetic), "p99_ms": percentile(arithmetic, 0.99),
         "calls": len(arithmetic)},
        {"measure": "batch classify_many", "messages_per_s": len(batch_texts) / batch_s,
         "seconds": batch_s, "rows": len(batch_texts),
         "limit_messages_per_s": len(batch_texts) / limit_s, "ratio": limit_s / batch_s},
        {"measure": "batch limit: predict_proba, pre-vectorised matrix",
         "messages_per_s": len(batch_texts) / limit_s, "seconds": limit_s,
         "rows": len(batch_texts)},
    ]


if __name__ == "__main__":
    main()
