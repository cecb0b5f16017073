"""Train the text classifier's logistic regressions and write them as JSON weights.

Development-time only (needs scikit-learn and scipy, from the ``dev`` extra). Fits one L2
logistic regression per label (liblinear, balanced classes) on the ``train`` split of
``data/text/messages.jsonl``, over word 1-2-grams, in-word character 3-4-grams and the
grammar's features. Each label's threshold is picked on out-of-fold predictions of the train
split, scored as ``classify`` scores them (rules applied): the best F1 that keeps recall at
least ``--min-recall`` (``--child-recall`` for child exploitation). The dev split stays unseen
for ``rempart bench text``. Writes ``src/rempart/core/text/weights.json`` (plain arrays).

Example::

    $ .venv/bin/python scripts/train_text_model.py
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from rempart.core.text.classify import classify, final_score
from rempart.core.text.features import CHAR_SIZES, extract
from rempart.core.text.model import from_json
from rempart.core.text.rules import Evidence
from rempart.core.text.verdict import LABELS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "text" / "messages.jsonl"
OUT = ROOT / "src" / "rempart" / "core" / "text" / "weights.json"


def load_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def featurise(rows: list[dict[str, Any]]
              ) -> tuple[list[tuple[list[str], tuple[str, ...]]], list[Evidence]]:
    out = []
    evidence = []
    for r in rows:
        ng, gram, _, ev = extract(r["text"])
        out.append((ng, gram))
        evidence.append(ev)
    return out, evidence


def matrix(feats: list[tuple[list[str], tuple[str, ...]]], index: dict[str, int]) -> csr_matrix:
    data: list[float] = []
    cols: list[int] = []
    indptr = [0]
    for ng, gram in feats:
        row: dict[int, float] = {}
        if ng:
            w = 1.0 / np.sqrt(len(set(ng)))
            for f in set(ng):
                if f in index:
                    row[index[f]] = w
        for f in gram:
            if f in index:
                row[index[f]] = 1.0
        cols.extend(row)
        data.extend(row.values())
        indptr.append(len(cols))
    return csr_matrix((data, cols, indptr), shape=(len(feats), len(index)))


def best_threshold(y: np.ndarray, p: np.ndarray, evidence: list[Evidence], label: str,
                   min_recall: float = 0.0) -> float:
    """Threshold with the best out-of-fold F1 (recall at least ``min_recall`` when possible),
    scored as ``classify`` scores: model probability with the grammar applied."""
    best, best_f1 = 0.5, -1.0
    for t in np.arange(0.1, 0.81, 0.0125):
        final = np.array([final_score(label, float(v), ev, float(t))
                          for v, ev in zip(p, evidence, strict=True)])
        pred = final >= t
        tp = float((pred & (y == 1)).sum())
        prec = tp / max(pred.sum(), 1)
        rec = tp / max((y == 1).sum(), 1)
        f1 = 2 * prec * rec / max(prec + rec, 1e-9)
        if rec >= min_recall and f1 > best_f1:
            best, best_f1 = float(t), f1
    return round(best, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--C", type=float, default=4.0)
    ap.add_argument("--min-df", type=int, default=2)
    ap.add_argument("--min-recall", type=float, default=0.9,
                    help="Out-of-fold recall each label's threshold must keep (when possible).")
    ap.add_argument("--child-recall", type=float, default=0.97,
                    help="The same for child_exploitation.")
    args = ap.parse_args()

    rows = load_rows(args.data)
    train = [r for r in rows if r["split"] == "train"]
    dev = [r for r in rows if r["split"] == "dev"]
    feats, evidence = featurise(train)
    df: Counter[str] = Counter()
    for ng, gram in feats:
        df.update(set(ng))
        df.update(set(gram))
    vocab = sorted(f for f, n in df.items() if n >= args.min_df or f.startswith(("c:", "r:")))
    index = {f: i for i, f in enumerate(vocab)}
    X = matrix(feats, index)
    Y = np.array([[int(lab in r["labels"]) for lab in LABELS] for r in train])

    # Out-of-fold probabilities (their thresholds) and the final fit share one solver setup.
    coef = np.zeros((len(vocab), len(LABELS)))
    intercept = np.zeros(len(LABELS))
    thresholds: dict[str, float] = {}
    for j, label in enumerate(LABELS):
        y = Y[:, j]
        oof = np.zeros(len(y))
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
            clf = LogisticRegression(C=args.C, max_iter=2000, class_weight="balanced",
                                     solver="liblinear")
            clf.fit(X[tr], y[tr])
            oof[te] = clf.predict_proba(X[te])[:, 1]
        min_rec = args.child_recall if label == "child_exploitation" else args.min_recall
        thresholds[label] = best_threshold(y, oof, evidence, label, min_rec)
        clf = LogisticRegression(C=args.C, max_iter=2000, class_weight="balanced",
                                     solver="liblinear")
        clf.fit(X, y)
        coef[:, j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]

    keep = np.abs(coef).max(axis=1) >= 5e-4
    features = [f for f, k in zip(vocab, keep, strict=True) if k]
    weights = {
        "format": "rempart-text-lr/1",
        "labels": list(LABELS),
        "features": features,
        "coef": [round(float(v), 4) for v in coef[keep].ravel()],
        "intercept": [round(float(v), 4) for v in intercept],
        "thresholds": thresholds,
        "meta": {"C": args.C, "min_df": args.min_df, "n_train": len(train),
                 "trained_on": "data/text/messages.jsonl split=train",
                 "char_ngrams": list(CHAR_SIZES), "word_ngrams": [1, 2]},
    }
    args.out.write_text(json.dumps(weights, ensure_ascii=False, separators=(",", ":")) + "\n",
                        "utf-8")
    print(f"{len(features)} features, thresholds {thresholds}, wrote {args.out}")

    model = from_json(weights)
    tp = fp = fn = 0
    for r in dev:
        v = classify(r["text"], model)
        pred, gold = bool(v.labels), bool(r["labels"])
        tp += pred and gold
        fp += pred and not gold
        fn += gold and not pred
        if pred != gold:
            print(f"  {'FP' if pred else 'FN'} {r['text'][:90]!r} {v.labels or r['labels']}")
    p, rc = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    print(f"dev binary P={p:.3f} R={rc:.3f} F1={2 * p * rc / max(p + rc, 1e-9):.3f}")


if __name__ == "__main__":
    main()
