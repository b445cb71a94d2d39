# Sourced by the load scripts: `write_mix LUA PATH...` writes a wrk script that requests
# NB_PREFIX + each PATH + NB_SUFFIX in turn (both from the environment; the suffix may be
# unset) and prints one line `RESULT req/s p50_ms p99_ms errors requests` when done.
write_mix() {
  local lua=$1
  shift
  {
    echo "local paths = {}"
    echo "local prefix = os.getenv('NB_PREFIX') or ''"
    echo "local suffix = os.getenv('NB_SUFFIX') or ''"
    for q in "$@"; do echo "table.insert(paths, '$q')"; done
    cat <<'LUA'
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", prefix .. paths[(i % #paths) + 1] .. suffix)
end
done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors, summary.requests))
end
LUA
  } >"$lua"
}
