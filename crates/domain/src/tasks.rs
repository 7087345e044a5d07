//! Tasks of a sphere: statuses, due dates (local calendar dates in the organization's time
//! zone) and the "my tasks" grouping (overdue, due soon, later, no date).
use crate::roles::string_enum;
use crate::validate::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

string_enum!(
    /// Where a task stands.
    TaskStatus { Todo = "todo", InProgress = "in_progress", Done = "done" }
);

pub const LIST_NAME_MAX: usize = 120;
pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 10_000;
/// At most this many people on one task.
pub const MAX_ASSIGNEES: usize = 20;
/// "Due soon": due today or within this many days.
pub const SOON_DAYS: i64 = 7;

/// A due date as `<input type="date">` sends it (`2027-01-05`); empty means none.
pub fn due_date(field: &'static str, value: &str) -> Result<Option<NaiveDate>, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "task_invalid_date"))?;
    let year = chrono::Datelike::year(&d);
    if !(2000..=2200).contains(&year) {
        return Err(FieldError::new(field, "out_of_range"));
    }
    Ok(Some(d))
}

/// Parses a status as forms and the API send it.
pub fn status(field: &'static str, value: &str) -> Result<TaskStatus, FieldError> {
    TaskStatus::parse(value.trim()).ok_or(FieldError::new(field, "invalid_choice"))
}

/// The groups of the "my tasks" page, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    Overdue,
    Soon,
    Later,
    NoDate,
    Done,
}

impl Bucket {
    pub const ALL: [Bucket; 5] = [
        Bucket::Overdue,
        Bucket::Soon,
        Bucket::Later,
        Bucket::NoDate,
        Bucket::Done,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Overdue => "overdue",
            Bucket::Soon => "soon",
            Bucket::Later => "later",
            Bucket::NoDate => "no_date",
            Bucket::Done => "done",
        }
    }
}

/// Which group a task falls in on `today` (a local date of the organization's zone): done
/// tasks apart; then overdue (due before today), due soon (today to `SOON_DAYS` ahead),
/// later, and no date.
pub fn bucket(status: TaskStatus, due: Option<NaiveDate>, today: NaiveDate) -> Bucket {
    if status == TaskStatus::Done {
        return Bucket::Done;
    }
    match due {
        None => Bucket::NoDate,
        Some(d) if d < today => Bucket::Overdue,
        Some(d) if (d - today).num_days() <= SOON_DAYS => Bucket::Soon,
        Some(_) => Bucket::Later,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn due_dates() {
        assert_eq!(due_date("d", " ").unwrap(), None);
        assert_eq!(due_date("d", "2027-01-05").unwrap(), Some(d("2027-01-05")));
        assert_eq!(
            due_date("d", "05/01/2027").unwrap_err().code,
            "task_invalid_date"
        );
        assert_eq!(
            due_date("d", "2027-02-30").unwrap_err().code,
            "task_invalid_date"
        );
        assert_eq!(
            due_date("d", "1900-01-01").unwrap_err().code,
            "out_of_range"
        );
    }

    #[test]
    fn buckets() {
        let today = d("2027-03-10");
        use TaskStatus::*;
        assert_eq!(bucket(Todo, Some(d("2027-03-09")), today), Bucket::Overdue);
        assert_eq!(bucket(InProgress, Some(today), today), Bucket::Soon);
        assert_eq!(bucket(Todo, Some(d("2027-03-17")), today), Bucket::Soon);
        assert_eq!(bucket(Todo, Some(d("2027-03-18")), today), Bucket::Later);
        assert_eq!(bucket(Todo, None, today), Bucket::NoDate);
        assert_eq!(bucket(Done, Some(d("2027-01-01")), today), Bucket::Done);
    }

    #[test]
    fn statuses() {
        assert_eq!(status("s", "in_progress").unwrap(), TaskStatus::InProgress);
        assert_eq!(status("s", "doing").unwrap_err().code, "invalid_choice");
    }
}
