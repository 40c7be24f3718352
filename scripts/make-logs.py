#!/usr/bin/env python3
"""Writes the generated CloudWatch logs shipped in scenarios/logs/.

The logs are generated, not real: no public dataset holds a function's REPORT lines. They
follow the formats AWS documents, field for field, for an imaginary `orders-api`
function (512 MB, x86_64, Python) behind an API:

- arrivals: a Poisson process whose rate follows the hour of the week (a daytime peak,
  a lunch bump, quieter weekends), about 2 requests a minute on average;
- durations: lognormal, median 120 ms, with a slow tail; 0.4 % errors; a 6 s timeout;
- environments: one invocation at a time each, reused most recently used first, kept
  idle for 7 minutes (inside the 5-7 minutes measured for Lambda) and recycled after
  2 hours; a new one runs INIT (lognormal, median 420 ms);
- billing after August 2025: Billed Duration = ceil(Duration + Init Duration).

Timestamps are whole milliseconds, as CloudWatch stores them.

    python3 scripts/make-logs.py            # writes scenarios/logs/

writes:
- `orders-api-week.log.gz`: a week (2025-09-01 to 2025-09-08, UTC) of REPORT lines as
  `aws logs tail --filter-pattern REPORT` prints them, gzipped;
- `formats/`: the first 300 invocations of that week in every format lambdasim reads:
  `tail.txt` (aws logs tail, with START and END lines), `sam.txt` (sam logs),
  `console.csv` (the console's export), `events.json` (aws logs filter-log-events),
  `json-format.log` (the JSON log format, with platform.start records),
  `insights.csv` (a Logs Insights export).
"""

import csv
import gzip
import io
import json
import math
import os
import random
import sys
import uuid
from datetime import datetime, timezone

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios", "logs")
START = datetime(2025, 9, 1, tzinfo=timezone.utc)  # a Monday
WEEK_S = 7 * 24 * 3600
MEMORY_MB = 512
TIMEOUT_MS = 6000.0
KEEP_S = 7 * 60
RECYCLE_S = 2 * 3600
FORMAT_SAMPLE = 300


def rate_per_min(hour_of_week):
    """Requests a minute in an hour of the week (0 = Monday 00:00 UTC)."""
    day, hour = divmod(hour_of_week, 24)
    daytime = math.exp(-((hour - 14.0) ** 2) / (2 * 3.5**2))  # peak 14:00 UTC
    lunch = 0.35 * math.exp(-((hour - 12.0) ** 2) / 0.8)
    weekend = 0.45 if day >= 5 else 1.0
    return 0.3 + 4.8 * weekend * (daytime + lunch)


def invocations(rng):
    """Every invocation of the week, in order of arrival."""
    envs = []  # [free_at_s, born_s, id]
    t = 0.0
    out = []
    while True:
        # Thinning of a Poisson process with the hour-of-week rate.
        peak = 7.0 / 60.0
        t += rng.expovariate(peak)
        if t >= WEEK_S:
            return out
        if rng.random() > rate_per_min(int(t // 3600)) / 60.0 / peak:
            continue
        envs = [e for e in envs if e[0] > t - KEEP_S and e[1] > t - RECYCLE_S]
        idle = [e for e in envs if e[0] <= t]
        duration = min(rng.lognormvariate(math.log(120.0), 0.45), 60_000.0)
        if rng.random() < 0.01:
            duration *= 12.0
        status = "success"
        if duration > TIMEOUT_MS:
            duration, status = TIMEOUT_MS, "timeout"
        elif rng.random() < 0.004:
            status = "error"
        duration = round(duration, 2)
        if idle:
            env = max(idle, key=lambda e: e[0])
            init = None
        else:
            env = [0.0, t, uuid.UUID(int=rng.getrandbits(128)).hex]
            envs.append(env)
            init = round(rng.lognormvariate(math.log(420.0), 0.25), 2)
        lead = (init or 0.0) / 1000.0
        end_ms = math.ceil((t + lead + duration / 1000.0) * 1000.0)  # whole ms, after the end
        env[0] = end_ms / 1000.0
        if status == "timeout":
            # A timed-out environment is reset: the next request starts a new one.
            envs.remove(env)
        out.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "stream": START.strftime("%Y/%m/%d/") + "[$LATEST]" + env[2],
                "end_ms": end_ms,
                "duration": duration,
                "init": init,
                "billed": math.ceil(duration + (init or 0.0) - 1e-9),
                "max_mem": int(min(MEMORY_MB, 70 + rng.random() * 40 + (25 if init else 0))),
                "status": status,
            }
        )


def epoch_ms(inv):
    return int(START.timestamp() * 1000) + inv["end_ms"]


def iso(ms, sep="T", zone="Z", digits=3):
    dt = datetime.fromtimestamp(ms / 1000.0, tz=timezone.utc)
    frac = f"{ms % 1000:03d}" + "0" * (digits - 3)
    return dt.strftime(f"%Y-%m-%d{sep}%H:%M:%S") + "." + frac + zone


def report(inv):
    s = (
        f"REPORT RequestId: {inv['id']}\tDuration: {inv['duration']:.2f} ms\t"
        f"Billed Duration: {inv['billed']} ms\tMemory Size: {MEMORY_MB} MB\t"
        f"Max Memory Used: {inv['max_mem']} MB\t"
    )
    if inv["init"] is not None:
        s += f"Init Duration: {inv['init']:.2f} ms\t"
    if inv["status"] != "success":
        s += f"Status: {inv['status']}\t"
        if inv["status"] == "error":
            s += "Error Type: Runtime.ExitError\t"
    return s


def start_ms(inv):
    """When the invoke phase started, to the ms (for START lines and platform.start)."""
    return epoch_ms(inv) - math.ceil(inv["duration"])


def by_time(rows):
    """Lines in the order CloudWatch returns them: by timestamp (then as written)."""
    return [line for _, _, line in sorted((t, i, line) for i, (t, line) in enumerate(rows))]


def tail_lines(invs, with_start_end):
    rows = []
    for inv in invs:
        e = epoch_ms(inv)
        if with_start_end:
            s = start_ms(inv)
            rows.append((s, f"{iso(s, zone='+00:00', digits=6)} {inv['stream']} START RequestId: {inv['id']} Version: $LATEST"))
            rows.append((e, f"{iso(e, zone='+00:00', digits=6)} {inv['stream']} END RequestId: {inv['id']}"))
        rows.append((e, f"{iso(e, zone='+00:00', digits=6)} {inv['stream']} {report(inv)}"))
    return by_time(rows)


def json_records(inv):
    metrics = {
        "durationMs": inv["duration"],
        "billedDurationMs": inv["billed"],
        "memorySizeMB": MEMORY_MB,
        "maxMemoryUsedMB": inv["max_mem"],
    }
    if inv["init"] is not None:
        metrics["initDurationMs"] = inv["init"]
    start = {
        "time": iso(start_ms(inv)),
        "type": "platform.start",
        "record": {"requestId": inv["id"], "version": "$LATEST"},
    }
    rep = {
        "time": iso(epoch_ms(inv)),
        "type": "platform.report",
        "record": {"requestId": inv["id"], "metrics": metrics, "status": inv["status"]},
    }
    return start, rep


def write(path, text):
    with open(path, "w", newline="") as f:
        f.write(text)


def main():
    rng = random.Random(20250901)
    week = invocations(rng)
    os.makedirs(os.path.join(ROOT, "formats"), exist_ok=True)
    # A fixed mtime keeps the gzip file byte-identical from run to run.
    with open(os.path.join(ROOT, "orders-api-week.log.gz"), "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
            for line in tail_lines(week, False):
                gz.write((line + "\n").encode())
    sample = week[:FORMAT_SAMPLE]
    d = os.path.join(ROOT, "formats")
    write(os.path.join(d, "tail.txt"), "".join(l + "\n" for l in tail_lines(sample, True)))
    sample_by_end = sorted(sample, key=epoch_ms)
    write(
        os.path.join(d, "sam.txt"),
        "".join(
            f"{inv['stream']} {iso(epoch_ms(inv), zone='', digits=6)} {report(inv)}\n"
            for inv in sample_by_end
        ),
    )
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["timestamp", "message"])
    rows = []
    for inv in sample:
        rows.append((start_ms(inv), [start_ms(inv), f"START RequestId: {inv['id']} Version: $LATEST\n"]))
        rows.append((epoch_ms(inv), [epoch_ms(inv), report(inv) + "\n"]))
    for row in by_time(rows):
        w.writerow(row)
    write(os.path.join(d, "console.csv"), buf.getvalue())
    events = [
        {
            "logStreamName": inv["stream"],
            "timestamp": epoch_ms(inv),
            "message": report(inv) + "\n",
            "ingestionTime": epoch_ms(inv) + 412,
            "eventId": str(i),
        }
        for i, inv in enumerate(sample_by_end)
    ]
    doc = {"events": events, "searchedLogStreams": [], "nextToken": None}
    write(os.path.join(d, "events.json"), json.dumps(doc, indent=4) + "\n")
    rows = []
    for inv in sample:
        s, r = json_records(inv)
        rows.append((start_ms(inv), json.dumps(s)))
        rows.append((epoch_ms(inv), json.dumps(r)))
    write(os.path.join(d, "json-format.log"), "".join(l + "\n" for l in by_time(rows)))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        ["@timestamp", "@requestId", "@duration", "@billedDuration", "@initDuration",
         "@memorySize", "@maxMemoryUsed", "@message"]
    )
    for inv in sample_by_end:
        w.writerow(
            [
                iso(epoch_ms(inv), sep=" ", zone=""),
                inv["id"],
                f"{inv['duration']:.2f}",
                inv["billed"],
                "" if inv["init"] is None else f"{inv['init']:.2f}",
                MEMORY_MB * 1_000_000,
                inv["max_mem"] * 1_000_000,
                report(inv),
            ]
        )
    write(os.path.join(d, "insights.csv"), buf.getvalue())
    cold = sum(1 for i in week if i["init"] is not None)
    print(f"{len(week)} invocations, {cold} cold starts, written to {os.path.normpath(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
