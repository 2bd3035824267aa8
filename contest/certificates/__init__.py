"""Certificates (giấy chứng nhận): the organiser's template and issuing, the public
verification page, a participant's own download."""
