"""Command line: `python -m pytest_aisbench.simulator [options]` serves the simulator.

Example: `python -m pytest_aisbench.simulator --port 8000 --ttft 0.05 --itl 0.01`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import uvicorn

from .app import create_app
from .config import DEFAULT_TEXT, ResponsesFileError, SimulatorConfig, responder_from_file
from .fault_names import FAULTS


def _non_negative_float(value: str) -> float:
    """An argparse type for durations, refusing negative seconds at parse time."""
    number = float(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return number


def _positive_int(value: str) -> int:
    """An argparse type for token counts, refusing zero and negatives at parse time."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return number


_REPLY_SWITCHES = {
    "--no-usage-in-stream": "never send a usage chunk in streams (as llama.cpp)",
    "--json-spaces": "write JSON with spaces (as llama.cpp)",
    "--eos-chunk": "on a natural stop, send an empty end-of-sequence token chunk (as vLLM on EOS)",
}
"""On/off options that make replies look like another server's, in `--help` order."""
_TIMING_SWITCHES = {
    "--early-role-chunk": "chat streams: send the role-only chunk on accept, a TTFT before the "
    "first token",
    "--stamp-events": 'add "sim_sent_ns" (time.perf_counter_ns() at write) to each streamed '
    "JSON event",
}
"""On/off options about when events go out and how a benchmark can time them."""


def build_parser() -> argparse.ArgumentParser:
    """The command line: one option per `SimulatorConfig` field a server operator may set."""
    parser = argparse.ArgumentParser(
        prog="python -m pytest_aisbench.simulator",
        description="Serve a simulated LLM behind vLLM's OpenAI-compatible API.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    add("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    add("--model", default="sim-model", help="served model name (default: %(default)s)")
    add("--max-model-len", type=_positive_int, default=4096, help="context window in tokens")
    add("--ttft", type=_non_negative_float, default=0.0, help="seconds to the first token")
    add("--itl", type=_non_negative_float, default=0.0, help="seconds between tokens")
    add("--output-len", type=_positive_int, default=None, help="tokens per reply (repeats text)")
    add("--text", default=DEFAULT_TEXT, help="reply text when no response rule matches")
    add("--reasoning-text", default="", help="chat reasoning streamed before the content")
    add(
        "--responses",
        metavar="FILE",
        help='JSONL of {"prompt_contains": ..., "text": ...}; the first match is the reply',
    )
    for name, text in _REPLY_SWITCHES.items():
        add(name, action="store_true", help=text)
    add("--fault", default="", choices=["", *FAULTS], help="inject a fault (docs/faults.md)")
    add("--fault-count", type=int, default=None, help="fault only the first N matching requests")
    add("--fault-match", default="", help="fault only requests whose prompt has this text")
    add("--retry-after", type=_non_negative_float, default=None, help="Retry-After of a fault")
    for name, text in _TIMING_SWITCHES.items():
        add(name, action="store_true", help=text)
    add("--log-level", default="info", help="uvicorn log level (default: %(default)s)")
    return parser


_SAME_NAMED = (
    "model",
    "max_model_len",
    "ttft",
    "itl",
    "output_len",
    "text",
    "reasoning_text",
    "json_spaces",
    "eos_chunk",
    "fault",
    "fault_count",
    "fault_match",
    "retry_after",
    "early_role_chunk",
    "stamp_events",
)
"""`SimulatorConfig` fields set straight from the option of the same name (dashes as ``_``)."""


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """The configuration the parsed options describe; raises ResponsesFileError."""
    return SimulatorConfig(
        **{name: getattr(args, name) for name in _SAME_NAMED},
        responder=responder_from_file(args.responses) if args.responses else None,
        usage_in_stream=not args.no_usage_in_stream,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the configured simulator with uvicorn until interrupted."""
    args = build_parser().parse_args(argv)
    try:
        config = config_from_args(args)
    except ResponsesFileError as exc:
        sys.exit(f"error: {exc}")
    uvicorn.run(
        create_app(config),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=1,
    )


if __name__ == "__main__":
    main()
