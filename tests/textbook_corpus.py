"""The textbook corpus (tests/corpus/textbook.jsonl) as the tests and benchmarks use it.

An entry is usable when nanograd reads every expression in it. Which are is worked out from the
parser, and so from the table of operations: entries with functions the table lacks today (tan,
asin, log to a base, ...) are skipped now and counted as soon as their rows exist.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nanograd import ParseError, parse

CORPUS = Path(__file__).parent / "corpus" / "textbook.jsonl"


def entries() -> list[dict[str, Any]]:
    with CORPUS.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def usable(entry: dict[str, Any]) -> bool:
    texts = [entry["python"], *entry["right_python"], *(w["python"] for w in entry["wrong"])]
    try:
        for text in texts:
            parse(text)
    except ParseError:
        return False
    return True


def usable_entries() -> list[dict[str, Any]]:
    return [e for e in entries() if usable(e)]
