//! docs/api-rollout.md is run, not just read: its `sh` blocks go, in order, to one bash
//! against a fresh server, and each block's output must equal the `json` or `text` block
//! that follows it. So the walkthrough cannot drift from the API. Other blocks (`bash`, for
//! the reader's own setup) are not run.
//!
//! A line `<!-- walkthrough: NAME = invitation of someone@example -->` before a block sets
//! `$NAME` to the secret of the last invitation mailed to that person (the address may be a
//! shell variable, `$CHAMPION`): in real life it is read from the e-mail.
use embarq_testkit::spawn_app;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;

const DOC: &str = include_str!("../../docs/api-rollout.md");
const END: &str = "@@walkthrough-block-done@@";

/// One step of the walkthrough.
#[derive(Debug, Default)]
struct Step {
    /// Variables the test sets before the block: (name, address whose invitation it is).
    invitations: Vec<(String, String)>,
    script: String,
    /// The expected output and its language (`json` or `text`), if the doc shows one.
    expected: Option<(String, String)>,
    line: usize,
}

/// The blocks of the document, each `sh` block with the output block right after it.
fn steps(doc: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut pending_vars = Vec::new();
    let mut lines = doc.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        if let Some(rest) = line
            .trim()
            .strip_prefix("<!-- walkthrough:")
            .and_then(|r| r.strip_suffix("-->"))
        {
            let (name, who) = rest.split_once('=').expect("NAME = invitation of ...");
            let who = who
                .trim()
                .strip_prefix("invitation of ")
                .expect("invitation of <address>");
            pending_vars.push((name.trim().to_string(), who.trim().to_string()));
            continue;
        }
        let Some(lang) = line.strip_prefix("```") else {
            continue;
        };
        let lang = lang.trim().to_string();
        let mut body = String::new();
        for (_, l) in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        match lang.as_str() {
            "sh" => steps.push(Step {
                invitations: std::mem::take(&mut pending_vars),
                script: body,
                expected: None,
                line: n + 1,
            }),
            "json" | "text" => {
                let last = steps
                    .last_mut()
                    .expect("an output block follows a sh block");
                assert!(
                    last.expected.is_none(),
                    "two outputs after line {}",
                    last.line
                );
                last.expected = Some((lang, body));
            }
            _ => {}
        }
    }
    steps
}

fn same_output(lang: &str, expected: &str, got: &str) -> bool {
    if lang == "json" {
        let parse = |s: &str| -> Option<Value> { serde_json::from_str(s.trim()).ok() };
        parse(expected).is_some() && parse(expected) == parse(got)
    } else {
        expected.trim_end() == got.trim_end()
    }
}

const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

/// The shell's next line of output.
async fn next_line(out: &mut tokio::sync::mpsc::UnboundedReceiver<String>, line: usize) -> String {
    tokio::time::timeout(ANSWER_WITHIN, out.recv())
        .await
        .unwrap_or_else(|_| panic!("line {line}: no answer in 60 s"))
        .unwrap_or_else(|| panic!("line {line}: bash ended"))
}

#[tokio::test]
async fn the_api_rollout_walkthrough_runs_as_written() {
    for tool in ["curl", "jq"] {
        let found = std::process::Command::new(tool)
            .arg("--version")
            .output()
            .is_ok();
        assert!(
            found,
            "the walkthrough needs `{tool}` (apt-get install {tool})"
        );
    }
    let app = spawn_app().await;
    let mut bash = std::process::Command::new("bash")
        .arg("--noprofile")
        .arg("--norc")
        .current_dir(&app.data_dir)
        .env("EMBARQ", &app.base)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = bash.stdin.take().unwrap();
    // Lines are read on threads of their own, so the server keeps answering meanwhile.
    let (tx, mut out) = tokio::sync::mpsc::unbounded_channel::<String>();
    let stdout = bash.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let stderr = bash.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut all = String::new();
        let _ = BufReader::new(stderr).read_to_string(&mut all);
        all
    });
    // A failing command ends the shell, and the test with its error output.
    stdin.write_all(b"set -eu -o pipefail\n").unwrap();
    let steps = steps(DOC);
    assert!(steps.len() >= 8, "{} steps", steps.len());
    for step in &steps {
        for (name, who) in &step.invitations {
            let who = if who.starts_with('$') {
                stdin
                    .write_all(format!("printf '%s\\n' \"{who}\"\n").as_bytes())
                    .unwrap();
                next_line(&mut out, step.line).await
            } else {
                who.clone()
            };
            let who = &who;
            let link = app
                .mail_links(who)
                .await
                .into_iter()
                .rfind(|l| l.contains("/invite/"))
                .unwrap_or_else(|| panic!("line {}: no invitation mailed to {who}", step.line));
            let secret = link.rsplit('/').next().unwrap();
            stdin
                .write_all(format!("{name}='{secret}'\n").as_bytes())
                .unwrap();
        }
        // Each block runs in the same shell; its status and the end marker follow it.
        let script = format!("{{\n{}\n}}; echo \"{END} $?\"\n", step.script.trim_end());
        stdin.write_all(script.as_bytes()).unwrap();
        stdin.flush().unwrap();
        let mut got = String::new();
        let status = loop {
            let line = tokio::time::timeout(ANSWER_WITHIN, out.recv())
                .await
                .unwrap_or_else(|_| panic!("line {}: no answer in 60 s", step.line));
            let Some(line) = line else {
                drop(stdin);
                panic!("line {}: bash ended\n{}", step.line, errors.join().unwrap());
            };
            if let Some(code) = line.strip_prefix(END) {
                break code.trim().to_string();
            }
            got.push_str(&line);
            got.push('\n');
        };
        assert_eq!(
            status, "0",
            "the block at line {} failed:\n{}\noutput:\n{got}",
            step.line, step.script
        );
        if let Some((lang, expected)) = &step.expected {
            assert!(
                same_output(lang, expected, &got),
                "the block at line {} printed\n{got}\nbut the walkthrough shows\n{expected}",
                step.line
            );
        }
    }
    drop(stdin);
    let _ = bash.wait();
}
