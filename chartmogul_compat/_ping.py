"""`Ping`: the one endpoint the shim implements itself."""

from __future__ import annotations

from typing import Any

from ._config import Config, transport_for
from ._errors import ConfigurationError
from ._promise import Promise

__all__ = ["Ping"]


class Ping:
    """The API's answer to ``GET /v1/ping``: ``data`` is ``"pong!"``.

    ``Ping.ping(config).get()`` is the official library's call, and works the
    same: a good key gives ``<Ping{data='pong!'}>``, anything else raises.
    """

    __slots__ = ("data",)

    def __init__(self, data: str) -> None:
        self.data = data

    @classmethod
    def ping(cls, config: Config) -> Promise[Ping]:
        """Ping the API with ``config``'s key.

        :raises ConfigurationError: at once, if ``config`` is not a `Config`.
        :returns: a settled `Promise`; its ``get()`` returns the `Ping` or
            raises the `APIError` or `TransportError` of the request.
        """
        if not isinstance(config, Config):
            raise ConfigurationError(
                "Ping.ping() needs a chartmogul_compat.Config as its first "
                f"argument, not {type(config).__name__}; build one with "
                "Config(api_key)"
            )
        transport = transport_for(config)
        return Promise.attempt(
            lambda: transport.request_json("GET", "/ping", cls._from_body)
        )

    @classmethod
    def _from_body(cls, body: Any) -> Ping:
        # Fields other than `data` are ignored: the official library once
        # broke when the API added fields.
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, str):
            raise ValueError('the ping answer has no string "data" field')
        return cls(data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ping):
            return NotImplemented
        return self.data == other.data

    def __hash__(self) -> int:
        return hash(self.data)

    def __repr__(self) -> str:
        return f"<Ping{{data={self.data!r}}}>"
