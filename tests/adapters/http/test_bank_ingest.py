"""Bulk signal bodies are validated a fixed number of items at a time, whatever their size."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import TypeAdapter

from rempart.adapters.http import bank_ingest
from rempart.adapters.http.bank_export import EXPORT_CHUNK_CHARS
from rempart.adapters.http.schemas import SignalIn

REAL = TypeAdapter(list[SignalIn])


class CountingAdapter:
    """The list validator, recording how many items each call got."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def validate_python(self, items: list[Any]) -> Any:
        self.sizes.append(len(items))
        return REAL.validate_python(items)


def test_bulk_items_are_validated_500_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    assert bank_ingest.VALIDATION_CHUNK == 500
    assert EXPORT_CHUNK_CHARS == 64 * 1024  # the export's chunk is its own constant
    spy = CountingAdapter()
    monkeypatch.setattr(bank_ingest, "SIGNAL_LIST", spy)
    body = json.dumps({"source": "feed", "signals": [
        {"signal_type": "md5", "signal_value": f"{i:032x}"} for i in range(1234)]})
    parsed = bank_ingest.parse_bulk(body.encode())
    assert len(parsed.signals) == 1234 and parsed.source == "feed"
    assert spy.sizes == [500, 500, 234]
