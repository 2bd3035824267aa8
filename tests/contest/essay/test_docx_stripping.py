"""Issue 11 item 7: the stored copy of an uploaded essay names nobody. A document carries
its author's name, email, phone, unit and Windows user name in every place Word and its
users put them; after the upload none of them is anywhere in the stored file, at any depth
(embedded workbooks, pictures). PDFs that act on their own or are also web pages are
refused; ordinary PDFs are not."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from contest.services import documents
from contest.services.image_metadata import strip_image_metadata
from tests.contest.essay.support import AUTHOR, WINDOWS_USER, docx_bytes, pdf_bytes

EMAIL = "tacgia.hoang@example.vn"
PHONE = "0912345678"
UNIT = "Trường THPT Số Một"
SECRETS = (AUTHOR, EMAIL, PHONE, UNIT, WINDOWS_USER)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _zip(parts: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return out.getvalue()


def _jpeg_with_exif(artist: str) -> bytes:
    exif = b"Exif\0\0MM\0*" + artist.encode() + b"\0"
    xmp = b"http://ns.adobe.com/xap/1.0/\0<dc:creator>" + EMAIL.encode() + b"</dc:creator>"
    segments = b""
    for marker, payload in ((0xE0, b"JFIF\0\1\1\0\0\1\0\1\0\0"), (0xE1, exif), (0xE1, xmp)):
        segments += bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    comment = UNIT.encode()
    segments += b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    scan = b"\xff\xda" + struct.pack(">H", 8) + b"\1\1\0\0?\0" + b"\x12\x34\x56" + b"\xff\xd9"
    return b"\xff\xd8" + segments + scan


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_with_text(author: str) -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"tEXt", b"Author\0" + author.encode("latin-1", "replace"))
        + _png_chunk(b"iTXt", b"Author\0\0\0\0\0" + author.encode())
        + _png_chunk(b"IDAT", zlib.compress(b"\0\0"))
        + _png_chunk(b"IEND", b"")
    )


def _embedded_workbook() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": "<Types/>",
            "_rels/.rels": f'<Relationships xmlns="{PKG_REL}"><Relationship Id="r1" '
            f'Type="{PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
            "</Relationships>",
            "xl/workbook.xml": "<workbook/>",
            "docProps/core.xml": f"<cp:coreProperties><dc:creator>{AUTHOR}</dc:creator>"
            "</cp:coreProperties>",
            "docProps/app.xml": f"<Properties><Company>{UNIT}</Company></Properties>",
            "xl/comments1.xml": f"<comments><authors><author>{EMAIL}</author></authors></comments>",
        }
    )


def identified_docx() -> bytes:
    """A .docx with the author in every hiding place named by issue 11 item 7."""
    document = (
        f'<?xml version="1.0"?><w:document {W_NS} xmlns:r="{REL}"><w:body>'
        '<w:p><w:commentRangeStart w:id="0"/><w:r><w:t>Đảng Cộng sản Việt Nam ra đời năm 1930.'
        '</w:t></w:r><w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p>'
        f'<w:p><w:ins w:id="1" w:author="{AUTHOR}" w:date="2026-01-01T00:00:00Z"><w:r>'
        "<w:t>Thêm.</w:t></w:r></w:ins></w:p>"
        '<w:p><w:hyperlink r:id="rLink"><w:r><w:t>Tài liệu tham khảo</w:t></w:r></w:hyperlink>'
        '<w:hyperlink r:id="rMail"><w:r><w:t>liên hệ</w:t></w:r></w:hyperlink></w:p>'
        '<w:p><w:r><w:instrText xml:space="preserve"> INCLUDEPICTURE "C:\\\\Users\\\\'
        f'{WINDOWS_USER}\\\\Pictures\\\\anh.jpg" </w:instrText></w:r></w:p>'
        "</w:body></w:document>"
    )
    doc_rels = (
        f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL}">'
        f'<Relationship Id="rLink" Type="{REL}/hyperlink" TargetMode="External" '
        f'Target="file:///\\\\fileserver\\Users\\{WINDOWS_USER}\\tai-lieu.docx"/>'
        f'<Relationship Id="rMail" Type="{REL}/hyperlink" TargetMode="External" '
        f'Target="mailto:{EMAIL}"/>'
        f'<Relationship Id="rWeb" Type="{REL}/hyperlink" TargetMode="External" '
        'Target="https://dangcongsan.vn/"/>'
        f'<Relationship Id="rCx" Type="{REL}/customXml" Target="../customXml/item1.xml"/>'
        f'<Relationship Id="rCm" Type="{REL}/comments" Target="comments.xml"/>'
        f'<Relationship Id="rPp" Type="{REL}/people" Target="people.xml"/>'
        f'<Relationship Id="rImg" Type="{REL}/image" Target="media/image1.jpeg"/>'
        f'<Relationship Id="rPng" Type="{REL}/image" Target="media/image2.png"/>'
        f'<Relationship Id="rXl" Type="{REL}/package" Target="embeddings/Workbook1.xlsx"/>'
        "</Relationships>"
    )
    extra = {
        "word/document.xml": document,
        "word/_rels/document.xml.rels": doc_rels,
        "word/people.xml": f'<w15:people><w15:person w15:author="{AUTHOR}"><w15:presenceInfo '
        f'w15:providerId="AD" w15:userId="{EMAIL}"/></w15:person></w15:people>',
        "word/commentsExtended.xml": f"<w15:commentsEx>{AUTHOR}</w15:commentsEx>",
        "word/settings.xml": f'<w:settings {W_NS}><w:docVars><w:docVar w:name="nguoi" '
        f'w:val="{AUTHOR} {PHONE}"/></w:docVars></w:settings>',
        "customXml/item1.xml": f"<b:Sources><b:Author>{AUTHOR}</b:Author>"
        f"<b:Phone>{PHONE}</b:Phone></b:Sources>",
        "customXml/_rels/item1.xml.rels": "<Relationships/>",
        "docProps/custom.xml": f"<Properties><property name='DonVi'><vt:lpwstr>{UNIT}"
        "</vt:lpwstr></property></Properties>",
        "docProps/thumbnail.jpeg": _jpeg_with_exif(AUTHOR),
        "word/media/image1.jpeg": _jpeg_with_exif(AUTHOR),
        "word/media/image2.png": _png_with_text(AUTHOR),
        "word/embeddings/Workbook1.xlsx": _embedded_workbook(),
    }
    return docx_bytes(extra_parts=extra)


def every_byte(data: bytes, depth: int = 0) -> bytes:
    """All entries of a package, decompressed, with embedded packages opened too."""
    chunks = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        chunks.append(archive.comment)
        for name in archive.namelist():
            payload = archive.read(name)
            chunks.append(name.encode() + b"\n" + payload)
            if payload.startswith(b"PK") and depth < 3:
                chunks.append(every_byte(payload, depth + 1))
    return b"\n".join(chunks)


def _found(secret: str, blob: bytes) -> bool:
    return any(secret.encode(enc, "ignore") in blob for enc in ("utf-8", "utf-16-le"))


def test_the_stored_copy_holds_no_trace_of_its_author_anywhere():
    raw = identified_docx()
    for secret in SECRETS:
        assert _found(secret, every_byte(raw)), secret  # the test file really carries them
    doc = documents.inspect_upload(raw)
    stored = every_byte(doc.data)
    for secret in SECRETS:
        assert not _found(secret, stored), secret
    # What judges read: the body, with the comment's note and the field code left out.
    assert doc.text == "Đảng Cộng sản Việt Nam ra đời năm 1930.\nThêm.\nTài liệu tham khảoliên hệ"


def test_what_stays_still_makes_a_document():
    doc = documents.inspect_upload(identified_docx())
    with zipfile.ZipFile(io.BytesIO(doc.data)) as archive:
        names = set(archive.namelist())
        rels = archive.read("word/_rels/document.xml.rels")
        types = archive.read("[Content_Types].xml")
        body = archive.read("word/document.xml")
        picture = archive.read("word/media/image1.jpeg")
    assert not {n for n in names if n.startswith("customXml/") or "comments" in n}
    assert "word/people.xml" not in names and "docProps/thumbnail.jpeg" not in names
    # Links to dropped parts are gone, the web link stays, the others point nowhere.
    assert b"customXml" not in rels and b"comments.xml" not in rels and b"people.xml" not in rels
    assert b'Target="https://dangcongsan.vn/"' in rels
    assert rels.count(b'Target="about:blank"') == 2
    assert b"media/image1.jpeg" in rels and b"embeddings/Workbook1.xlsx" in rels
    assert b"comments" not in types
    assert b"commentRangeStart" not in body and b"commentReference" not in body
    # The picture keeps its data: same scan bytes, no metadata segments.
    assert picture.startswith(b"\xff\xd8\xff\xe0") and picture.endswith(b"\x12\x34\x56\xff\xd9")
    assert b"Exif" not in picture and b"xap/1.0" not in picture
    # The stripped copy passes the gate again and reads the same.
    assert documents.inspect_upload(doc.data).text == doc.text


def test_pictures_keep_their_data_and_lose_their_metadata():
    jpeg = _jpeg_with_exif(AUTHOR)
    clean = strip_image_metadata(jpeg)
    assert AUTHOR.encode() not in clean and UNIT.encode() not in clean
    assert clean.endswith(jpeg[jpeg.index(b"\xff\xda") :])
    png = strip_image_metadata(_png_with_text(AUTHOR))
    assert b"tEXt" not in png and b"iTXt" not in png and AUTHOR.encode() not in png
    assert b"IHDR" in png and b"IDAT" in png and png.endswith(_png_chunk(b"IEND", b""))
    # Anything else, or a file that does not add up, is left as it is.
    assert strip_image_metadata(b"GIF89a...") == b"GIF89a..."
    assert strip_image_metadata(b"\xff\xd8\xff\xe1\xff\xff") == b"\xff\xd8\xff\xe1\xff\xff"


def test_an_old_embedded_object_is_refused_with_what_to_do():
    ole = bytes.fromhex("d0cf11e0a1b11ae1") + AUTHOR.encode() + b"\0" * 512
    raw = docx_bytes(extra_parts={"word/embeddings/oleObject1.bin": ole})
    with pytest.raises(documents.UploadRefused, match="đối tượng nhúng kiểu cũ") as caught:
        documents.inspect_upload(raw)
    assert "Dán đặc biệt" in caught.value.message


def test_a_bomb_inside_an_embedded_package_is_refused():
    inner = _zip({"xl/workbook.xml": b"<w/>", "xl/media/pad.bin": b"\0" * (90 * 1024 * 1024)})
    raw = docx_bytes(extra_parts={"word/embeddings/Workbook1.xlsx": inner})
    with pytest.raises(documents.UploadRefused, match="Không đọc được tệp Word"):
        documents.inspect_upload(raw)


@pytest.mark.parametrize(
    ("extra", "what"),
    [
        (b"/OpenAction 5 0 R", "lệnh tự chạy khi mở tệp"),
        (b"/OpenAction << /S /URI /URI (http://x.example/) >>", "lệnh tự chạy khi mở tệp"),
        (b"/AA << /O << /S /URI >> >>", "lệnh tự chạy khi mở trang"),
        (b"/OpenAction << /S /GoToR /F (\\\\\\\\server\\\\a.pdf) >>", "lệnh mở tệp khác"),
        (b"/Launch (calc.exe) /JS (x)", "mã JavaScript"),
    ],
)
def test_pdfs_that_act_on_their_own_are_refused(extra, what):
    with pytest.raises(documents.UploadRefused, match=what):
        documents.inspect_upload(pdf_bytes(extra))


def test_a_pdf_that_is_also_a_web_page_is_refused():
    polyglot = pdf_bytes().replace(b"%PDF-1.4\n", b"%PDF-1.4\n%<html><script>alert(1)</script>\n")
    with pytest.raises(documents.UploadRefused, match=r"mã trang web \(HTML\)"):
        documents.inspect_upload(polyglot)


def test_ordinary_pdfs_are_accepted():
    # Opening on a page is not an action; a binary stream may hold any bytes, "<svg" too.
    assert documents.inspect_upload(pdf_bytes(b"/OpenAction [3 0 R /Fit]")).kind == "pdf"
    stream = b"4 0 obj << /Length 12 >>\nstream\n<svg <html>\x00\nendstream endobj\n"
    data = pdf_bytes().replace(b"trailer", stream + b"trailer")
    assert documents.inspect_upload(data).kind == "pdf"


def test_names_inside_a_pictures_bytes_are_not_actions():
    # Binary picture data may hold "/JS " or "/AA " by chance: only dictionaries count.
    picture = (
        b"4 0 obj << /Filter /DCTDecode /Length 20 >>\nstream\n"
        b"\xff\xd8/JS /AA (x)\xff\xd9\nendstream endobj\n"
    )
    data = pdf_bytes().replace(b"trailer", picture + b"trailer")
    assert documents.inspect_upload(data).kind == "pdf"


def test_an_uncompressed_object_stream_is_still_read():
    hidden = (
        b"4 0 obj << /Type /ObjStm /N 1 /First 4 >>\nstream\n"
        b"5 0 << /S /JavaScript >>\nendstream endobj\n"
    )
    data = pdf_bytes().replace(b"trailer", hidden + b"trailer")
    with pytest.raises(documents.UploadRefused, match="JavaScript"):
        documents.inspect_upload(data)


def test_a_file_of_many_broken_streams_is_read_once():
    # 230,000 broken zlib streams (43 s before each try stopped copying the rest of the file).
    data = b"%PDF-1.4\n" + b"stream\nxZ" * 230_000 + b"\n%%EOF\n"
    assert documents.inspect_upload(data).kind == "pdf"


# --- review: only field codes and outside links are rewritten, never the text ---------------


def _python_docx_with_paths() -> bytes:
    """A .docx made by python-docx: body text quoting ``/home/…`` and a web address with
    ``/users/``, a web hyperlink, field codes (``w:instrText`` and ``w:fldSimple``) with the
    user's folder and a ``mailto:``, and a link to a file on the author's disk."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.add_paragraph("Máy chủ lưu bài ở /home/nam/du-an và C:\\Users\\Nam\\bai-viet.")
    document.add_paragraph("Mã nguồn: https://github.com/users/nam-nguyen/projects/1")
    part = document.part

    def hyperlink(paragraph, target, text):
        rid = part.relate_to(target, RT.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), rid)
        run = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = text
        run.append(t)
        link.append(run)
        paragraph._p.append(link)

    para = document.add_paragraph("Liên kết: ")
    hyperlink(para, "https://github.com/users/nam-nguyen", "trang dự án")
    hyperlink(para, "file:///home/nam/tai-lieu.docx", "tài liệu")
    field = document.add_paragraph().add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = (
        ' INCLUDEPICTURE "C:\\\\Users\\\\NamNguyen\\\\anh.png" HYPERLINK "mailto:nam@example.vn"'
        ' HYPERLINK "https://example.vn/Users/trang" '
    )
    field._r.append(instr)
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), ' INCLUDETEXT "/home/namnguyen/ghi-chu.txt" ')
    document.add_paragraph()._p.append(simple)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode()


def test_text_and_web_links_are_kept_while_field_codes_lose_the_user_folder():
    from contest.services.docx_strip import strip_docx_metadata
    from contest.services.docx_text import docx_text

    original = _python_docx_with_paths()
    stored = strip_docx_metadata(original)
    body = _part(stored, "word/document.xml")
    rels = _part(stored, "word/_rels/document.xml.rels")
    # What the participant typed is theirs: untouched.
    assert "/home/nam/du-an" in body and "C:\\Users\\Nam\\bai-viet" in body
    assert "https://github.com/users/nam-nguyen/projects/1" in body
    assert docx_text(stored) == docx_text(original)
    # A web link stays a working link.
    assert 'Target="https://github.com/users/nam-nguyen"' in rels
    # The author's own disk and email are gone from the field codes and the links.
    assert "NamNguyen" not in body and "namnguyen" not in body
    assert "C:\\\\Users\\\\user\\\\anh.png" in body and "/home/user/ghi-chu.txt" in body
    assert "mailto:" not in body and "nam@example.vn" not in body
    assert "https://example.vn/Users/trang" in body  # a web address inside a field, kept
    assert "file:///home/nam" not in rels and 'Target="about:blank"' in rels
