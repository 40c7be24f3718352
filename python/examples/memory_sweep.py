# %% [markdown]
# # Which memory size should a CPU-bound function run at?
#
# A notebook in plain Python (the `# %%` cells open as cells in Jupyter, VS Code and
# PyCharm; `python memory_sweep.py` runs it whole). It sweeps a function that spends 90 %
# of its time computing from 128 MB to 3,008 MB. On Lambda memory buys CPU, so the
# larger sizes run faster; the question is what the speed costs.
#
# Install the package first: `pip install ./python` from the lambdasim repository.

# %%
import matplotlib.pyplot as plt

import lambdasim

SCENARIO = """
name = "resize_sweep"
duration = "30m"
seed = 8
replications = 5

[[functions]]
name = "resize"
memory_mb = 1024
timeout = "60s"
duration = { dist = "lognormal", median = "800ms", sigma = 0.4 }
init = { dist = "lognormal", median = "300ms", sigma = 0.3 }
cpu_bound_fraction = 0.9     # 90 % of the time scales with CPU...
reference_memory_mb = 1024   # ...from durations measured at 1,024 MB
threads = 2                  # and the handler uses two threads

[[sources]]
name = "uploads"
service = "s3"
function = "resize"
arrival = { process = "poisson", rate = 5.0 }

[sweep]
"functions.resize.memory_mb" = [128, 256, 512, 1024, 1769, 2048, 3008]
"""

# %% Run all 7 sizes × 5 replications (35 runs, in parallel, without the GIL).
result = lambdasim.run(SCENARIO)
# variants.csv has a row per variant (with the means and 95 % half-widths over the
# replications); summary.csv gives each variant's memory size.
memory = result.summary[result.summary["function"] == "resize"].groupby("variant")["memory_mb"].first()
v = result.variants.join(memory, on="variant").sort_values("memory_mb")
print(
    v[
        [
            "memory_mb",
            "total_cost_usd_mean",
            "total_cost_usd_ci95",
            "latency_p50_ms_mean",
            "latency_p99_ms_mean",
        ]
    ].to_string(index=False)
)

# %% Cost and latency against memory, with the 95 % confidence intervals over the
# replications. Both axes start at zero, so the spreads are drawn to scale.
fig, (cost, latency) = plt.subplots(1, 2, figsize=(11, 4.2))
cost.errorbar(
    v["memory_mb"],
    v["total_cost_usd_mean"] * 100,
    yerr=v["total_cost_usd_ci95"] * 100,
    marker="o",
    capsize=3,
)
cost.set_xlabel("memory (MB)")
cost.set_ylabel("cost of the 30 minutes (US cents)")
rise = v["total_cost_usd_mean"].iloc[-1] / v["total_cost_usd_mean"].iloc[0] - 1
cost.set_title(f"Cost: {rise:+.0%} from the smallest size to the largest")
cost.set_ylim(bottom=0)
latency.errorbar(
    v["memory_mb"],
    v["latency_p50_ms_mean"],
    yerr=v["latency_p50_ms_ci95"],
    marker="o",
    capsize=3,
    label="p50",
)
latency.errorbar(
    v["memory_mb"],
    v["latency_p99_ms_mean"],
    yerr=v["latency_p99_ms_ci95"],
    marker="s",
    capsize=3,
    label="p99",
)
latency.set_xlabel("memory (MB)")
latency.set_ylabel("latency (ms)")
latency.set_title("Latency: faster up to 2 vCPUs (3,538 MB)")
latency.set_ylim(bottom=0)
latency.legend()
for ax in (cost, latency):
    ax.set_xlim(0, 3200)
    ax.grid(alpha=0.3)
fig.suptitle("resize: 5 uploads a second, 7 memory sizes, 5 replications each")
fig.tight_layout()
fig.savefig("memory_sweep.png", dpi=120)
print("wrote memory_sweep.png")

# %% The whole answer, with every chart, as one page to open or share.
with open("memory_sweep.html", "w", encoding="utf-8") as f:
    f.write(result.report_html())
print("wrote memory_sweep.html")
