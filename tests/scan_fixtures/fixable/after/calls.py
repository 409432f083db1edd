"""Legacy calls that `chartmogul-compat fix` rewrites."""

import os

import chartmogul
from chartmogul import Config

label = "café"; inline = chartmogul.Config(TOKEN)
literal = Config("placeholder-key-0001", 30)
spread_over_lines = Config(
    TOKEN,  # the account token is the key
    30,
)
last_on_its_line = Config(
    TOKEN,
)
trailing_comma = Config(TOKEN,)
parenthesised = Config(TOKEN)
comma_first = Config(
    TOKEN
      # comma-first style
)
keywords = Config(api_key=TOKEN, request_timeout=30)
token_only = Config(api_key=TOKEN)
secret_only = Config(api_key=SECRET_KEY)
positional_and_secret = Config(TOKEN)
keyword_across_lines = Config(
    TOKEN,
    # a comment before the keyword
    max_retries=3,
)
untouched = chartmogul.Config(API_KEY, 30)
