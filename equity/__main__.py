"""Command line: `python -m equity ingest ...` and `python -m equity indicators ...`.

Other tools depend on this contract (see README): output formats and exit codes are stable.
Exit 0 on success, 2 on unusable input, each problem on one line, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from equity.ingest.runner import ingest_paths
from equity.queries import UnknownSelectionError, indicators
from equity.store import STORE_ENV, Store, default_store_path, vacuum


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m equity",
        description="Equity Explorer: ingest DfE files and compute equity indicators.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    store_help = f"store folder (default: ${STORE_ENV} or the embedded data/store)"

    ingest = sub.add_parser("ingest", help="read DfE/ONS files into the store")
    ingest.add_argument("paths", nargs="+", type=Path, help="files, folders or .zip archives")
    ingest.add_argument("--store", type=Path, default=None, help=store_help)

    ind = sub.add_parser("indicators", help="equity indicators for one LA, year and phase")
    ind.add_argument("--store", type=Path, default=None, help=store_help)
    ind.add_argument("--la", required=True, help="3-digit LA code, ONS code, name, GM or england")
    ind.add_argument(
        "--year",
        required=True,
        help="2018-19, 2018-2019, 2018/19 or 201819: a results year, a census year (January "
        "of its second half) or a KS4 destinations cohort (the year pupils finished KS4)",
    )
    ind.add_argument("--phase", required=True, help="primary or secondary")
    ind.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _ingest(args: argparse.Namespace) -> int:
    store = args.store or default_store_path()
    report = ingest_paths(args.paths, store)
    print(report.text())
    if not report.ingested:
        for failure in report.failures:
            print(f"error: {failure.error}", file=sys.stderr)
        if not report.failures:
            names = ", ".join(str(p) for p in args.paths)
            print(f"error: no data files found in {names}", file=sys.stderr)
        return 2
    # What killed ingests left (unlisted files, scratch folders) goes now, under the lock.
    cleaned = vacuum(store).deleted
    if cleaned:
        print(f"cleaned {len(cleaned)} file(s) left by interrupted ingests")
    for line in cross_file_notes(Store.open(store)):
        print(f"note: {line}")
    print(f"store: {store}")
    return 0


def cross_file_notes(store: Store) -> list[str]:
    """What only the files together can say: census schools placed in a phase from another
    year's census (a file without SCHOOLTYPE) and KS4 destination cohorts that two releases
    both give (the latest release is kept; how many shared cells differ)."""
    from equity.analysis import census, destinations

    return census.placement_notes(store) + destinations.release_notes(store)


def _indicators(args: argparse.Namespace) -> int:
    store_path = args.store or default_store_path()
    store = Store.open(store_path)
    if not store.layers:
        print(
            f"error: no store at {store_path} (run `python -m equity ingest` first)",
            file=sys.stderr,
        )
        return 2
    try:
        answer = indicators(store, args.la, args.year, args.phase)
    except UnknownSelectionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(answer, indent=2))
    else:
        _print_human(answer)
    return 0


def _print_human(answer: dict[str, object]) -> None:
    print(f"{answer['la_name']} ({answer['la']}), {answer['year']}, {answer['phase']}")
    published = answer["published"]
    assert isinstance(published, dict)
    for measure, groups in published.items():
        print(f"  {measure}: " + ", ".join(f"{k}={v}" for k, v in groups.items()))
    print(f"  schools: {answer['schools']}")
    print(f"  segregation: {answer['segregation']}")
    breaks = answer.get("breaks") or []
    assert isinstance(breaks, list)
    for entry in breaks:
        print(f"  series break ({entry['series']}, {entry['kind']}): {entry['text']}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "ingest":
            return _ingest(args)
        return _indicators(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
