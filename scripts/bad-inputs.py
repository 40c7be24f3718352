"""Writes about 200 broken scenario files, each breaking one rule (a few break several,
in different sections), for scripts/same-outputs.sh: their `--check` messages and exit
statuses must not change in a refactor.

usage: python3 scripts/bad-inputs.py SCENARIOS_DIR OUT_DIR

Most files are a shipped scenario with one thing broken; the rest are small scenarios
built here, and broken trace files written beside them.
"""
import os, shutil, re, sys
S, D = sys.argv[1], sys.argv[2]
os.makedirs(D, exist_ok=True)
shutil.copytree(S + "/traces", D + "/traces", dirs_exist_ok=True)
T = D + "/traces"

def scen(name):
    return open(f"{S}/{name}.toml").read()

def w(fname, text):
    open(f"{D}/{fname}.toml", "w").write(text)

def sub(name, old, new, count=1):
    t = scen(name)
    assert old in t, (name, old)
    return t.replace(old, new, count)

BASE = '''name = "b"
duration = "10m"
{top}
[[functions]]
name = "f"
duration = "100ms"
{fn}
[[sources]]
service = "{svc}"
function = "f"
{src}
arrival = {arr}
{tail}
'''
def base(top="", fn="", svc="api_gateway", src="", arr='{ process = "poisson", rate = 1.0 }', tail=""):
    return BASE.format(top=top, fn=fn, svc=svc, src=src, arr=arr, tail=tail)

# --- top level
w("top_unknown_key", sub("steady_api", 'duration = "1h"', 'durration = "1h"'))
w("top_missing_duration", sub("steady_api", 'duration = "1h"\n', ''))
w("top_zero_duration", sub("steady_api", 'duration = "1h"', 'duration = "0s"'))
w("top_negative_seed", sub("steady_api", 'seed = 7', 'seed = -7'))
w("top_replications_zero", sub("cluster_eviction", 'replications = 3', 'replications = 0'))
w("top_bad_name", sub("steady_api", 'name = "steady_api"', 'name = ".steady api"'))
w("top_bare_duration", sub("steady_api", 'duration = "1h"', 'duration = 60'))
# --- account
w("account_limit_zero", base(top="[account]\nconcurrency_limit = 0\n"))
w("account_scaling_interval_zero", base(top="[account]\nscaling_interval = \"0s\"\n"))
w("account_unknown_key", base(top="[account]\nconcurency_limit = 10\n"))
# --- platform
w("platform_selection_typo", sub("cluster_eviction", 'eviction = "lru"', 'eviction = "lru"\ninstance_selection = "mur"'))
w("platform_backoff_order", base(top='[platform]\nasync_backoff_initial = "10s"\nasync_backoff_max = "1s"\n'))
w("platform_backoff_zero", base(top='[platform]\nasync_backoff_initial = "0s"\n'))
w("platform_pollers_order", base(top='[platform]\nsqs_pollers_initial = 50\nsqs_pollers_max = 10\n'))
w("platform_pollers_range", base(top='[platform]\nsqs_pollers_per_minute = -1\n'))
w("platform_poll_interval", base(top='[platform]\npoll_interval = "0s"\n'))
# --- cluster
w("cluster_memory_without_hosts", base(top='[platform]\nhost_memory_mb = 4096\n'))
w("cluster_hosts_without_memory", base(top='[platform]\nhosts = 2\n'))
w("cluster_hosts_zero", base(top='[platform]\nhosts = 0\nhost_memory_mb = 4096\n'))
w("cluster_cores_string", base(top='[platform]\nhosts = 2\nhost_memory_mb = 4096\nhost_cores = "many"\n'))
w("cluster_placement_typo", sub("cluster_eviction", 'placement = "best_fit"', 'placement = "bestfit"'))
w("cluster_eviction_typo", sub("cluster_eviction", 'eviction = "lru"', 'eviction = "lr"'))
w("cluster_host_too_small", sub("cluster_eviction", 'host_memory_mb = 8192', 'host_memory_mb = 2048'))
w("cluster_cores_too_small", sub("cluster_eviction", 'host_memory_mb = 8192', 'host_memory_mb = 8192\nhost_cores = 1'))
w("cluster_cores_too_small_float", base(top='[platform]\nhosts = 2\nhost_memory_mb = 16384\nhost_cores = 0.5\n', fn='memory_mb = 3008\n'))
# --- pricing
w("pricing_preset_typo", sub("steady_api", 'preset = "aws-arm64-2025"', 'preset = "aws-arm-2025"'))
w("pricing_negative", sub("steady_api", 'preset = "aws-arm64-2025"', 'preset = "aws-arm64-2025"\nper_gb_second = -1.0'))
w("pricing_provisioned_nan", base(top='[pricing]\nprovisioned_per_gb_second = nan\n'))
# --- functions
w("fn_bad_name", sub("steady_api", 'name = "orders"', 'name = "or ders"'))
w("fn_memory_low", sub("steady_api", 'memory_mb = 1024', 'memory_mb = 64'))
w("fn_memory_wrong_type", sub("steady_api", 'memory_mb = 1024', 'memory_mb = "1024"'))
w("fn_arch_typo", sub("steady_api", 'architecture = "arm64"', 'architecture = "arm"'))
w("fn_timeout_high", sub("steady_api", 'timeout = "10s"', 'timeout = "1000s"'))
w("fn_no_duration", sub("steady_api", 'duration = { dist = "lognormal", mean = "150ms", std = "80ms" }\n', ''))
w("fn_duplicate", sub("provisioned_autoscaling", 'name = "scheduled"', 'name = "fixed"'))
w("fn_efs_no_mount", base(fn='efs = true\n'))
w("fn_efs_mount_only", base(fn='efs_mount = "60ms"\n'))
w("fn_reserved_below_pc", base(fn='reserved_concurrency = 5\nprovisioned_concurrency = 10\n'))
w("fn_error_rate", base(fn='error_rate = 1.5\n'))
w("fn_event_age", base(fn='max_event_age = "10s"\n'))
w("fn_cpu_no_ref", base(fn='cpu_bound_fraction = 0.5\n'))
w("fn_ref_no_cpu", base(fn='reference_memory_mb = 1024\n'))
w("fn_cpu_range", base(fn='cpu_bound_fraction = 1.5\nreference_memory_mb = 1024\n'))
w("fn_retry_attempts", base(fn='max_retry_attempts = 3\n'))
w("fn_none", 'name = "b"\nduration = "10m"\n')
w("fn_unknown_key", base(fn='memroy_mb = 512\n'))
# --- distributions
w("dist_unknown", sub("steady_api", 'dist = "lognormal", mean', 'dist = "lognorm", mean'))
w("dist_param_wrong", sub("steady_api", '{ dist = "lognormal", mean = "150ms", std = "80ms" }', '{ dist = "normal", median = "150ms", std = "80ms" }'))
w("dist_uniform_order", base(fn='init = { dist = "uniform", min = "2s", max = "1s" }\n'))
w("dist_missing_param", base(fn='init = { dist = "gamma", shape = 2.0 }\n'))
w("dist_sigma_negative", base(fn='init = { dist = "lognormal", median = "1s", sigma = -0.5 }\n'))
w("dist_exp_zero", base(fn='init = { dist = "exponential", mean = 0 }\n'))
w("dist_empirical_no_p100", base(fn='init = { dist = "empirical", percentiles = { p0 = "1ms", p50 = "5ms" } }\n'))
w("dist_empirical_decreasing", base(fn='init = { dist = "empirical", percentiles = { p0 = "1ms", p50 = "5ms", p99 = "4ms", p100 = "9ms" } }\n'))
w("dist_empirical_bad_name", base(fn='init = { dist = "empirical", percentiles = { p0 = "1ms", median = "5ms", p100 = "9ms" } }\n'))
w("dist_empirical_bad_value", base(fn='init = { dist = "empirical", percentiles = { p0 = "1ms", p50 = 5, p100 = "9ms" } }\n'))
w("dist_empirical_missing", base(fn='init = { dist = "empirical" }\n'))
w("dist_bad_duration_str", base(fn='init = "fast"\n'))
# --- keep-alive
w("ka_policy_typo", sub("steady_api", 'policy = "fixed"', 'policy = "fxed"'))
w("ka_fixed_lifetime", sub("steady_api", 'idle = "6m" }', 'idle = "6m", lifetime = "2h" }'))
w("ka_none_idle", base(fn='keep_alive = { policy = "none", idle = "1m" }\n'))
w("ka_fixed_no_idle", base(fn='keep_alive = { policy = "fixed" }\n'))
w("ka_fixed_random", base(fn='keep_alive = { policy = "fixed", idle = { dist = "exponential", mean = "5m" } }\n'))
w("ka_hybrid_bins", base(fn='keep_alive = { policy = "hybrid_histogram", range = "4h", bin = "1s" }\n'))
w("ka_hybrid_head_tail", base(fn='keep_alive = { policy = "hybrid_histogram", head = 0.9, tail = 0.5 }\n'))
w("ka_hybrid_range_zero", base(fn='keep_alive = { policy = "hybrid_histogram", range = "0s" }\n'))
w("ka_hybrid_margin", base(fn='keep_alive = { policy = "hybrid_histogram", margin = 2.0 }\n'))
w("ka_hybrid_min_samples", base(fn='keep_alive = { policy = "hybrid_histogram", min_samples = 0 }\n'))
w("ka_aws_bad_lifetime", base(fn='keep_alive = { policy = "aws", lifetime = { dist = "uniform", min = "4h", max = "2h" } }\n'))
w("ka_platform_no_idle", base(top='[platform]\nkeep_alive = { policy = "fixed" }\n'))
# --- provisioned
w("pc_string", base(fn='provisioned_concurrency = "ten"\n'))
w("pc_negative", base(fn='provisioned_concurrency = -1\n'))
w("pc_schedule_order", sub("provisioned_autoscaling", '{ at = "18h", value = 5 }', '{ at = "7h", value = 5 }'))
w("pc_schedule_unknown_key", sub("provisioned_autoscaling", '{ at = "18h", value = 5 }', '{ at = "18h", vaule = 5 }'))
w("pc_schedule_empty", base(fn='provisioned_concurrency = []\n'))
w("pc_schedule_not_table", base(fn='provisioned_concurrency = [5]\n'))
w("pc_schedule_no_value", base(fn='provisioned_concurrency = [{ at = "0s" }]\n'))
w("pc_schedule_bad_at", base(fn='provisioned_concurrency = [{ at = 5, value = 2 }]\n'))
w("pc_table_no_policy", base(fn='provisioned_concurrency = { min = 1 }\n'))
w("pc_table_policy_typo", base(fn='provisioned_concurrency = { policy = "target" }\n'))
w("pc_table_schedule_steps", base(fn='provisioned_concurrency = { policy = "schedule", steps = 3 }\n'))
w("pc_tt_target", sub("provisioned_autoscaling", 'target = 0.7', 'target = 1.5'))
w("pc_tt_min_max", sub("provisioned_autoscaling", 'min = 5, max = 100', 'min = 50, max = 10'))
w("pc_tt_unknown", sub("provisioned_autoscaling", 'min = 5, max = 100', 'min = 5, max = 100, cooldown = "1m"'))
w("pc_tt_points", base(fn='provisioned_concurrency = { policy = "target_tracking", target = 0.5, min = 1, max = 3, scale_out_points = 0 }\n'))
w("pc_tt_alloc_delay_bad", base(fn='provisioned_concurrency = { policy = "target_tracking", allocation_delay = "soon", target = 0.5, min = 1, max = 3 }\n'))
w("pc_account_total", sub("provisioned_autoscaling", 'seed = 11', 'seed = 11\n[account]\nconcurrency_limit = 150'))
w("pc_reserved_total", base(top='[account]\nconcurrency_limit = 200\n', fn='reserved_concurrency = 150\n'))
# --- sources
w("src_service_typo", sub("steady_api", 'service = "api_gateway"', 'service = "api_gatway"'))
w("src_function_typo", sub("steady_api", 'function = "orders"', 'function = "order"'))
w("src_needs_function", sub("provisioned_autoscaling", 'function = "fixed"\n', ''))
w("src_invocation_not_allowed", sub("steady_api", 'function = "orders"', 'function = "orders"\ninvocation = "Event"'))
w("src_invocation_typo", sub("steady_api", 'function = "orders"', 'function = "orders"\ninvocation = "event"'))
w("src_client_retries_event", sub("cluster_eviction", 'invocation = "Event"', 'invocation = "Event"\nclient_retries = 2'))
w("src_client_backoff_alone", sub("steady_api", 'function = "orders"', 'function = "orders"\nclient_backoff = "1s"'))
w("src_client_retries_range", sub("steady_api", 'function = "orders"', 'function = "orders"\nclient_retries = 1000'))
w("src_no_arrival", sub("steady_api", 'arrival = { process = "poisson", rate = 50.0 }', ''))
w("src_duplicate_name", sub("provisioned_autoscaling", 'name = "users_scheduled"', 'name = "users_fixed"'))
w("src_duplicate_unnamed", base(tail='[[sources]]\nservice = "api_gateway"\narrival = { process = "poisson", rate = 1.0 }\n'))
w("src_bad_name", sub("steady_api", 'name = "public-api"', 'name = "public api"'))
w("src_unknown_key", sub("steady_api", 'function = "orders"', 'function = "orders"\nfuntion = "x"'))
# --- event source mappings
w("esm_poll_key_on_push", sub("steady_api", 'function = "orders"', 'function = "orders"\nbatch_size = 10'))
w("esm_sqs_key_on_stream", sub("kinesis_stream", 'shards = 4', 'shards = 4\nvisibility_timeout = "1m"'))
w("esm_stream_key_on_sqs", sub("sqs_worker", 'batch_size = 10', 'batch_size = 10\nshards = 2'))
w("esm_client_retries_poll", sub("sqs_worker", 'batch_size = 10', 'batch_size = 10\nclient_retries = 1'))
w("esm_sqs_batch_no_window", sub("sqs_worker", 'batch_size = 10', 'batch_size = 100'))
w("esm_batching_window_high", sub("sqs_worker", 'batch_size = 10', 'batch_size = 10\nbatching_window = "10m"'))
w("esm_visibility_short", sub("sqs_worker", 'visibility_timeout = "5m"', 'visibility_timeout = "10s"'))
w("esm_visibility_default_short", sub("sqs_worker", 'visibility_timeout = "5m"\n', '').replace('timeout = "30s"', 'timeout = "60s"'))
w("esm_visibility_high", sub("sqs_worker", 'visibility_timeout = "5m"', 'visibility_timeout = "13h"'))
w("esm_receive_count", sub("sqs_worker", 'max_receive_count = 5', 'max_receive_count = 0'))
w("esm_record_error_rate", sub("sqs_worker", 'record_error_rate = 0.001', 'record_error_rate = 2.0'))
w("esm_max_concurrency", sub("sqs_worker", 'batch_size = 10', 'batch_size = 10\nmax_concurrency = 1'))
w("esm_per_record_bad", sub("sqs_worker", 'per_record = { dist = "lognormal", median = "40ms", sigma = 0.5 }', 'per_record = { dist = "lognormal", median = "40ms" }'))
w("esm_dynamodb_retention", sub("kinesis_stream", 'service = "kinesis"', 'service = "dynamodb_streams"').replace('retention = "2h"', 'retention = "48h"'))
w("esm_retention_high", sub("kinesis_stream", 'retention = "2h"', 'retention = "400d"'))
w("esm_stream_retries", sub("kinesis_stream", 'shards = 4', 'shards = 4\nmax_retry_attempts = -5'))
w("esm_parallelization", sub("kinesis_stream", 'shards = 4', 'shards = 4\nparallelization_factor = 11'))
w("esm_batch_size_zero", sub("kinesis_stream", 'batch_size = 100', 'batch_size = 0'))
# --- arrivals
w("arr_process_typo", sub("steady_api", 'process = "poisson"', 'process = "poison"'))
w("arr_wrong_param", sub("steady_api", 'rate = 50.0 }', 'rate = 50.0, count = 3 }'))
w("arr_no_rate", sub("steady_api", '{ process = "poisson", rate = 50.0 }', '{ process = "constant" }'))
w("arr_negative_rate", sub("steady_api", 'rate = 50.0', 'rate = -50.0'))
w("arr_rate_too_high", sub("steady_api", 'rate = 50.0', 'rate = 1e12'))
w("arr_too_many_requests", sub("steady_api", 'rate = 50.0', 'rate = 1e8').replace('duration = "1h"', 'duration = "2d"'))
w("arr_burst_negative", sub("sqs_worker", 'count = 300000', 'count = -3'))
w("arr_burst_no_count", sub("sqs_worker", 'count = 300000, ', ''))
w("arr_diurnal_amplitude", sub("cluster_eviction", 'amplitude = 0.8', 'amplitude = 2.0'))
w("arr_diurnal_period", sub("cluster_eviction", 'period = "30m"', 'period = "0s"'))
w("arr_diurnal_no_mean", sub("cluster_eviction", 'mean_rate = 30.0, ', ''))
w("arr_mmpp_lengths", sub("cluster_eviction", 'mean_dwell = ["5m", "1m"]', 'mean_dwell = ["5m"]'))
w("arr_mmpp_dwell_zero", sub("cluster_eviction", 'mean_dwell = ["5m", "1m"]', 'mean_dwell = ["5m", "0s"]'))
w("arr_mmpp_missing", sub("cluster_eviction", ', mean_dwell = ["5m", "1m"]', ''))
w("arr_stages_empty", base(arr='{ process = "stages", stages = [] }'))
w("arr_stages_missing", base(arr='{ process = "stages" }'))
w("arr_stages_bad_rate", sub("provisioned_autoscaling", '{ duration = "10h", rate = 100.0 }', '{ duration = "10h", rate = -100.0 }'))
w("arr_ramp_typo", sub("provisioned_autoscaling", 'ramp = "step"', 'ramp = "linar"'))
w("arr_second_of_many_bad", sub("sqs_worker", '{ process = "burst", at = "10m"', '{ process = "burst", rate = 3.0, at = "10m"'))
w("arr_unknown_key", sub("steady_api", 'rate = 50.0 }', 'rate = 50.0, rat = 3 }'))
# --- traces
TR = '{ process = "trace", %s }'
def tr(body, svc="direct", extra_fn="", dur="10m"):
    return base(svc=svc, arr=TR % body, fn=extra_fn).replace('duration = "10m"', f'duration = "{dur}"', 1)
w("trace_no_path", tr('format = "azure2019"'))
w("trace_missing_file", tr('path = "traces/nope.csv"'))
w("trace_format_typo", tr('path = "traces/10_inv.csv", format = "azure2020"'))
w("trace_column_on_azure", tr('path = "traces/10_inv.csv", format = "azure2019", column = "t"'))
w("trace_function_on_timestamps", tr('path = "traces/ts_ok.txt", function = "x"'))
w("trace_spread_on_2021", tr('path = "traces/Azure2021_200.csv", format = "azure2021", spread = "even"'))
w("trace_spread_typo", tr('path = "traces/10_inv.csv", format = "azure2019", spread = "evn"'))
w("trace_each_on_timestamps", tr('path = "traces/ts_ok.txt", each_function = true'))
w("trace_durations_2021_bad", tr('path = "traces/Azure2021_200.csv", format = "azure2021", durations = "x.csv"'))
w("trace_durations_2019_no_each", tr('path = "traces/10_inv.csv", format = "azure2019", durations = "traces/10_run.csv"'))
w("trace_durations_timestamps", tr('path = "traces/ts_ok.txt", durations = "x.csv"'))
w("trace_memory_2021", tr('path = "traces/Azure2021_200.csv", format = "azure2021", memory = "traces/10_mem.csv"'))
w("trace_function_2021_missing", tr('path = "traces/Azure2021_200.csv", format = "azure2021", function = "nobody"'))
w("trace_function_2019_missing", tr('path = "traces/10_inv.csv", format = "azure2019", function = "nobody"'))
w("trace_ts_decreasing", tr('path = "traces/ts_decreasing.txt"'))
w("trace_ts_not_number", tr('path = "traces/ts_bad.txt"'))
w("trace_ts_range", tr('path = "traces/ts_range.txt"'))
w("trace_ts_column_missing", tr('path = "traces/ts_col.csv", column = "when"'))
w("trace_ts_column_bad", tr('path = "traces/ts_col.csv", column = "t"'))
w("trace_2021_missing_column", tr('path = "traces/az21_nocol.csv", format = "azure2021"'))
w("trace_2021_unsorted", tr('path = "traces/az21_unsorted.csv", format = "azure2021"'))
w("trace_2021_before_zero", tr('path = "traces/az21_neg.csv", format = "azure2021"'))
w("trace_2021_malformed_row", tr('path = "traces/az21_ragged.csv", format = "azure2021"'))
w("trace_2019_no_minutes", tr('path = "traces/az19_nominutes.csv", format = "azure2019"'))
w("trace_2019_gap", tr('path = "traces/az19_gap.csv", format = "azure2019"'))
w("trace_2019_bad_count", tr('path = "traces/az19_badcount.csv", format = "azure2019"'))
w("trace_2019_no_hash", tr('path = "traces/az19_nohash.csv", format = "azure2019"'))
w("trace_2019_big_count_each", tr('path = "traces/az19_big.csv", format = "azure2019", each_function = true'))
w("trace_2019_empty_each", tr('path = "traces/az19_empty.csv", format = "azure2019", each_function = true'))
w("trace_durations_bad_file", tr('path = "traces/10_inv.csv", format = "azure2019", each_function = true, durations = "traces/run_bad.csv"'))
w("trace_durations_missing_cols", tr('path = "traces/10_inv.csv", format = "azure2019", each_function = true, durations = "traces/10_mem.csv"'))
w("trace_durations_decreasing", tr('path = "traces/10_inv.csv", format = "azure2019", each_function = true, durations = "traces/run_decr.csv"'))
w("trace_durations_missing_file", tr('path = "traces/10_inv.csv", format = "azure2019", each_function = true, durations = "traces/none.csv"'))
w("trace_memory_missing_col", tr('path = "traces/10_inv.csv", format = "azure2019", each_function = true, memory = "traces/10_run.csv"'))
w("trace_memory_bad_value", tr('path = "traces/10_inv.csv", format = "azure2019", each_function = true, memory = "traces/mem_bad.csv"'))
w("trace_poll_each", tr('path = "traces/10_inv.csv", format = "azure2019", each_function = true', svc="sqs"))
w("trace_poll_durations", tr('path = "traces/Azure2021_200.csv", format = "azure2021", durations = "trace"', svc="sqs"))
w("trace_each_host_too_small", tr('path = "traces/10_inv.csv", format = "azure2019", each_function = true, memory = "traces/10_mem.csv"').replace('duration = "10m"', 'duration = "10m"\n[platform]\nhosts = 2\nhost_memory_mb = 1024', 1))
w("trace_each_reserved_total", tr('path = "traces/Azure2021_200.csv", format = "azure2021", each_function = true', extra_fn='reserved_concurrency = 30\n').replace('duration = "10m"', 'duration = "10m"\n[account]\nconcurrency_limit = 500', 1))
# --- output
w("out_trace_limit_no_trace", sub("steady_api", 'seed = 7', 'seed = 7\n[output]\ntrace_limit = 10'))
w("out_trace_limit_range", sub("steady_api", 'seed = 7', 'seed = 7\n[output]\ntrace = true\ntrace_limit = 0'))
w("out_dir_empty", sub("sqs_worker", 'timeseries_interval = "5s"', 'timeseries_interval = "5s"\ndir = ""'))
w("out_interval_zero", sub("sqs_worker", 'timeseries_interval = "5s"', 'timeseries_interval = "0s"'))
w("out_interval_too_small", sub("sqs_worker", 'timeseries_interval = "5s"', 'timeseries_interval = "1ms"'))
w("out_unknown_key", sub("sqs_worker", 'timeseries_interval = "5s"', 'timeseries_intervals = "5s"'))
# --- sweep
w("sweep_bad_key", sub("cluster_eviction", '"platform.eviction" =', '"platform.evictions" ='))
w("sweep_bad_value", sub("cluster_eviction", '["lru", "greedy_dual"]', '["lru", "greedy"]'))
w("sweep_bad_ka", sub("keepalive_policies", '{ policy = "fixed", idle = "1m" },', '{ policy = "fixed", idle = "1m", lifetime = "1h" },'))
# --- several mistakes in several sections: the first found is reported
w("multi_platform_and_function", base(top='[platform]\npoll_interval = "0s"\n', fn='memory_mb = 64\n'))
w("multi_function_and_output", sub("sqs_worker", 'timeseries_interval = "5s"', 'timeseries_interval = "0s"').replace('memory_mb = 1024', 'memory_mb = 20000'))
w("multi_account_and_pricing", base(top='[account]\nscaling_rate = 0\n[pricing]\npreset = "x"\n'))
w("multi_pricing_and_keepalive", base(top='[pricing]\nfree_tier = true\nper_million_requests = -2.0\n[platform]\nkeep_alive = { policy = "bogus" }\n'))
w("multi_platka_and_nofunctions", 'name = "b"\nduration = "1m"\n[platform]\nkeep_alive = { policy = "fixed" }\n')
w("multi_source_and_cluster", base(top='[platform]\nhosts = 1\nhost_memory_mb = 128\n', fn='memory_mb = 512\n', arr='{ process = "poison", rate = 1.0 }'))
w("multi_cluster_and_reserved", base(top='[account]\nconcurrency_limit = 100\n[platform]\nhosts = 1\nhost_memory_mb = 128\n', fn='memory_mb = 512\nreserved_concurrency = 10\n'))
w("multi_reserved_and_offered", base(top='[account]\nconcurrency_limit = 100\n', fn='reserved_concurrency = 10\n', arr='{ process = "poisson", rate = 1e9 }').replace('duration = "10m"', 'duration = "1d"', 1))
w("multi_offered_and_output", base(arr='{ process = "poisson", rate = 1e9 }', tail='[output]\ndir = ""\n').replace('duration = "10m"', 'duration = "1d"', 1))
w("multi_dup_function_and_source", sub("provisioned_autoscaling", 'name = "scheduled"', 'name = "fixed"').replace('service = "api_gateway"', 'service = "nope"'))
w("multi_dup_source_and_later_source", sub("provisioned_autoscaling", 'name = "users_scheduled"', 'name = "users_fixed"').replace('rate = 100.0 }', 'rate = -1.0 }'))
w("multi_name_and_duration", 'name = "a b"\n[[functions]]\nname = "f"\nduration = "1s"\n')
w("multi_duration_and_seed", 'name = "a"\nduration = "0s"\nseed = -1\n')
w("multi_source_fields_order", sub("sqs_worker", 'batch_size = 10', 'batch_size = 10\nclient_retries = 1\nshards = 2'))
w("multi_fn_fields_order", base(fn='memory_mb = 1\ntimeout = "0s"\nerror_rate = 5.0\n'))
w("multi_trace_and_mapping", tr('path = "traces/nope.csv"', svc="sqs").replace('function = "f"', 'function = "f"\nbatch_size = 0'))

# --- bad trace files
open(f"{T}/ts_ok.txt","w").write("0\n1.5\n3\n")
open(f"{T}/ts_decreasing.txt","w").write("# offsets\n0\n2\n1\n")
open(f"{T}/ts_bad.txt","w").write("0\n1\nsoon\n")
open(f"{T}/ts_range.txt","w").write("0\n-1\n")
open(f"{T}/ts_col.csv","w").write("id,t\n1,0.5\n2,x\n")
open(f"{T}/az21_nocol.csv","w").write("app,func,end\na,b,1.0\n")
open(f"{T}/az21_unsorted.csv","w").write("app,func,end_timestamp,duration\na,b,5.0,1.0\na,b,3.0,1.0\n")
open(f"{T}/az21_neg.csv","w").write("app,func,end_timestamp,duration\na,b,1.0,3.0\n")
open(f"{T}/az21_ragged.csv","w").write("app,func,end_timestamp,duration\na,b,1.0,0.5\na,b,2.0\n")
open(f"{T}/az19_nominutes.csv","w").write("HashFunction,HashApp,HashOwner\nf,a,o\n")
open(f"{T}/az19_gap.csv","w").write("HashFunction,HashApp,HashOwner,1,2,4\nf,a,o,1,2,3\n")
open(f"{T}/az19_badcount.csv","w").write("HashFunction,HashApp,HashOwner,1,2,3\nf,a,o,1,x,3\n")
open(f"{T}/az19_nohash.csv","w").write("Func,HashApp,HashOwner,1,2,3\nf,a,o,1,2,3\n")
open(f"{T}/az19_big.csv","w").write("HashFunction,HashApp,HashOwner,1,2\nf,a,o,1,9999999999\n")
open(f"{T}/az19_empty.csv","w").write("HashFunction,HashApp,HashOwner,1,2\n")
run = open(f"{T}/10_run.csv").read().splitlines()
bad = run[:2] + [re.sub(r",(\d+)$", ",abc", run[2])] + run[3:]
open(f"{T}/run_bad.csv","w").write("\n".join(bad)+"\n")
cells = run[3].split(",")
cells[-2], cells[-1] = cells[-1], str(int(cells[-1]) - 5 if cells[-1].isdigit() else 0)
cells[-1] = "1"
open(f"{T}/run_decr.csv","w").write("\n".join(run[:3] + [",".join(cells)] + run[4:])+"\n")
mem = open(f"{T}/10_mem.csv").read().splitlines()
c = mem[2].split(","); c[3] = "-5"
open(f"{T}/mem_bad.csv","w").write("\n".join(mem[:2] + [",".join(c)] + mem[3:])+"\n")
# fixes: make these three really broken
t = scen("kinesis_stream"); i = t.rfind('retention = "2h"')
w("esm_retention_high", t[:i] + 'retention = "400d"' + t[i+len('retention = "2h"'):])
w("cluster_eviction_typo", base(top='[platform]\nhosts = 2\nhost_memory_mb = 4096\neviction = "lr"\n'))
w("src_invocation_not_allowed", base(svc="s3", src='invocation = "RequestResponse"\n'))
