"""Legacy calls that `chartmogul-compat fix` rewrites."""

import os

import chartmogul
from chartmogul import Config

label = "café"; inline = chartmogul.Config(TOKEN, os.environ.get("CHARTMOGUL_SECRET_KEY"))
literal = Config("placeholder-key-0001", "placeholder-key-0001", 30)
spread_over_lines = Config(
    TOKEN,  # the account token is the key
    SECRET_KEY,  # the legacy secret
    30,
)
last_on_its_line = Config(
    TOKEN,
    SECRET_KEY
)
trailing_comma = Config(TOKEN, SECRET_KEY,)
parenthesised = Config(TOKEN, (SECRET_KEY))
comma_first = Config(
    TOKEN
    , SECRET_KEY  # comma-first style
)
keywords = Config(account_token=TOKEN, secret_key=SECRET_KEY, request_timeout=30)
token_only = Config(account_token=TOKEN)
secret_only = Config(secret_key=SECRET_KEY)
positional_and_secret = Config(TOKEN, secret_key=SECRET_KEY)
keyword_across_lines = Config(
    TOKEN,
    # a comment before the keyword
    secret_key=SECRET_KEY,
    max_retries=3,
)
untouched = chartmogul.Config(API_KEY, 30)
