"""Question banks for organisers: list, import from Excel, browse and edit questions."""
