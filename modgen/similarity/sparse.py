"""A TF-IDF matrix over hashed features, in plain numpy: rows are documents (units or whole models).

Weights (IDF times the weight of the feature's namespace) and row norms are computed for a subset of rows, so
that left-out rows do not weigh in the statistics. Queries walk the postings of their own features only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from modgen.similarity.canonical import NAMESPACE_SHIFT, NAMESPACES


@dataclass
class TfidfMatrix:
    vocabulary: np.ndarray  # sorted feature ids; column j is vocabulary[j]
    indptr: np.ndarray  # CSR row pointers
    columns: np.ndarray
    tf: np.ndarray  # sub-linear term frequency, 1 + log(count)
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_bags(cls, bags: list[Counter]) -> TfidfMatrix:
        ids = np.concatenate([np.fromiter(b.keys(), dtype=np.int64, count=len(b)) for b in bags])
        counts = np.concatenate([np.fromiter(b.values(), dtype=np.float32, count=len(b)) for b in bags])
        vocabulary, columns = np.unique(ids, return_inverse=True)
        indptr = np.zeros(len(bags) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in bags], out=indptr[1:])
        return cls(vocabulary, indptr, columns.astype(np.int32), (1 + np.log(counts)).astype(np.float32))

    @property
    def row_count(self) -> int:
        return len(self.indptr) - 1

    @cached_property
    def rows(self) -> np.ndarray:
        return np.repeat(np.arange(self.row_count, dtype=np.int32), np.diff(self.indptr))

    @cached_property
    def csc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Column-major copy (the postings of each feature): colptr, rows, tf."""
        order = np.argsort(self.columns, kind="stable")
        colptr = np.zeros(len(self.vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.columns, minlength=len(self.vocabulary)), out=colptr[1:])
        return colptr, self.rows[order], self.tf[order]

    def weights(self, keep: np.ndarray, namespace_weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """(feature weights, row norms) computed over the kept rows only."""
        key = (keep.tobytes(), tuple(sorted(namespace_weights.items())))
        if key not in self._cache:
            table = np.array([namespace_weights[name] for name in NAMESPACES], dtype=np.float32)
            df = np.bincount(self.columns[keep[self.rows]], minlength=len(self.vocabulary))
            idf = np.log((int(keep.sum()) + 1) / (df + 1)) + 1
            weights = (idf * table[self.vocabulary >> NAMESPACE_SHIFT]).astype(np.float32)
            values = self.tf * weights[self.columns]
            norms = np.sqrt(np.bincount(self.rows, weights=values * values, minlength=self.row_count))
            norms[norms == 0] = 1
            if len(self._cache) > 4:
                self._cache.clear()
            self._cache[key] = (weights, norms.astype(np.float32))
        return self._cache[key]

    def locate(self, bag: Counter) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """A bag's feature ids, their log term frequencies, their places in the vocabulary and which are known."""
        ids = np.fromiter(bag.keys(), dtype=np.int64, count=len(bag))
        tf = 1 + np.log(np.fromiter(bag.values(), dtype=np.float32, count=len(ids)))
        position = np.minimum(np.searchsorted(self.vocabulary, ids), len(self.vocabulary) - 1)
        return ids, tf, position, self.vocabulary[position] == ids

    def containment(
        self, bags: list[Counter], rows: np.ndarray, keep: np.ndarray, namespace_weights: dict[str, float]
    ) -> np.ndarray:
        """How much of each bag each of `rows` holds (bags x rows): the weighted overlap over the bag's weight.

        Asymmetric, unlike the cosine: research code often holds only part of what a class of transformers does
        (the core of an attention, not its cache and cross-attention paths).
        """
        weights, _ = self.weights(keep, namespace_weights)
        result = np.zeros((len(bags), len(rows)), dtype=np.float32)
        for row, bag in enumerate(bags):
            if not bag:
                continue
            ids, tf, position, known = self.locate(bag)
            query = np.where(known, tf * weights[position], 0)
            total = float(query.sum()) + float((~known).sum())  # an unseen feature is held by no row
            for column, index_row in enumerate(rows):
                begin, end = self.indptr[index_row], self.indptr[index_row + 1]
                held = dict(zip(self.columns[begin:end].tolist(), self.tf[begin:end].tolist(), strict=True))
                other = np.array([held.get(int(p), 0.0) for p in position]) * weights[position]
                result[row, column] = np.minimum(query, np.where(known, other, 0)).sum() / (total or 1)
        return result

    def cosine(self, bags: list[Counter], keep: np.ndarray, namespace_weights: dict[str, float]) -> np.ndarray:
        """Cosine of each bag with each row (bags x rows); rows not kept get 0."""
        weights, norms = self.weights(keep, namespace_weights)
        table = np.array([namespace_weights[name] for name in NAMESPACES], dtype=np.float32)
        unseen = float(np.log(int(keep.sum()) + 1) + 1)
        colptr, postings, posting_tf = self.csc
        result = np.zeros((len(bags), self.row_count), dtype=np.float32)
        for row, bag in enumerate(bags):
            if not bag:
                continue
            ids, tf, position, known = self.locate(bag)
            feature_weight = np.where(known, weights[position], unseen * table[ids >> NAMESPACE_SHIFT])
            query = tf * feature_weight
            query /= np.linalg.norm(query) or 1
            columns, query = position[known], (query * feature_weight)[known]
            starts = colptr[columns]
            lengths = colptr[columns + 1] - starts
            picks = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
            contribution = np.repeat(query, lengths) * posting_tf[picks]
            result[row] = np.bincount(postings[picks], weights=contribution, minlength=self.row_count) / norms
        result[:, ~keep] = 0
        return result
