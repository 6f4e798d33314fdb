"""Reading transcripts: formats, encodings, speaker turns and language."""
