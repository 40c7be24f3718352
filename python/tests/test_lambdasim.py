"""The Python package against the command line and the model's own invariants."""

import csv
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

import lambdasim

REPO = pathlib.Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"

STEADY = """
name = "tiny"
duration = "20s"
seed = 3

[[functions]]
name = "api"
memory_mb = 512
duration = { dist = "lognormal", median = "80ms", sigma = 0.5 }
init = { dist = "constant", value = "300ms" }

[[sources]]
name = "users"
service = "api_gateway"
function = "api"
arrival = { process = "poisson", rate = 40.0 }
"""


def cli_binary():
    """The command line built by `cargo test` (or LAMBDASIM_BIN): the reference."""
    path = pathlib.Path(os.environ.get("LAMBDASIM_BIN", REPO / "target/debug/lambdasim"))
    if not path.is_file():
        if os.environ.get("LAMBDASIM_REQUIRE_CLI"):
            pytest.fail(f"the lambdasim binary {path} is missing: run `cargo test` first")
        pytest.skip(f"SKIPPED LOUDLY: no lambdasim binary at {path}; build it with `cargo test`")
    return path


def header(path):
    with open(path, newline="") as f:
        return next(csv.reader(f))


def test_burst_equals_the_command_line_file_for_file(tmp_path):
    binary = cli_binary()
    subprocess.run(
        [binary, SCENARIOS / "burst.toml", "-q", "--out", tmp_path / "cli"],
        check=True,
    )
    r = lambdasim.run(SCENARIOS / "burst.toml", out=tmp_path / "py")
    assert r.folder == tmp_path / "py" / "burst"
    cli = sorted(p.name for p in (tmp_path / "cli" / "burst").iterdir())
    assert sorted(r.files) == cli
    for name in cli:
        ours = (r.folder / name).read_bytes()
        theirs = (tmp_path / "cli" / "burst" / name).read_bytes()
        assert ours == theirs, f"{name} differs from the command line's"
    # And the frames are those files, column for column.
    for frame, name in [
        (r.summary, "summary.csv"),
        (r.timeseries, "timeseries.csv"),
        (r.variants, "variants.csv"),
        (r.sources, "sources.csv"),
    ]:
        path = r.folder / name
        assert list(frame.columns) == header(path)
        with open(path, newline="") as f:
            assert len(frame) == sum(1 for _ in f) - 1


def test_the_done_when_one_liner_prints_the_summary():
    out = subprocess.run(
        [sys.executable, "-c", "import lambdasim; print(lambdasim.run('scenarios/burst.toml').summary)"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.splitlines()[0].split()[:2] == ["scenario", "variant"], out
    assert "burst" in out and "[2 rows x" in out, out


def test_every_run_conserves_requests_and_the_star_row_sums_the_functions():
    r = lambdasim.run(SCENARIOS / "reserved_throttling.toml", charts=False, report=False)
    s = r.summary
    assert (s["succeeded"] + s["failed"] + s["unfinished"] == s["requests"]).all()
    for _, run in s.groupby(["variant", "replication"]):
        star = run[run["function"] == "*"]
        parts = run[run["function"] != "*"]
        assert len(star) == 1 and len(parts) >= 2
        for col in ["requests", "cold_starts", "throttles"]:
            assert star[col].iloc[0] == parts[col].sum(), col


def test_a_text_runs_named_scenario_unless_it_has_a_name():
    unnamed = STEADY.replace('name = "tiny"\n', "", 1)
    r = lambdasim.run(unnamed, charts=False, report=False)
    assert set(r.summary["scenario"]) == {"scenario"}
    r = lambdasim.run(STEADY, charts=False, report=False)
    assert set(r.summary["scenario"]) == {"tiny"}
    api = r.summary[r.summary["function"] == "api"].iloc[0]
    # 40 a second for 20 s: 800 expected, Poisson sd 28; four sd either side.
    assert 800 - 4 * 28 <= api["requests"] <= 800 + 4 * 28


def test_the_seed_decides_the_result_and_jobs_do_not():
    a = lambdasim.run(STEADY, seed=11, jobs=1, charts=False, report=False)
    b = lambdasim.run(STEADY, seed=11, jobs=2, charts=False, report=False)
    c = lambdasim.run(STEADY, seed=12, charts=False, report=False)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    assert set(a.summary["seed"]) == {11}
    assert not a.summary["latency_p50_ms"].equals(c.summary["latency_p50_ms"])


def test_a_sweep_has_a_variants_row_per_variant_and_a_report_that_switches():
    r = lambdasim.run(SCENARIOS / "memory_tuning.toml", jobs=2)
    assert list(r.variants["variant"]) == [
        f"memory_mb={m}" for m in [128, 256, 512, 1024, 1536, 2048, 3008]
    ]
    assert (r.variants["replications"] == 5).all()
    assert len(r.summary[r.summary["function"] == "*"]) == 7 * 5
    html = r.report_html()
    assert html.startswith("<!DOCTYPE html>")
    assert "<svg" in html and "memory_tuning" in html
    assert r.folder is None  # the temporary folder is gone


def test_no_report_is_a_clear_error_not_an_empty_string():
    r = lambdasim.run(STEADY, report=False)
    assert "report.html" not in r.files
    with pytest.raises(ValueError, match="no report was written"):
        r.report_html()


def test_an_input_error_carries_the_command_lines_message_and_its_parts(tmp_path):
    bad = STEADY.replace("rate = 40.0", "rate = -40.0")
    with pytest.raises(lambdasim.InputError) as e:
        lambdasim.run(bad)
    err = e.value
    assert isinstance(err, ValueError)
    assert err.file == "<string>"
    assert err.line == STEADY.splitlines().index(
        'arrival = { process = "poisson", rate = 40.0 }'
    ) + 1
    assert err.key is not None and "rate" in err.key
    assert str(err).startswith(f"<string>:{err.line}:{err.column}: `{err.key}`: ")
    # The same message the command line prints after "error: ".
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    binary = cli_binary()
    cli = subprocess.run([binary, "--check", path], capture_output=True, text=True)
    assert cli.returncode == 2
    with pytest.raises(lambdasim.InputError) as from_file:
        lambdasim.check(path)
    assert cli.stderr.strip() == f"error: {from_file.value}"


@pytest.mark.parametrize(
    "how",
    [
        {"jobs": 0},
        {"jobs": -2},
        {"jobs": True},
        {"seed": -1},
        {"seed": 2**64},
        {"seed": True},
        {"max_memory_gib": 0.0},
        {"max_memory_gib": float("nan")},
    ],
)
def test_bad_options_are_value_errors(how):
    with pytest.raises(ValueError, match=next(iter(how))):
        lambdasim.run(STEADY, **how)
    with pytest.raises(ValueError, match=next(iter(how))):
        lambdasim.check(STEADY, **how)


def test_a_missing_file_is_an_input_error_that_names_it():
    with pytest.raises(lambdasim.InputError, match="no-such.toml"):
        lambdasim.run("no-such.toml")
    # A path is a path even with "=" in it.
    with pytest.raises(lambdasim.InputError) as e:
        lambdasim.run("runs/memory=512.toml")
    assert e.value.file == "runs/memory=512.toml"
    with pytest.raises(ValueError, match="empty"):
        lambdasim.run("  ")


def test_check_says_what_would_run_and_runs_nothing(tmp_path, monkeypatch):
    c = lambdasim.check(STEADY, out=tmp_path)
    assert c.plan.startswith("tiny: ok")
    assert "function api: 512 MB" in c.plan
    assert f"→ {tmp_path / 'tiny'}" in c.plan
    assert c.warnings == []
    assert list(tmp_path.iterdir()) == []
    # Without out, like run: a temporary folder, not the scenario's own in the
    # current folder (which may not be writable).
    monkeypatch.chdir(tmp_path)
    c = lambdasim.check(STEADY)
    assert "→ output/tiny" not in c.plan and "lambdasim-" in c.plan
    assert list(tmp_path.iterdir()) == []


def test_the_memory_budget_refuses_before_the_run():
    many = STEADY.replace("seed = 3", "seed = 3\nreplications = 100")
    lambdasim.check(many)
    with pytest.raises(lambdasim.InputError, match="GiB") as e:
        lambdasim.check(many, max_memory_gib=0.001)
    assert "0.001" in str(e.value)


def test_warnings_are_returned():
    warned = STEADY.replace(
        'duration = { dist = "lognormal", median = "80ms", sigma = 0.5 }',
        'duration = "5s"\ntimeout = "3s"',
    )
    with pytest.warns(lambdasim.ScenarioWarning, match="every one times out"):
        c = lambdasim.check(warned)
    assert len(c.warnings) == 1 and "every one times out" in c.warnings[0], c.warnings
    with pytest.warns(lambdasim.ScenarioWarning):
        r = lambdasim.run(warned, charts=False, report=False)
    assert r.warnings == c.warnings
    assert lambdasim.check(STEADY).warnings == []


def test_the_simulation_runs_without_the_gil():
    long = STEADY.replace('duration = "20s"', 'duration = "2h"').replace("40.0", "400.0")
    done = []
    t = threading.Thread(
        target=lambda: done.append(lambdasim.run(long, jobs=1, charts=False, report=False))
    )
    start = time.perf_counter()
    last = start
    longest = 0.0
    t.start()
    while t.is_alive():
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    t.join()
    assert done, "the run failed"
    elapsed = time.perf_counter() - start
    # Holding the GIL, the native run would stop this thread for all of its second or
    # so; released, this thread only waits its turns with the run's Python parts.
    assert elapsed > 0.5, f"the run was too short to tell ({elapsed:.2f} s)"
    assert longest < elapsed / 4, f"this thread stood still {longest:.2f} s of {elapsed:.2f} s"


def test_ctrl_c_stops_a_long_run_at_once_and_leaves_no_folder(tmp_path):
    # About a minute uninterrupted (20 s on a fast core); interrupted after 1.5 s, it
    # must end within a few.
    long = STEADY.replace('duration = "20s"', 'duration = "200h"').replace("40.0", "400.0")
    script = (
        "import signal, sys, lambdasim\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        f"lambdasim.run({long!r}, jobs=1, charts=False, report=False, out=sys.argv[1])\n"
    )
    start = time.perf_counter()
    p = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)], stderr=subprocess.PIPE, text=True
    )
    time.sleep(1.5)
    assert p.poll() is None, "the run ended before it could be interrupted"
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    elapsed = time.perf_counter() - start
    assert p.returncode != 0 and "KeyboardInterrupt" in err, err
    assert elapsed < 6, f"it took {elapsed:.1f} s to stop"
    # The staged folder is gone and no output folder was written.
    assert list(tmp_path.iterdir()) in ([], [tmp_path / ".tiny.lock"]), list(tmp_path.iterdir())


def test_import_logs_writes_a_scenario_that_replays_them(tmp_path):
    log = SCENARIOS / "logs" / "formats" / "tail.txt"
    reports = sum(1 for line in log.read_text().splitlines() if "REPORT RequestId" in line)
    cold = sum(1 for line in log.read_text().splitlines() if "Init Duration" in line)
    imp = lambdasim.import_logs(log, name="orders", out=tmp_path / "orders.toml")
    assert imp.path == tmp_path / "orders.toml"
    assert imp.path.read_text() == imp.text
    assert f"Logged: {reports} invocations, {cold} cold starts" in "\n".join(imp.found), imp.found
    r = lambdasim.run(imp.path, charts=False, report=False)
    base = r.summary[r.summary["function"] == "*"]
    assert len(base) == 1
    assert base["requests"].iloc[0] == reports
    assert base["cold_starts"].iloc[0] == cold
    with pytest.raises(lambdasim.InputError, match="exists already"):
        lambdasim.import_logs(log, name="orders", out=tmp_path / "orders.toml")


def test_import_of_an_unknown_service_is_an_input_error_that_suggests(tmp_path):
    log = SCENARIOS / "logs" / "formats" / "tail.txt"
    with pytest.raises(lambdasim.InputError) as e:
        lambdasim.import_logs(log, service="apigw", out=tmp_path / "x.toml")
    assert e.value.key == "--service" and "did you mean `api_gateway`?" == e.value.help
    assert not (tmp_path / "x.toml").exists()


def test_import_of_a_file_with_no_report_line_is_an_input_error(tmp_path):
    empty = tmp_path / "empty.log"
    empty.write_text("START RequestId: 1 Version: $LATEST\n")
    with pytest.raises(lambdasim.InputError, match="REPORT"):
        lambdasim.import_logs(empty, out=tmp_path / "x.toml")


def test_the_memory_sweep_example_runs_and_draws(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    example = REPO / "python" / "examples" / "memory_sweep.py"
    subprocess.run([sys.executable, example], cwd=tmp_path, env=env, check=True)
    png = tmp_path / "memory_sweep.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000
