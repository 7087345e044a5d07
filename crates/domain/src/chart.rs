//! The geometry of the line charts pages draw as inline SVG (no script): the adoption series
//! and a contest's leaderboard history.

/// The `points` of an SVG polyline for `values` spread over `width`, scaled so `max` reaches
/// 10 units below the top of `height` (the baseline is the bottom).
pub fn polyline(values: &[f64], max: f64, width: f64, height: f64) -> String {
    let n = (values.len().max(2) - 1) as f64;
    let max = if max > 0.0 { max } else { 1.0 };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * width / n,
                height - v * (height - 10.0) / max
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lines a chart tells apart by colour and by dash pattern (for those who do not see the
/// colours): `series-0` to `series-7` in the UI's app.css.
pub const SERIES_STYLES: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_to_the_box() {
        assert_eq!(
            polyline(&[0.0, 5.0, 10.0], 10.0, 600.0, 160.0),
            "0.0,160.0 300.0,85.0 600.0,10.0"
        );
        assert_eq!(
            polyline(&[0.0], 0.0, 600.0, 160.0),
            "0.0,160.0",
            "a zero scale divides by nothing"
        );
        assert_eq!(polyline(&[], 1.0, 600.0, 160.0), "");
    }
}
