import chartmogul


def broken(:
    pass
