"""lambdasim from Python: simulate an AWS Lambda workload, get pandas data frames.

>>> import lambdasim
>>> r = lambdasim.run("scenarios/burst.toml")          # a path, or TOML text
>>> r.summary[["function", "requests", "cold_starts", "total_cost_usd"]]
>>> open("burst.html", "w").write(r.report_html())

The simulation is the command line's: the same scenario and seed give the same numbers
as ``lambdasim scenarios/burst.toml``, and the data frames have the columns of the CSV
files it writes (documented in docs/scenarios.md). It runs in native code with the GIL
released, so other Python threads go on meanwhile.
"""

from __future__ import annotations

import os
import pathlib
import tempfile
import warnings as _warnings
from typing import List, Optional, Sequence, Union

import pandas as pd

from . import _native
from ._native import InputError

__all__ = [
    "run",
    "check",
    "import_logs",
    "Result",
    "Checked",
    "Imported",
    "InputError",
    "ScenarioWarning",
]
__version__ = _native.__version__

PathOrText = Union[str, "os.PathLike[str]"]


class ScenarioWarning(UserWarning):
    """Valid input that is probably a mistake (the command line's "warning: ..."): issued
    with ``warnings.warn`` by ``run`` and ``check``, and kept in their ``warnings``."""


def _warn(messages: List[str]) -> None:
    for m in messages:
        _warnings.warn(m, ScenarioWarning, stacklevel=3)


def _source(path_or_toml_text: PathOrText) -> "tuple[str, bool]":
    """The scenario as (text or path, whether it is a path).

    A ``pathlib.Path`` is a path. A string is a path when it names a file, or when it is
    one line ending in ``.toml`` or with no ``=`` (a file that does not exist is then an
    InputError that says so); otherwise it is the TOML text itself.
    """
    if isinstance(path_or_toml_text, os.PathLike):
        return os.fspath(path_or_toml_text), True
    if not isinstance(path_or_toml_text, str):
        raise TypeError(
            f"a scenario is a path or TOML text, not {type(path_or_toml_text).__name__}"
        )
    s = path_or_toml_text
    if not s.strip():
        raise ValueError("the scenario is empty: give a path or the TOML text")
    one_line = "\n" not in s
    if os.path.isfile(s) or (one_line and (s.endswith(".toml") or "=" not in s)):
        return s, True
    return s, False


def _how(seed: Optional[int], jobs: Optional[int], max_memory_gib: Optional[float]) -> None:
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64
    ):
        raise ValueError(f"seed must be a whole number from 0 to 2**64 - 1, not {seed!r}")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ValueError(f"jobs must be a whole number of threads, at least 1, not {jobs!r}")
    if max_memory_gib is not None and not (0 < max_memory_gib < float("inf")):
        raise ValueError(f"max_memory_gib must be a number of GiB above 0, not {max_memory_gib!r}")


def _frame(path: pathlib.Path) -> pd.DataFrame:
    # Only an empty cell is missing: a function named "NA" stays a name.
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


class Result:
    """The outputs of one scenario's runs, read into memory.

    Attributes:
        summary: summary.csv, one row per run and function (and a ``*`` row per run).
        timeseries: timeseries.csv, one row per interval, run and function.
        variants: variants.csv, one row per variant and function, with confidence
            intervals over the replications.
        sources: sources.csv, one row per run and source.
        invocations: invocations.csv when the scenario asks for it, else None.
        recommendation_table: recommendation.csv with a ``[recommend]``, else None.
        recommendation: the recommendation as a sentence, or None.
        warnings: warnings about the scenario and its runs, each once.
        files: the names of the files written, in order.
        folder: the output folder when ``out`` was given; None when the outputs went
            to a temporary folder, which is gone.
    """

    def __init__(
        self,
        folder: pathlib.Path,
        files: List[str],
        warnings: List[str],
        recommendation: Optional[str],
        keep: bool,
    ):
        def table(name: str) -> Optional[pd.DataFrame]:
            return _frame(folder / name) if name in files else None

        self.summary = table("summary.csv")
        self.timeseries = table("timeseries.csv")
        self.variants = table("variants.csv")
        self.sources = table("sources.csv")
        self.invocations = table("invocations.csv")
        self.recommendation_table = table("recommendation.csv")
        self.recommendation = recommendation
        self.warnings = list(warnings)
        self.files = list(files)
        self.folder = folder if keep else None
        self._report = (
            (folder / "report.html").read_text(encoding="utf-8")
            if "report.html" in files
            else None
        )

    def report_html(self) -> str:
        """The self-contained HTML report (report.html): open it from disk, or show it in
        a notebook with ``IPython.display.HTML``."""
        if self._report is None:
            raise ValueError(
                "no report was written: run with report=True and charts=True, and without "
                "`report = false` in the scenario's [output]"
            )
        return self._report

    def __repr__(self) -> str:
        runs = self.summary[self.summary["function"] == "*"]
        return (
            f"<lambdasim.Result: {len(runs)} run(s), "
            f"{int(runs['requests'].sum())} requests, files {', '.join(self.files)}>"
        )


def run(
    path_or_toml_text: PathOrText,
    seed: Optional[int] = None,
    jobs: Optional[int] = None,
    *,
    out: Optional[PathOrText] = None,
    charts: bool = True,
    report: bool = True,
    max_memory_gib: Optional[float] = None,
) -> Result:
    """Runs a scenario (every variant and replication) and returns its outputs.

    Args:
        path_or_toml_text: a scenario file, or its TOML text. Relative trace paths are
            relative to the file's folder, or to the current folder for a text; a text
            with no ``name`` is named ``scenario``.
        seed: overrides the scenario's seed.
        jobs: worker threads (default: all cores). The results do not depend on it.
        out: an output root to keep the files in (``out/<name>/``, as ``--out``);
            by default they are written to a temporary folder, read, and removed.
        charts: draw the charts (the report shows them).
        report: write report.html.
        max_memory_gib: the most memory the runs may need (default 8 GiB); a scenario
            estimated to need more is refused before it runs.

    Raises:
        InputError: the scenario is not valid, with the command line's message.
        RuntimeError: the outputs could not be written.
    """
    source, is_path = _source(path_or_toml_text)
    _how(seed, jobs, max_memory_gib)
    if out is not None:
        folder, files, warnings, rec = _native.run(
            source, is_path, os.fspath(out), seed, jobs, charts, report, max_memory_gib
        )
        _warn(warnings)
        return Result(pathlib.Path(folder), files, warnings, rec, keep=True)
    with tempfile.TemporaryDirectory(prefix="lambdasim-") as tmp:
        folder, files, warnings, rec = _native.run(
            source, is_path, tmp, seed, jobs, charts, report, max_memory_gib
        )
        _warn(warnings)
        return Result(pathlib.Path(folder), files, warnings, rec, keep=False)


class Checked:
    """What ``check`` found: ``plan`` (what would run, as ``lambdasim --check`` prints
    it) and ``warnings``."""

    def __init__(self, plan: str, warnings: List[str]):
        self.plan = plan
        self.warnings = list(warnings)

    def __repr__(self) -> str:
        return f"<lambdasim.Checked: {self.plan.splitlines()[0]}>"


def check(
    path_or_toml_text: PathOrText,
    seed: Optional[int] = None,
    jobs: Optional[int] = None,
    *,
    out: Optional[PathOrText] = None,
    max_memory_gib: Optional[float] = None,
) -> Checked:
    """Validates a scenario and what its runs need (memory, the output folder ``out``, or
    a temporary one as ``run`` uses without it), running nothing. Raises InputError as
    ``run`` does."""
    source, is_path = _source(path_or_toml_text)
    _how(seed, jobs, max_memory_gib)
    with tempfile.TemporaryDirectory(prefix="lambdasim-") as tmp:
        plan, warnings = _native.check(
            source,
            is_path,
            tmp if out is None else os.fspath(out),
            seed,
            jobs,
            max_memory_gib,
        )
    _warn(warnings)
    return Checked(plan, warnings)


class Imported:
    """What ``import_logs`` wrote: ``path`` (the scenario file), ``text`` (its TOML) and
    ``found`` (what was found in the logs, in lines, as ``lambdasim import`` prints
    them). ``run(imported.path)`` replays the logs."""

    def __init__(self, path: str, text: str, found: List[str]):
        self.path = pathlib.Path(path)
        self.text = text
        self.found = list(found)

    def __repr__(self) -> str:
        return f"<lambdasim.Imported: {self.path}>"


def import_logs(
    logs: Union[PathOrText, Sequence[PathOrText]],
    name: Optional[str] = None,
    *,
    out: Optional[PathOrText] = None,
    architecture: str = "x86_64",
    service: str = "direct",
    force: bool = False,
) -> Imported:
    """Reads a function's CloudWatch logs (REPORT lines in any export: text, console CSV,
    ``aws logs`` JSON, the JSON log format, Logs Insights CSV) and writes a scenario that
    replays them, as ``lambdasim import`` does.

    Args:
        logs: log files of one function, or folders of one function each.
        name: the scenario's name (default: from the first log's file name).
        out: the scenario file to write (default: ``<name>.toml`` in the current folder).
        architecture: ``"x86_64"`` or ``"arm64"``, which the logs do not record.
        service: the service that invoked the function, which the logs do not record.
        force: overwrite ``out`` if it exists.
    """
    if isinstance(logs, (str, os.PathLike)):
        logs = [logs]
    path, text, found = _native.import_logs(
        [os.fspath(p) for p in logs],
        name,
        None if out is None else os.fspath(out),
        architecture,
        service,
        force,
    )
    return Imported(path, text, found)
