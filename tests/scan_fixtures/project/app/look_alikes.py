"""Look-alikes that are not findings, beside a chartmogul import."""

import os

import chartmogul


class Config:
    """A local class that happens to be named Config."""

    def __init__(self, *values: object) -> None:
        self.values = values


local = Config(TOKEN, SECRET_KEY)
modern = chartmogul.Config(API_KEY)
timed = chartmogul.Config(API_KEY, 30)
untimed = chartmogul.Config(API_KEY, None)
pair = chartmogul.Config(API_KEY, (5, 30))
named = chartmogul.Config(api_key=API_KEY, request_timeout=30)
# chartmogul.Config(TOKEN, SECRET_KEY) in a comment
mention = "chartmogul.Config(TOKEN, SECRET_KEY) reads CHARTMOGUL_SECRET_KEY"
key = os.environ["CHARTMOGUL_API_KEY"]
quiet = chartmogul.Config(TOKEN, SECRET_KEY)  # chartmogul-compat: ignore
quiet_code = chartmogul.Config(
    account_token=TOKEN,  # chartmogul-compat: ignore[CMC002, CMC003]
    secret_key=SECRET_KEY,  # chartmogul-compat: ignore[CMC003]
)
