//! `embarq bench markdown`: the cost of rendering the worst Markdown a person may post
//! (20,000 characters of nested quotes, lists, brackets…), refused or rendered.
use crate::bench_stats::line;
use anyhow::Result;
use embarq_domain::markdown;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug, Clone)]
pub struct MarkdownBenchOpts {
    /// Renders of each input.
    #[arg(long, default_value_t = 20)]
    pub iterations: usize,
    /// Length of each input, in characters (the post limit is 20,000).
    #[arg(long, default_value_t = embarq_domain::validate::POST_MAX)]
    pub chars: usize,
}

pub fn run(opts: MarkdownBenchOpts) -> Result<()> {
    let mut worst = (Duration::ZERO, "");
    for (name, input) in markdown::adversarial_inputs(opts.chars) {
        let outcome = match markdown::render(&input) {
            Ok(_) => "rendered",
            Err(markdown::TooComplex::Nesting) => "refused (nesting)",
            Err(markdown::TooComplex::Elements) => "refused (elements)",
        };
        let mut times = Vec::with_capacity(opts.iterations);
        let start = Instant::now();
        for _ in 0..opts.iterations {
            let t = Instant::now();
            let _ = std::hint::black_box(markdown::render(std::hint::black_box(&input)));
            times.push(t.elapsed());
        }
        let wall = start.elapsed();
        if let Some(max) = times.iter().max().filter(|m| **m > worst.0) {
            worst = (*max, name);
        }
        println!("{}, {outcome}", line(name, &times, wall, "renders/s"));
    }
    println!(
        "worst single render: {:.2} ms ({})",
        worst.0.as_secs_f64() * 1000.0,
        worst.1
    );
    Ok(())
}
