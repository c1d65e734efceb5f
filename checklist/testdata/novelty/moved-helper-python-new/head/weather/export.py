import re
import unicodedata

from weather.names import make_slug


def export(rows):
    return [make_slug(r) for r in rows]


def file_name(title):
    title = unicodedata.normalize("NFKD", title)
    title = title.encode("ascii", "ignore").decode("ascii")
    title = re.sub(r"[^\w\s-]", "", title).strip().lower()
    title = re.sub(r"[-\s]+", "-", title)
    if not title:
        return "untitled"
    return title[:60]
