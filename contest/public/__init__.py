"""The public pages: the home page, the privacy page and the language switch."""
