"""Certificates: draw N PDFs (A4 landscape, Noto Serif embedded, a signature and a seal
image, a QR code) into one zip as the certificates job does, without a database. Prints
the time per certificate, the zip's size per certificate and the peak RSS (``BENCH=cert
make bench``; ``--n 2000``)."""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _png(size: tuple[int, int]) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse(
        (4, 4, size[0] - 4, size[1] - 4), outline=(200, 0, 0, 180), width=10
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    from contest.services import certificates, certificates_pdf
    from contest.services.certificates_template import Issuer

    issuer = Issuer(
        "UBND TỈNH BẮC NINH",
        "BAN TỔ CHỨC HỘI THI TÌM HIỂU PHÁP LUẬT",
        "Hội thi trực tuyến “Tìm hiểu Hiến pháp và pháp luật Việt Nam” năm 2026",
        "Bắc Ninh",
        "TM. BAN TỔ CHỨC",
        "TRƯỞNG BAN",
        "Trần Thị Hương",
        "Đã đạt",
        "Đã tham gia và hoàn thành phần thi",
        False,
        _png((600, 250)),
        _png((500, 500)),
    )
    out = io.BytesIO()
    started = time.perf_counter()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for i in range(args.n):
            code = certificates.format_code(certificates.new_code())
            face = certificates_pdf.Face(
                issuer,
                f"Nguyễn Thị Phương Thảo {i}",
                "Xã Tân Hưng / Huyện Lạng Giang",
                "Giải Khuyến khích",
                "Tuần 3",
                date(2026, 5, 5),
                code,
                certificates_pdf.verification_url("https://hoithi.example.vn/", code),
            )
            archive.writestr(f"{i:05d}.pdf", certificates_pdf.render(face))
    took = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"certificates: {args.n} PDFs in {took:.2f} s = {1000 * took / args.n:.1f} ms each; "
        f"zip {out.tell() / args.n / 1024:.1f} kB a certificate; peak RSS {rss:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
