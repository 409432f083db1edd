"""The ``chartmogul-compat`` command: ping, demo, sandbox, scan and fix.

Exit codes are part of the interface (scripts and CI branch on them). Only
``scan`` and ``fix`` use 1, for findings, as linters do; for the other
commands a 1 is what an uncaught exception gives.

``scan`` and ``fix`` import their modules when they run, and nothing that
only the API commands need: a scan should start about as fast as grep.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from typing import TYPE_CHECKING, Any, Callable, NoReturn, TextIO

from ._config import DEFAULT_BASE_URL, Config
from ._credentials import MIN_KEY_LIKE_LENGTH, mask_key
from ._errors import (
    APIError,
    AuthenticationError,
    ChartMogulError,
    ConfigurationError,
    TLSError,
    TransportError,
)
from ._ping import Ping
from ._version import __version__

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from .sandbox import Sandbox

__all__ = [
    "EXIT_API_ERROR",
    "EXIT_AUTH",
    "EXIT_CONFIG",
    "EXIT_FINDINGS",
    "EXIT_INTERRUPTED",
    "EXIT_NETWORK",
    "EXIT_OK",
    "EXIT_USAGE",
    "main",
]

EXIT_OK = 0
EXIT_FINDINGS = 1  # scan found something; fix has changes to show or left some
EXIT_USAGE = 2  # argparse's own code for a bad command line
EXIT_CONFIG = 3  # no or bad key, URL or CA file; no sandbox extra; a busy port
EXIT_AUTH = 4  # the API refused the key (401 or 403)
EXIT_NETWORK = 5  # no answer: connection, TLS or timeout failure
EXIT_API_ERROR = 6  # any other error answer (429, 5xx, unexpected body)
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT

_PROG = "chartmogul-compat"
# Every command shows it, and only ping and demo make API requests (sandbox
# answers them; scan and fix make none).
_VERBOSE_HELP = "show the package's debug log on stderr (ping and demo: each request)"
# The same as _report.FORMATS (a test checks), spelt out so that building the
# parser does not import the scanner.
_SCAN_FORMATS = ("text", "json", "github", "sarif")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = _build_parser(arguments)
    args = parser.parse_args(arguments)

    command: Callable[[argparse.Namespace], int] = args.command
    with _verbose_logging(args.verbose):
        try:
            return command(args)
        except KeyboardInterrupt:
            return _fail(EXIT_INTERRUPTED, "interrupted")


@contextlib.contextmanager
def _verbose_logging(enabled: bool) -> Iterator[None]:
    """With -v, the package's DEBUG lines on stderr, for this run only.

    Only the command configures logging, and only the package's logger:
    urllib3's lines would repeat each request. main() may run more than once
    in a process (tests do), so the handler and level are put back.
    """
    if not enabled:
        yield
        return

    import logging  # here, not at the top: scan starts faster without it

    logger = logging.getLogger("chartmogul_compat")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and never echo a value.

    argparse repeats what it could not parse ("unrecognized arguments: ..."),
    and a user who pastes a key on the command line would see it printed.
    """

    def __init__(self, *args: Any, arguments: Sequence[str] = (), **kwargs: Any):
        # "--time" must not stand for "--timeout": a prefix is easy to mistype.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._arguments = list(arguments)

    def error(self, message: str) -> NoReturn:
        for argument in self._arguments:
            value = _value_in(argument)
            if len(value) >= MIN_KEY_LIKE_LENGTH:
                message = message.replace(value, mask_key(value))
        self.exit(EXIT_USAGE, f"{_PROG}: error: {message} (see {_PROG} --help)\n")


def _value_in(argument: str) -> str:
    """The part of a command-line word that could be a pasted value.

    "--api-key=KEY" and "-xKEY" carry a value inside; "--api-key" is only a
    name, kept so the message still says which option was wrong.
    """
    if argument.startswith("--"):
        return argument.partition("=")[2]
    if argument.startswith("-"):
        return argument.partition("=")[2] or argument[2:]
    return argument


def _build_parser(arguments: Sequence[str] = ()) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=_PROG,
        description="Keep legacy ChartMogul integrations working on one API key.",
        arguments=arguments,
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    # -v is accepted before or after the command; SUPPRESS keeps the
    # command's default from overwriting a -v given before it.
    verbose = _Parser(add_help=False, arguments=arguments)
    verbose.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_VERBOSE_HELP,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=_VERBOSE_HELP)
    commands = parser.add_subparsers(
        title="commands",
        required=True,
        metavar="COMMAND",
        parser_class=_Parser,
    )

    ping = commands.add_parser(
        "ping",
        parents=[verbose],
        arguments=arguments,
        help="ping the API with the key from the environment",
        description=(
            "Ping the API. The key comes from CHARTMOGUL_API_KEY, or the legacy "
            "CHARTMOGUL_ACCOUNT_TOKEN / CHARTMOGUL_SECRET_KEY; it is never taken "
            "on the command line, where the process list would show it."
        ),
    )
    ping.add_argument(
        "--base-url",
        help="the API's root URL (default: $CHARTMOGUL_BASE_URL, else "
        f"{DEFAULT_BASE_URL})",
    )
    ping.add_argument(
        "--ca-bundle",
        help="PEM file of CAs to trust, e.g. the sandbox's (default: "
        "$CHARTMOGUL_CA_BUNDLE, else the system's)",
    )
    ping.add_argument(
        "--timeout", type=float, default=None, help="seconds to connect and to read"
    )
    ping.add_argument(
        "--max-retries",
        type=int,
        default=3,
        help="retries after a 429, a 5xx or a dropped connection (default: 3)",
    )
    ping.set_defaults(command=_ping)

    demo = commands.add_parser(
        "demo",
        parents=[verbose],
        arguments=arguments,
        help="show the legacy constructor working against a local sandbox",
    )
    demo.set_defaults(command=_demo)

    sandbox = commands.add_parser(
        "sandbox",
        parents=[verbose],
        arguments=arguments,
        help="serve a local HTTPS stand-in for the API until Ctrl-C",
        description=(
            "Serve a local HTTPS stand-in for the API until Ctrl-C or SIGTERM. "
            "stdout gets shell export lines (key, URL, CA file) for "
            "`chartmogul-compat ping` or Config.from_env(); stderr gets the rest."
        ),
    )
    sandbox.add_argument(
        "--port", type=_port, default=0, help="port (default: any free one)"
    )
    sandbox.set_defaults(command=_sandbox)

    scan = commands.add_parser(
        "scan",
        parents=[verbose],
        arguments=arguments,
        help="find legacy credentials and pre-3.0 pins in files and folders",
        description=(
            "Find what still uses the legacy account token and secret key: "
            "Config(token, secret) calls and legacy variable reads in Python, "
            "the legacy variables set in .env, YAML, TOML and INI files, and "
            "chartmogul pins before 3.0. Exit 0 when clean, 1 with findings."
        ),
    )
    _add_path_options(scan)
    scan.add_argument(
        "--format",
        choices=_SCAN_FORMATS,
        default=None,
        help="output format (default: github when GITHUB_ACTIONS=true, else text)",
    )
    scan.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when there are findings",
    )
    scan.set_defaults(command=_scan)

    fix = commands.add_parser(
        "fix",
        parents=[verbose],
        arguments=arguments,
        help="rewrite legacy Config(...) calls (a diff, or in place with --write)",
        description=(
            "Rewrite legacy Config(...) calls to the single key, keeping every "
            "other byte: print a unified diff, or with --write change the files. "
            "Calls that cannot be rewritten safely are listed on stderr and left "
            "alone. Exit 0 when there is nothing (left) to do, else 1."
        ),
    )
    _add_path_options(fix)
    fix.add_argument(
        "--write", action="store_true", help="change the files instead of a diff"
    )
    fix.set_defaults(command=_fix)
    return parser


def _add_path_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="files and folders (default: .); named files are always read",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip files and folders whose name or path matches (repeatable, "
        "or comma-separated)",
    )


def _ping(args: argparse.Namespace) -> int:
    with _warnings_to(sys.stderr):
        try:
            config = Config.from_env(
                base_url=args.base_url,
                ca_bundle=args.ca_bundle,
                request_timeout=args.timeout,
                max_retries=args.max_retries,
            )
        except ConfigurationError as error:
            return _fail(EXIT_CONFIG, f"configuration error: {error}")

    with config:
        try:
            result = Ping.ping(config).get()
        except AuthenticationError as error:
            return _fail(
                EXIT_AUTH,
                f"authentication failed ({error}); check the API key "
                "(ChartMogul: Profile > API keys)",
            )
        except TLSError as error:
            return _fail(
                EXIT_NETWORK,
                f"network error: {error} (on the command line: --ca-bundle PATH)",
            )
        except TransportError as error:
            return _fail(EXIT_NETWORK, f"network error: {error}")
        except APIError as error:
            return _fail(EXIT_API_ERROR, f"API error: {error}")

    print(result.data)
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    sandbox_class = _import_sandbox()
    if sandbox_class is None:
        return EXIT_CONFIG

    try:
        return _run_demo(sandbox_class, sys.stdout)
    except ChartMogulError as error:
        # The sandbox is on 127.0.0.1; a proxy in the environment that does
        # not exempt it is the usual reason for getting here.
        return _fail(
            EXIT_NETWORK,
            f"the demo could not reach its own sandbox: {error}. If HTTPS_PROXY "
            "is set, add 127.0.0.1 to NO_PROXY",
        )


def _run_demo(sandbox_class: type[Sandbox], out: TextIO) -> int:
    with sandbox_class() as sandbox:
        key = sandbox.api_key
        out.write(f"A local HTTPS sandbox is serving at {sandbox.base_url}\n\n")

        out.write("1. Old code, with the same API key as token and secret:\n")
        out.write("   config = Config(ACCOUNT_TOKEN, SECRET_KEY)\n")
        with _warnings_to(out, indent="   "):
            # The legacy call is what this step shows. No retries: the
            # sandbox is in this process, and a failure (a proxy in the way)
            # should show at once.
            config = Config(  # type: ignore[deprecated]
                key,
                key,
                base_url=sandbox.base_url,
                ca_bundle=sandbox.ca_bundle,
                max_retries=0,
            )
        with config:
            result = Ping.ping(config).get()
        out.write(f"   Ping.ping(config).get() -> {result!r}\n")
        out.write(f"{result.data}\n\n")

        out.write("2. A wrong key gets a clear error, not a traceback:\n")
        wrong = sandbox.config(api_key="not_the_sandbox_key_0000", max_retries=0)
        with wrong:
            try:
                Ping.ping(wrong).get()
            except ChartMogulError as error:
                out.write(f"   {type(error).__name__}: {error}\n")
            else:
                return _fail(EXIT_API_ERROR, "the sandbox accepted a wrong key")
    return EXIT_OK


def _sandbox(args: argparse.Namespace) -> int:
    sandbox_class = _import_sandbox()
    if sandbox_class is None:
        return EXIT_CONFIG

    import signal
    import threading

    stop = threading.Event()
    # SIGTERM (a CI job ending, `kill`) and SIGHUP (its terminal closing) stop
    # it as cleanly as Ctrl-C, so the throwaway CA's folder is removed.
    signals = [signal.SIGTERM]
    if hasattr(signal, "SIGHUP"):  # POSIX only
        signals.append(signal.SIGHUP)
    previous = {
        signum: signal.signal(signum, lambda signum, frame: stop.set())
        for signum in signals
    }
    try:
        sandbox = sandbox_class(port=args.port)
        try:
            sandbox.start()
        except OSError as error:
            return _fail(
                EXIT_CONFIG,
                f"cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}",
            )

        with sandbox:
            # The key is one the sandbox made up and accepts nowhere else, so
            # it is printed: clients need it.
            print(f"export CHARTMOGUL_API_KEY={sandbox.api_key}")
            print(f"export CHARTMOGUL_BASE_URL={sandbox.base_url}")
            print(f"export CHARTMOGUL_CA_BUNDLE={sandbox.ca_bundle}", flush=True)
            print(
                f"ChartMogul sandbox at {sandbox.base_url} (Ctrl-C to stop); with "
                f"the lines above exported, `{_PROG} ping` pings it",
                file=sys.stderr,
                flush=True,
            )
            with contextlib.suppress(KeyboardInterrupt):
                # A timed wait, so that signal handlers run promptly.
                while not stop.wait(0.2):
                    pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return EXIT_OK


def _scan(args: argparse.Namespace) -> int:
    from ._report import render
    from ._scan import scan_paths

    problem = _missing_path(args.paths)
    if problem is not None:
        return _fail(EXIT_USAGE, problem)

    format_name = args.format
    if format_name is None:
        github = os.environ.get("GITHUB_ACTIONS") == "true"
        format_name = "github" if github else "text"
    findings, scanned = scan_paths(args.paths, _globs(args.exclude))
    sys.stdout.write(render(format_name, findings, scanned))
    return EXIT_FINDINGS if findings and not args.exit_zero else EXIT_OK


def _fix(args: argparse.Namespace) -> int:
    from ._fix import fix_file, unified_diff
    from ._scan import iter_files

    problem = _missing_path(args.paths)
    if problem is not None:
        return _fail(EXIT_USAGE, problem)

    calls = files = left = 0
    for path in iter_files(args.paths, _globs(args.exclude)):
        if not path.endswith(".py"):
            continue
        try:
            result = fix_file(path)
            if result is not None and result.rewritten and args.write:
                with open(path, "wb") as file:
                    file.write(result.after.encode(result.encoding))
        except OSError as error:
            print(f"{path}: not rewritten: {error.strerror}", file=sys.stderr)
            left += 1
            continue
        if result is None:
            continue

        for refused in result.refused:
            print(
                f"{refused.path}:{refused.line}:{refused.column}: {refused.code} "
                f"{refused.message}",
                file=sys.stderr,
            )
        left += len(result.refused)
        if result.rewritten:
            calls += result.rewritten
            files += 1
            if not args.write:
                sys.stdout.write(unified_diff(result))

    verb = "Rewrote" if args.write else "Would rewrite"
    print(
        f"{verb} {calls} call{'s' if calls != 1 else ''} in {files} "
        f"file{'s' if files != 1 else ''}; {left} left for a hand edit.",
        file=sys.stderr,
    )
    pending = left or (calls and not args.write)
    return EXIT_FINDINGS if pending else EXIT_OK


def _missing_path(paths: Sequence[str]) -> str | None:
    for path in paths:
        if not os.path.exists(path):
            # A long word with no separator or dot may be a key pasted in the
            # wrong place: masked, as _Parser masks what argparse echoes.
            path_like = "/" in path or os.sep in path or "." in path
            key_like = not path_like and len(path) >= MIN_KEY_LIKE_LENGTH
            shown = mask_key(path) if key_like else path
            return f"error: no such file or folder: {shown} (see {_PROG} --help)"
    return None


def _globs(values: Sequence[str]) -> list[str]:
    """--exclude values, each of which may hold several comma-separated globs."""
    return [glob.strip() for value in values for glob in value.split(",") if glob]


def _import_sandbox() -> type[Sandbox] | None:
    """The `Sandbox` class, or None (after saying why) without its extra."""
    try:
        from .sandbox import Sandbox
    except ImportError as error:
        _fail(EXIT_CONFIG, str(error))
        return None
    return Sandbox


def _port(text: str) -> int:
    """argparse type: a TCP port number, 0 meaning any free one."""
    # Plain ASCII digits only: int() would also take "1_000" and "٨٠".
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise argparse.ArgumentTypeError("must be a whole number from 0 to 65535")
    return int(text)


def _fail(code: int, message: str) -> int:
    print(f"{_PROG}: {message}", file=sys.stderr)
    return code


@contextlib.contextmanager
def _warnings_to(stream: TextIO, indent: str = "") -> Iterator[None]:
    """Print the warnings raised inside the block to ``stream``, one line each.

    The CLI's calls come from inside the package, where the default filters
    would hide a DeprecationWarning; a person running the command should see
    it.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for warning in caught:
                category = warning.category.__name__
                stream.write(f"{indent}warning: {category}: {warning.message}\n")
