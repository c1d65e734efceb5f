class PreparedRequest:
    pass
