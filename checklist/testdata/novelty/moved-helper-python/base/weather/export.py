import re
import unicodedata


def make_slug(text):
    text = unicodedata.normalize("NFKD", text)
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    text = re.sub(r"[-\s]+", "-", text)
    if not text:
        return "untitled"
    return text[:60]


def export(rows):
    return [make_slug(r) for r in rows]
