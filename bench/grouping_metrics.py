"""Clustering scores for the grouping bench: pairwise and B-cubed precision and recall.

An item is ``(repo, label, prediction)``: the labelled cluster a person gave a failure and
the fingerprint the signature code gave it. Clusters exist only inside one repository, so
two items of different repositories are never compared (a label or fingerprint reused in
another repository is another cluster).

* Pairwise: precision = of the pairs given one fingerprint, the share labelled one cluster;
  recall = of the pairs labelled one cluster, the share given one fingerprint.
* B-cubed (Amigó, Gonzalo, Artiles and Verdejo 2009, "A comparison of extrinsic clustering
  evaluation metrics"): per item, precision = the share of its fingerprint cluster (itself
  included) that has its label, recall = the share of its labelled cluster (itself included)
  that has its fingerprint; both averaged over the items. Unlike pairwise scores, one big
  cluster does not drown the small ones.

An empty denominator (no pairs, no items) scores 1.0: nothing was got wrong.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

Item = tuple[str, Hashable, Hashable]  # (repo, label, prediction)


@dataclass(frozen=True, slots=True)
class Scores:
    pair_precision: float
    pair_recall: float
    bcubed_precision: float
    bcubed_recall: float
    items: int
    true_pairs: int
    predicted_pairs: int
    both_pairs: int


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(items: Iterable[Item]) -> tuple[float, float, int, int, int]:
    """Pairwise (precision, recall, true pairs, predicted pairs, pairs in both)."""
    listed = list(items)
    true = sum(_pairs(n) for n in Counter((r, lab) for r, lab, _ in listed).values())
    predicted = sum(_pairs(n) for n in Counter((r, p) for r, _, p in listed).values())
    both = sum(_pairs(n) for n in Counter(listed).values())
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    return precision, recall, true, predicted, both


def bcubed(items: Iterable[Item]) -> tuple[float, float]:
    """B-cubed (precision, recall), averaged over the items."""
    listed = list(items)
    if not listed:
        return 1.0, 1.0
    by_label = Counter((r, lab) for r, lab, _ in listed)
    by_prediction = Counter((r, p) for r, _, p in listed)
    by_both = Counter(listed)
    precision = sum(by_both[i] / by_prediction[(i[0], i[2])] for i in listed) / len(listed)
    recall = sum(by_both[i] / by_label[(i[0], i[1])] for i in listed) / len(listed)
    return precision, recall


def score(items: Sequence[Item]) -> Scores:
    """Pairwise and B-cubed scores of one set of items."""
    pair_p, pair_r, true, predicted, both = pairwise(items)
    b3_p, b3_r = bcubed(items)
    return Scores(pair_p, pair_r, b3_p, b3_r, len(items), true, predicted, both)
