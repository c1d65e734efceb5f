class Flask:
    pass
