"""The Word report: what it says (:mod:`.content`), how it looks (:mod:`.docx`), its chart
(:mod:`.chart`), and its words in Chinese and English (:mod:`.words`)."""
