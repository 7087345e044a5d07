//! Polls inside publications: the question and its options, single or multiple choice,
//! optional anonymity and closing time. Pure checks; the caller gives `now`.
use crate::validate::{self, Errors, FieldError};

pub const QUESTION_MAX: usize = 300;
pub const OPTION_MAX: usize = 200;
pub const MIN_OPTIONS: usize = 2;
pub const MAX_OPTIONS: usize = 20;

/// A poll as validated: trimmed question and options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollDraft {
    pub question: String,
    pub options: Vec<String>,
    pub multiple: bool,
    pub anonymous: bool,
    pub closes_at: Option<i64>,
}

/// Checks a poll: a question, 2 to 20 distinct non-empty options (compared without case
/// or surrounding spaces), and a closing time to come. Every problem is reported.
pub fn draft(
    question: &str,
    options: &[String],
    multiple: bool,
    anonymous: bool,
    closes_at: Option<i64>,
    now: i64,
) -> Result<PollDraft, Vec<FieldError>> {
    let mut e = Errors::default();
    let question = e.check(validate::required("poll_question", question, QUESTION_MAX));
    let mut cleaned: Vec<String> = Vec::with_capacity(options.len());
    let mut option_error: Option<FieldError> = None;
    for o in options {
        match validate::optional("poll_options", o, OPTION_MAX) {
            Ok(Some(v)) => {
                let key = v.to_lowercase();
                if cleaned.iter().any(|c| c.to_lowercase() == key) {
                    option_error
                        .get_or_insert(FieldError::new("poll_options", "poll_duplicate_option"));
                }
                cleaned.push(v);
            }
            Ok(None) => {
                option_error.get_or_insert(FieldError::new("poll_options", "poll_empty_option"));
            }
            Err(err) => {
                option_error.get_or_insert(err);
            }
        }
    }
    if let Some(err) = option_error {
        e.0.push(err);
    } else if options.len() < MIN_OPTIONS {
        e.0.push(FieldError::with_limit(
            "poll_options",
            "poll_too_few_options",
            MIN_OPTIONS as i64,
        ));
    } else if options.len() > MAX_OPTIONS {
        e.0.push(FieldError::with_limit(
            "poll_options",
            "poll_too_many_options",
            MAX_OPTIONS as i64,
        ));
    }
    if closes_at.is_some_and(|c| c <= now) {
        e.0.push(FieldError::new("poll_closes_at", "poll_in_past"));
    }
    e.into_result()?;
    Ok(PollDraft {
        question: question.unwrap_or_default(),
        options: cleaned,
        multiple,
        anonymous,
        closes_at,
    })
}

/// Whether votes are still accepted at `now`.
pub fn is_open(closes_at: Option<i64>, now: i64) -> bool {
    closes_at.is_none_or(|c| now < c)
}

/// Checks a ballot: at least one option, one only on a single-choice poll, every option
/// one of the poll's (`known`). Answers the chosen options without repeats.
pub fn ballot<T: PartialEq + Copy>(
    multiple: bool,
    known: &[T],
    chosen: &[T],
) -> Result<Vec<T>, FieldError> {
    let mut out: Vec<T> = Vec::with_capacity(chosen.len());
    for c in chosen {
        if !known.contains(c) {
            return Err(FieldError::new("poll_choices", "poll_unknown_option"));
        }
        if !out.contains(c) {
            out.push(*c);
        }
    }
    if out.is_empty() {
        return Err(FieldError::new("poll_choices", "required"));
    }
    if !multiple && out.len() > 1 {
        return Err(FieldError::new("poll_choices", "poll_single_choice"));
    }
    Ok(out)
}

/// Share of voters who chose an option, in percent (0 when nobody voted).
pub fn percent(votes: i64, voters: i64) -> f64 {
    if voters <= 0 {
        0.0
    } else {
        votes as f64 * 100.0 / voters as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn codes(r: Result<PollDraft, Vec<FieldError>>) -> Vec<&'static str> {
        r.unwrap_err().into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn valid_poll() {
        let d = draft(
            " Lunch? ",
            &opts(&[" Pizza", "Sushi "]),
            false,
            true,
            Some(20),
            10,
        )
        .unwrap();
        assert_eq!(d.question, "Lunch?");
        assert_eq!(d.options, vec!["Pizza", "Sushi"]);
    }

    #[test]
    fn bad_polls() {
        assert_eq!(
            codes(draft("Q", &opts(&["one"]), false, false, None, 0)),
            vec!["poll_too_few_options"]
        );
        assert_eq!(
            codes(draft("Q", &opts(&["a", "A "]), false, false, None, 0)),
            vec!["poll_duplicate_option"]
        );
        assert_eq!(
            codes(draft("Q", &opts(&["a", " "]), false, false, None, 0)),
            vec!["poll_empty_option"]
        );
        let many: Vec<String> = (0..21).map(|i| format!("o{i}")).collect();
        assert_eq!(
            codes(draft("Q", &many, false, false, None, 0)),
            vec!["poll_too_many_options"]
        );
        assert_eq!(
            codes(draft("", &opts(&["a", "b"]), false, false, Some(5), 10)),
            vec!["required", "poll_in_past"]
        );
    }

    #[test]
    fn ballots() {
        let known = [1, 2, 3];
        assert_eq!(ballot(false, &known, &[2]).unwrap(), vec![2]);
        assert_eq!(ballot(true, &known, &[1, 3, 1]).unwrap(), vec![1, 3]);
        assert_eq!(
            ballot(false, &known, &[1, 2]).unwrap_err().code,
            "poll_single_choice"
        );
        assert_eq!(ballot(false, &known, &[]).unwrap_err().code, "required");
        assert_eq!(
            ballot(true, &known, &[9]).unwrap_err().code,
            "poll_unknown_option"
        );
    }

    #[test]
    fn opening_and_percentages() {
        assert!(is_open(None, 5) && is_open(Some(6), 5) && !is_open(Some(5), 5));
        assert_eq!(percent(1, 4), 25.0);
        assert_eq!(percent(0, 0), 0.0);
    }
}
