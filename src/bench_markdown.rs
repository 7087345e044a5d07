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
    /// Also time each input rendered without the bounds (the renderer before issue 10),
    /// to show what the bounds save. Slow: seconds per render on the worst inputs.
    #[arg(long)]
    pub unbounded: bool,
}

/// The renderer without bounds, as it was: parse everything, sanitize everything.
fn unbounded(md: &str) -> String {
    use pulldown_cmark::{Options, Parser, html};
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_TASKLISTS);
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(md, opts));
    ammonia::clean(&out)
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
        if opts.unbounded {
            let runs = opts.iterations.clamp(1, 3);
            let mut times = Vec::with_capacity(runs);
            let start = Instant::now();
            for _ in 0..runs {
                let t = Instant::now();
                std::hint::black_box(unbounded(std::hint::black_box(&input)));
                times.push(t.elapsed());
            }
            println!(
                "  {}",
                line("without bounds", &times, start.elapsed(), "renders/s")
            );
        }
    }
    println!(
        "worst single render: {:.2} ms ({})",
        worst.0.as_secs_f64() * 1000.0,
        worst.1
    );
    Ok(())
}
