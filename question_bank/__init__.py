"""Question banks: parse, validate, normalise, select and write, with no Flask or database.

Plain data in, plain data out; readers take bytes (or a binary stream), writers return bytes.
"""

from .bank import (
    DIFFICULTY_LABELS,
    BankParse,
    Difficulty,
    Duplicate,
    ParsedQuestion,
    QuestionLike,
    dedup_key,
    parse_answer,
    parse_bank,
    parse_difficulty,
)
from .demo import demo_bank_bytes, demo_bank_path
from .docx_reader import QuestionError, parse_docx_bank
from .docx_writer import docx_template_bytes, export_docx
from .formats import check_bank_file, file_kind, parse_bank_file
from .pictures import Picture, PictureRefused, Pictures, read_bundle, write_bundle
from .safety import UnreadableFile, check_docx, check_xlsx
from .select import Candidate, PoolTooSmall, Quota, check_quotas, select_questions, shuffled
from .template import export_bank, template_bytes
from .text import cell_text, fold, neutralise, normalise_text
from .xlsx import (
    Column,
    HeaderError,
    RowError,
    Sheet,
    Table,
    read_source,
    read_table,
    write_workbook,
)

__all__ = [
    "DIFFICULTY_LABELS",
    "BankParse",
    "Candidate",
    "Column",
    "Difficulty",
    "Duplicate",
    "HeaderError",
    "ParsedQuestion",
    "Picture",
    "PictureRefused",
    "Pictures",
    "PoolTooSmall",
    "QuestionError",
    "QuestionLike",
    "Quota",
    "RowError",
    "Sheet",
    "Table",
    "UnreadableFile",
    "cell_text",
    "check_bank_file",
    "check_docx",
    "check_quotas",
    "check_xlsx",
    "dedup_key",
    "demo_bank_bytes",
    "demo_bank_path",
    "docx_template_bytes",
    "export_bank",
    "export_docx",
    "file_kind",
    "fold",
    "neutralise",
    "normalise_text",
    "parse_answer",
    "parse_bank",
    "parse_bank_file",
    "parse_difficulty",
    "parse_docx_bank",
    "read_bundle",
    "read_source",
    "read_table",
    "select_questions",
    "shuffled",
    "template_bytes",
    "write_bundle",
    "write_workbook",
]
