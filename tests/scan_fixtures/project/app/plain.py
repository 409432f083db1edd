"""Nothing to do with the API: skipped by the byte check."""

Config = dict
settings = Config(token="a", secret="b")
