//! Latency figures shared by the benchmarks: percentiles and the one-line report.
use std::time::Duration;

/// The `p`th percentile (nearest rank) of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `label: p50 … p99 … max … throughput … (n runs)` for latencies measured over `wall`.
pub fn line(label: &str, times: &[Duration], wall: Duration, unit: &str) -> String {
    let mut s = times.to_vec();
    s.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let rate = if wall.is_zero() {
        0.0
    } else {
        s.len() as f64 / wall.as_secs_f64()
    };
    format!(
        "{label}: p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  throughput {rate:.0} {unit}  ({} runs)",
        ms(percentile(&s, 50.0)),
        ms(percentile(&s, 99.0)),
        ms(s.last().copied().unwrap_or_default()),
        s.len()
    )
}

/// `line` followed by the failures of the same kind (load tests count both).
pub fn line_with_errors(
    label: &str,
    times: &[Duration],
    wall: Duration,
    unit: &str,
    errors: usize,
) -> String {
    format!("{}, {errors} errors", line(label, times, wall, unit))
}
