"""Organiser pages for the exclusion lists (danh sách không xét giải) of quiz rounds, quiz
contests and essay contests."""
