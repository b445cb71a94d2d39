//! Measuring: latency percentiles, the process's peak resident memory, and sizes on disk.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Percentiles {
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

impl Percentiles {
    /// Nearest-rank percentiles of `samples` (at least one).
    pub fn of(samples: &[Duration]) -> Percentiles {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let at = |p: f64| {
            if ms.is_empty() {
                return f64::NAN;
            }
            let rank = ((p / 100.0) * ms.len() as f64).ceil() as usize;
            round3(ms[rank.clamp(1, ms.len()) - 1])
        };
        Percentiles {
            p50_ms: at(50.0),
            p95_ms: at(95.0),
            p99_ms: at(99.0),
        }
    }
}

/// The query of a class with the highest median latency: the one that sets the class's tail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slowest {
    pub query: String,
    #[serde(flatten)]
    pub latency: Percentiles,
}

impl Slowest {
    /// The slowest of `queries`, from a class's `samples` taken as the benchmark takes them:
    /// every query in turn, round after round (sample `j` is query `j % queries.len()`).
    pub fn of(queries: &[&str], samples: &[Duration]) -> Option<Slowest> {
        let k = queries.len();
        (0..k)
            .filter_map(|i| {
                let own: Vec<Duration> = samples.iter().skip(i).step_by(k).copied().collect();
                (!own.is_empty()).then(|| Slowest {
                    query: queries[i].to_string(),
                    latency: Percentiles::of(&own),
                })
            })
            .max_by(|a, b| a.latency.p50_ms.total_cmp(&b.latency.p50_ms))
    }
}

/// Rounds to three decimals, for a readable report.
pub fn round3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

/// Resets the peak resident set size (`VmHWM`) to the current one, so that the next reading
/// covers only what follows. Linux only; elsewhere it does nothing.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident set size (`VmHWM` in /proc/self/status) in MB, if known.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(round3(kb / 1024.0))
}

/// The current anonymous and file-backed resident memory (`RssAnon`, `RssFile`) in MB.
pub fn rss_parts_mb() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        Some(round3(
            line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0,
        ))
    };
    Some((field("RssAnon:")?, field("RssFile:")?))
}

/// CPU seconds spent so far by this process's threads whose name starts with `prefix`
/// (tantivy's merge threads are `merge_thread_N`). Linux only; `None` elsewhere.
pub fn thread_cpu_s(prefix: &str) -> Option<f64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with(prefix) {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // utime and stime are fields 14 and 15; the name before them may hold spaces.
        let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let fields: Vec<&str> = after.split_whitespace().collect();
        total += fields
            .get(11)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        total += fields
            .get(12)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Some(total as f64 / 100.0)
}

/// Waits until the index's background merges have settled: no CPU used by merge threads for
/// `quiet`, at most `max`. Returns how long it waited.
pub fn wait_for_merges(quiet: Duration, max: Duration) -> Duration {
    let start = std::time::Instant::now();
    let mut last = thread_cpu_s("merge_thread");
    let mut still_since = std::time::Instant::now();
    while start.elapsed() < max {
        std::thread::sleep(Duration::from_millis(250));
        let now = thread_cpu_s("merge_thread");
        if now != last {
            last = now;
            still_since = std::time::Instant::now();
        } else if still_since.elapsed() >= quiet {
            break;
        }
    }
    start.elapsed()
}

/// Bytes under `path`, recursively.
pub fn dir_bytes(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}

pub fn mb(bytes: u64) -> f64 {
    round3(bytes as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let p = Percentiles::of(&samples);
        assert_eq!((p.p50_ms, p.p95_ms, p.p99_ms), (50.0, 95.0, 99.0));
        let one = Percentiles::of(&[Duration::from_millis(7)]);
        assert_eq!(one.p99_ms, 7.0);
    }

    #[test]
    fn the_slowest_query_is_found_among_interleaved_samples() {
        // Three rounds of three queries, the second always slowest; the last round cut short.
        let ms = [1, 30, 2, 1, 31, 3, 2, 29];
        let samples: Vec<Duration> = ms.iter().map(|&m| Duration::from_millis(m)).collect();
        let s = Slowest::of(&["a", "b", "c"], &samples).unwrap();
        assert_eq!(s.query, "b");
        assert_eq!((s.latency.p50_ms, s.latency.p99_ms), (30.0, 31.0));
        assert_eq!(Slowest::of(&[], &samples), None);
    }
}
