"""Helpers shared by the essay tests (no tests here): an essay contest factory and builders
for .docx and .pdf files with author metadata to strip."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

from contest.services import essay_contests, essay_entries, rounds
from tests.conftest import NOW

AUTHOR = "Hoàng Thị Tác Giả"
COMPANY = "Công ty Bí Mật Của Tác Giả"
WINDOWS_USER = "hoangthitacgia"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'  # noqa: E501
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'  # noqa: E501
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'  # noqa: E501
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'  # noqa: E501
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'  # noqa: E501
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'  # noqa: E501
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'  # noqa: E501
    "</Relationships>"
)
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_bytes(
    paragraphs=("Đảng Cộng sản Việt Nam ra đời năm 1930.", "Bài viết về Đại hội XIV của Đảng."),
    *,
    macro=False,
    author=AUTHOR,
    extra_parts=None,
) -> bytes:
    """A small but real .docx whose metadata, comments and template path name ``author``."""
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>' for p in paragraphs)
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document {W_NS}>'
        f'<w:body>{body}<w:p><w:ins w:id="1" w:author="{author}" '
        f'w:date="2026-01-01T00:00:00Z"><w:r><w:t>Thêm.</w:t></w:r></w:ins>'
        f"</w:p></w:body></w:document>",
        "word/comments.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:comments {W_NS}>'
        f'<w:comment w:id="0" w:author="{author}" w:initials="HTTG">'
        f"<w:p><w:r><w:t>Ghi chú nhỏ</w:t></w:r></w:p></w:comment>"
        f"</w:comments>",
        "word/settings.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:settings {W_NS} '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships"><w:attachedTemplate r:id="rId1"/></w:settings>',
        "word/_rels/settings.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'attachedTemplate" Target="file:///C:\\Users\\{WINDOWS_USER}\\AppData\\Normal.dotm"'
        ' TargetMode="External"/></Relationships>',
        "docProps/core.xml": '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://'
        'schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy>"
        f"<dc:title>Bài của {author}</dc:title></cp:coreProperties>",
        "docProps/app.xml": '<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.'
        'openxmlformats.org/officeDocument/2006/extended-properties">'
        f"<Company>{COMPANY}</Company><Manager>{author}</Manager></Properties>",
    }
    if macro:
        parts["word/vbaProject.bin"] = "not really VBA"
    parts.update(extra_parts or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
        archive.comment = author.encode()
    return out.getvalue()


def zip_bomb_docx() -> bytes:
    """A docx whose document part inflates 1000:1 (refused from the central directory)."""
    return docx_bytes(extra_parts={"word/media/padding.bin": b"\0" * (30 * 1024 * 1024)})


def pdf_bytes(extra: bytes = b"") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R " + extra + b">> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"3 0 obj << /Author (" + AUTHOR.encode("utf-8") + b") >> endobj\n"
        b"trailer << /Root 1 0 R /Info 3 0 R >>\n%%EOF\n"
    )


def make_essay_contest(
    db, *, judge_ids=(), opens_at=None, closes_at=None, published=True, **overrides
):
    """A published essay contest open now (unless told otherwise), default rubric 60/20/20,
    stages Sơ khảo (top 2) → Chung khảo."""
    data = essay_contests.EssayContestInput(
        title=overrides.pop("title", "Cuộc thi viết thử nghiệm"),
        rules_text="Thể lệ cuộc thi viết.",
        opens_at=opens_at or NOW - timedelta(days=1),
        closes_at=closes_at or NOW + timedelta(days=7),
        judge_ids=list(judge_ids),
        stages=overrides.pop(
            "stages",
            [
                {"name": "Sơ khảo", "rule": "top_k", "value": 2},
                {"name": "Chung khảo", "rule": None, "value": None},
            ],
        ),
        **overrides,
    )
    contest = essay_contests.save_essay_contest(data, actor=None, now=NOW)
    if published:
        rounds.set_published(contest, True, actor=None, now=NOW)
    db.session.commit()
    return contest


def submitted_entry(
    db, contest, author, *, text="Bài viết về lịch sử Đảng bộ tỉnh.", title="Bài dự thi", at=None
):
    """An entry written and submitted by ``author`` (service calls, committed)."""
    at = at or NOW - timedelta(hours=1)
    entry = essay_entries.create_entry(contest, author, now=at)
    essay_entries.save_draft(entry, title=title, text=text, now=at)
    essay_entries.submit_entry(entry, declared=True, now=at)
    db.session.commit()
    return entry


def close_window(db, contest):
    """Move the contest's deadline into the past, as if time had passed."""
    settings = contest.essay_settings
    settings.opens_at = NOW - timedelta(days=10)
    settings.closes_at = NOW - timedelta(minutes=1)
    db.session.commit()
