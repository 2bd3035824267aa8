"""Build question_bank/data/demo_bank.xlsx from the shared demo questions CSV.

Usage: python scripts/build_demo_bank.py [CSV]   (default: ../shared/data/demo_questions.csv,
relative to the repository root). The app never reads ../shared at run time: the produced
.xlsx is committed inside the package. Facts are copied as they are; each explanation keeps
its source addresses as "<Giải thích> Nguồn: <url> ; <url>".
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from question_bank import (  # noqa: E402 - needs the repository root on sys.path
    ParsedQuestion,
    export_bank,
    normalise_text,
    parse_answer,
    parse_bank,
    parse_difficulty,
)

DEFAULT_CSV = ROOT / ".." / "shared" / "data" / "demo_questions.csv"
OUTPUT = ROOT / "question_bank" / "data" / "demo_bank.xlsx"
OPTION_COLUMNS = [f"Phương án {letter}" for letter in "ABCDEF"]


def load_questions(path: Path) -> list[ParsedQuestion]:
    """Read the CSV (UTF-8, header in the template's Vietnamese labels plus «Nguồn»)."""
    questions = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            options = [row[c] for c in OPTION_COLUMNS if row.get(c)]
            correct, bad = parse_answer(row["Đáp án đúng"])
            difficulty = parse_difficulty(row["Mức độ"])
            if bad or not correct or difficulty is None:
                raise SystemExit(f"{path}:{line}: bad answer or difficulty")
            explanation = normalise_text(row["Giải thích"])
            source = normalise_text(row.get("Nguồn", ""))
            if source:
                explanation = f"{explanation} Nguồn: {source}"
            questions.append(
                ParsedQuestion(
                    row=line,
                    topic=normalise_text(row["Chủ đề"]),
                    difficulty=difficulty,
                    text=normalise_text(row["Câu hỏi"]),
                    options=[normalise_text(o) for o in options],
                    correct=correct,
                    explanation=explanation,
                )
            )
    return questions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    questions = load_questions(args.csv)
    data = export_bank(questions)
    check = parse_bank(data)
    if check.errors or check.duplicates or len(check.questions) != len(questions):
        for error in check.errors:
            print(error, file=sys.stderr)
        print(f"duplicates: {len(check.duplicates)}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"wrote {len(questions)} questions to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
