"""Legacy ChartMogul usage: each line below the imports is a finding."""

import os
from os import environ, getenv

import chartmogul
import chartmogul as cm
from chartmogul import Config as ChartMogulConfig
from chartmogul.api.config import Config

label = "café"; unset = chartmogul.Config(TOKEN, os.environ.get("SECRET"))
aliased = cm.Config(TOKEN, SECRET_KEY)
keywords = ChartMogulConfig(account_token=TOKEN, secret_key=SECRET_KEY)
mixed = Config(TOKEN, secret_key=SECRET_KEY)
token = os.environ["CHARTMOGUL_ACCOUNT_TOKEN"]
secret = os.getenv("CHARTMOGUL_SECRET_KEY")
imported = environ.get("CHARTMOGUL_SECRET_KEY")
also = getenv("CHARTMOGUL_ACCOUNT_TOKEN")
present = "CHARTMOGUL_SECRET_KEY" in os.environ
timed = cm.Config(TOKEN, timeout_seconds)
spread = cm.Config(TOKEN, SECRET_KEY, *RETRY_SETTINGS)
other = cm.Config(account_token=TOKEN)  # chartmogul-compat: ignore[CMC001]
