//! Polls inside publications. Who voted is in `poll_voters` for every poll; what a person
//! chose is stored only for named polls (`poll_votes`). An anonymous poll keeps bare counts
//! (`poll_options.anonymous_votes`), so no query, and no administrator with database
//! access, can join a person to an option.
use crate::db::{Result, with_pool, with_writer};
use crate::posts::{INSERT_POST, LIVE_POST, NewPost};
use crate::{Db, now_ms};
use embarq_domain::UserId;
use embarq_domain::{Id, PostStatus, new_id};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Poll {
    pub id: Id,
    pub post_id: Id,
    pub question: String,
    pub multiple: bool,
    pub anonymous: bool,
    pub closes_at: Option<i64>,
    pub created_at: i64,
}

/// An option with its number of votes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PollOption {
    pub id: Id,
    pub poll_id: Id,
    pub position: i64,
    pub label: String,
    pub votes: i64,
}

/// A named poll's vote: who chose which option.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PollBallot {
    pub option_id: Id,
    pub user_id: UserId,
    pub display_name: String,
}

pub struct NewPoll<'a> {
    pub question: &'a str,
    pub options: &'a [String],
    pub multiple: bool,
    pub anonymous: bool,
    pub closes_at: Option<i64>,
}

/// What became of a vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteOutcome {
    Recorded,
    /// The poll closed (or was closed) before the vote.
    Closed,
    /// An anonymous poll's vote is final: nobody knows what to take back.
    AlreadyVoted,
}

const POLL_COLUMNS: &str = "id, post_id, question, multiple, anonymous, closes_at, created_at";

impl Db {
    /// Creates a publication and its poll in one transaction: both or neither.
    pub async fn create_post_with_poll(
        &self,
        n: &NewPost<'_>,
        poll: &NewPoll<'_>,
        effects: &crate::Effects,
    ) -> Result<(Id, Id)> {
        let post_id = n.id;
        let poll_id = new_id();
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(INSERT_POST)
                .bind(post_id).bind(n.org_id).bind(n.sphere_id).bind(n.author_id).bind(n.body_md).bind(n.body_html)
                .bind(n.status.as_str()).bind(now).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO polls (id, post_id, question, multiple, anonymous, closes_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(poll_id).bind(post_id).bind(poll.question).bind(poll.multiple).bind(poll.anonymous).bind(poll.closes_at).bind(now)
                .execute(&mut *tx).await?;
            for (i, label) in poll.options.iter().enumerate() {
                sqlx::query("INSERT INTO poll_options (id, poll_id, position, label, anonymous_votes) VALUES ($1, $2, $3, $4, 0)")
                    .bind(new_id()).bind(poll_id).bind(i as i64).bind(label).execute(&mut *tx).await?;
            }
            if n.status == PostStatus::Published {
                sqlx::query(LIVE_POST).bind(post_id).bind(now).execute(&mut *tx).await?;
            }
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok((post_id, poll_id))
    }

    pub async fn poll(&self, id: Id) -> Result<Option<Poll>> {
        let sql = format!("SELECT {POLL_COLUMNS} FROM polls WHERE id = $1");
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await)?,
        )
    }

    pub async fn poll_of_post(&self, post_id: Id) -> Result<Option<Poll>> {
        let sql = format!("SELECT {POLL_COLUMNS} FROM polls WHERE post_id = $1");
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(post_id).fetch_optional(p).await)?,
        )
    }

    /// Options in order with their counts (tallies for anonymous polls, ballots otherwise).
    pub async fn poll_options(&self, poll_id: Id) -> Result<Vec<PollOption>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT o.id, o.poll_id, o.position, o.label, \
             CASE WHEN pl.anonymous THEN o.anonymous_votes ELSE (SELECT COUNT(*) FROM poll_votes v WHERE v.option_id = o.id) END AS votes \
             FROM poll_options o JOIN polls pl ON pl.id = o.poll_id WHERE o.poll_id = $1 ORDER BY o.position")
            .bind(poll_id).fetch_all(p).await)?)
    }

    /// How many people voted.
    pub async fn poll_voter_count(&self, poll_id: Id) -> Result<i64> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM poll_voters WHERE poll_id = $1")
            .bind(poll_id).fetch_one(p).await)?,
        )
    }

    pub async fn has_voted(&self, poll_id: Id, user_id: UserId) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM poll_voters WHERE poll_id = $1 AND user_id = $2")
            .bind(poll_id).bind(user_id).fetch_one(p).await)?;
        Ok(n > 0)
    }

    /// Who chose what in a named poll; always empty for an anonymous poll.
    pub async fn poll_ballots(&self, poll_id: Id) -> Result<Vec<PollBallot>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT v.option_id, v.user_id, u.display_name FROM poll_votes v JOIN users u ON u.id = v.user_id \
             JOIN polls pl ON pl.id = v.poll_id WHERE v.poll_id = $1 AND NOT pl.anonymous ORDER BY lower(u.display_name), u.id")
            .bind(poll_id).fetch_all(p).await)?)
    }

    /// Records a vote if the poll is still open at `now`. A named poll's earlier vote is
    /// replaced; an anonymous poll counts each voter once.
    pub async fn vote(
        &self,
        poll: &Poll,
        user_id: UserId,
        choices: &[Id],
        now: i64,
        effects: &crate::Effects,
    ) -> Result<VoteOutcome> {
        let open_guard = "SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM polls WHERE id = $1 AND (closes_at IS NULL OR closes_at > $3))";
        let outcome = with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let outcome = if poll.anonymous {
                let sql = format!("INSERT INTO poll_voters (poll_id, user_id, voted_at) {open_guard} ON CONFLICT (poll_id, user_id) DO NOTHING");
                let n = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(poll.id).bind(user_id).bind(now)
                    .execute(&mut *tx).await?.rows_affected();
                if n == 0 {
                    None
                } else {
                    for c in choices {
                        sqlx::query("UPDATE poll_options SET anonymous_votes = anonymous_votes + 1 WHERE id = $1 AND poll_id = $2")
                            .bind(c).bind(poll.id).execute(&mut *tx).await?;
                    }
                    Some(VoteOutcome::Recorded)
                }
            } else {
                // The upsert locks the person's voter row: their concurrent votes take turns.
                let sql = format!("INSERT INTO poll_voters (poll_id, user_id, voted_at) {open_guard} \
                     ON CONFLICT (poll_id, user_id) DO UPDATE SET voted_at = excluded.voted_at");
                let n = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(poll.id).bind(user_id).bind(now)
                    .execute(&mut *tx).await?.rows_affected();
                if n == 0 {
                    Some(VoteOutcome::Closed)
                } else {
                    sqlx::query("DELETE FROM poll_votes WHERE poll_id = $1 AND user_id = $2")
                        .bind(poll.id).bind(user_id).execute(&mut *tx).await?;
                    for c in choices {
                        sqlx::query("INSERT INTO poll_votes (poll_id, user_id, option_id) VALUES ($1, $2, $3)")
                            .bind(poll.id).bind(user_id).bind(c).execute(&mut *tx).await?;
                    }
                    Some(VoteOutcome::Recorded)
                }
            };
            match outcome {
                Some(VoteOutcome::Recorded) => {
                    crate::outbox::write_effects!(tx, effects, now);
                    tx.commit().await?;
                    Ok::<_, sqlx::Error>(Some(VoteOutcome::Recorded))
                }
                other => {
                    tx.rollback().await?;
                    Ok(other)
                }
            }
        })?;
        match outcome {
            Some(o) => Ok(o),
            // Not inserted: closed meanwhile, or this person already voted.
            None => {
                let closes_at = self.poll(poll.id).await?.and_then(|p| p.closes_at);
                Ok(if closes_at.is_some_and(|c| c <= now) {
                    VoteOutcome::Closed
                } else {
                    VoteOutcome::AlreadyVoted
                })
            }
        }
    }

    /// Closes a poll now (if still open) with what it causes; answers whether it changed.
    pub async fn close_poll(&self, id: Id, now: i64, effects: &crate::Effects) -> Result<bool> {
        crate::outbox::one_row_with_effects!(
            self,
            sqlx::query("UPDATE polls SET closes_at = $1 WHERE id = $2 AND (closes_at IS NULL OR closes_at > $1)")
                .bind(now).bind(id),
            effects
        )
    }
}
