from weather.names import make_slug


def export(rows):
    return [make_slug(r) for r in rows]
