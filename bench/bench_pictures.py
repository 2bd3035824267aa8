"""Benchmark: question pictures, in process on a fresh SQLite file.

Usage: .venv/bin/python bench/bench_pictures.py [--pictures N]

Reports: re-encoding one 12-megapixel phone photo (4000 × 3000 JPEG with EXIF) to the
stored 1280 px JPEG (ms, bytes before and after); importing a .zip of an .xlsx with N
questions each with its own 1600 × 1200 photo (preview + save + commit, s); loading the
round pool of those N questions with and without their pictures (ms, best of 5: the one
extra query of the start path's cache fill).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _photo(size, seed: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.effect_noise(size, 40 + seed % 30).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse(
        (size[0] // 5, size[1] // 5, size[0] // 2, size[1] // 2), fill=(seed % 255, 90, 30)
    )
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 51.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88, exif=exif)
    return out.getvalue()


def _bundle(n: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Câu hỏi"
    ws.append(
        ["Chủ đề", "Mức độ", "Câu hỏi", "Phương án A", "Phương án B", "Phương án C",
         "Phương án D", "Đáp án đúng", "Giải thích", "Hình ảnh", "Mô tả hình ảnh"]
    )  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(n):
            ws.append(["Biển báo", "Dễ", f"Biển báo số {i}?", "A", "B", "C", "D", "B", "",
                       f"hinh/{i}.jpg", f"Biển số {i}"])  # fmt: skip
            archive.writestr(f"hinh/{i}.jpg", _photo((1600, 1200), i), zipfile.ZIP_STORED)
        sheet = io.BytesIO()
        wb.save(sheet)
        archive.writestr("cau-hoi.xlsx", sheet.getvalue())
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", type=int, default=100)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from contest import create_app
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Question
    from contest.services import bank_files, banks, papers, question_images

    photo = _photo((4000, 3000), 1)
    best = min(_timed(lambda: question_images.process(photo))[0] for _ in range(3))
    stored = question_images.process(photo)
    print(
        f"re-encode a 12 MP photo: {best * 1000:.0f} ms ({len(photo) / 1e6:.1f} MB → "
        f"{stored.width}×{stored.height}, {len(stored.data) / 1e3:.0f} KB, EXIF dropped)"
    )
    data = _bundle(args.pictures)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "SECRET_KEY": "bench",
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )
        with app.app_context():
            upgrade(revision="heads")
            bank = banks.create_bank("Biển báo", actor=None, now=utcnow())

            def run():
                preview = bank_files.preview_import(bank, data, "b.zip")
                assert preview.ok, preview.errors[:3]
                bank_files.save_import(bank, preview, actor=None, now=utcnow())
                db.session.commit()

            seconds, _ = _timed(run)
            print(
                f"import a .zip of {args.pictures} questions with 1600×1200 photos "
                f"({len(data) / 1e6:.1f} MB): {seconds:.2f} s "
                f"({seconds / args.pictures * 1000:.0f} ms a picture)"
            )
            with_pictures = min(_timed(lambda: papers.load_pool([bank.id]))[0] for _ in range(5))
            db.session.query(Question).update({"image_id": None})
            db.session.commit()
            without = min(_timed(lambda: papers.load_pool([bank.id]))[0] for _ in range(5))
            print(
                f"load the pool of {args.pictures} questions: {with_pictures * 1000:.1f} ms "
                f"with pictures, {without * 1000:.1f} ms without"
            )
            db.session.remove()
            db.engine.dispose()
    return 0


def _timed(work):
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


if __name__ == "__main__":
    sys.exit(main())
