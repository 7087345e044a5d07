//! SQLite: the `embarq` FTS5 tokenizer, registered on every connection the pool opens.
//!
//! FTS5's built-in tokenizers stem English only (porter); this one cuts words, folds case
//! and accents and emits each word's French and English Snowball stems as colocated
//! tokens, with the rules of [`embarq_domain::search`]. The FTS tables use it both for
//! the indexed text (written by triggers, so every insert, update and delete is indexed
//! whatever code path ran it) and for the query terms, so "réunions" finds "réunion" and
//! "meetings" finds "meeting".
use embarq_domain::search::index_terms;
use libsqlite3_sys as ffi;
use std::ffi::{c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

/// The name FTS tables give in `tokenize='embarq'`.
const NAME: &std::ffi::CStr = c"embarq";

/// FTS5 wants a non-null tokenizer instance; ours holds no state.
static INSTANCE: u8 = 0;

/// Registers the tokenizer on one open connection.
///
/// # Safety
/// `db` must be a valid, open connection handle not used by another thread during the call.
pub(crate) unsafe fn register(db: *mut ffi::sqlite3) -> Result<(), String> {
    // SAFETY: the caller guarantees `db`; every pointer below is checked before use.
    unsafe {
        let api = fts5_api(db)?;
        let create = (*api)
            .xCreateTokenizer
            .ok_or_else(|| "FTS5 lacks xCreateTokenizer".to_string())?;
        // FTS5 copies this structure: a local is fine.
        let mut tokenizer = ffi::fts5_tokenizer {
            xCreate: Some(x_create),
            xDelete: Some(x_delete),
            xTokenize: Some(x_tokenize),
        };
        let rc = create(api, NAME.as_ptr(), ptr::null_mut(), &mut tokenizer, None);
        if rc != ffi::SQLITE_OK {
            return Err(format!("registering the FTS5 tokenizer failed ({rc})"));
        }
        let function = (*api)
            .xCreateFunction
            .ok_or_else(|| "FTS5 lacks xCreateFunction".to_string())?;
        let rc = function(
            api,
            c"embarq_rank".as_ptr(),
            ptr::null_mut(),
            Some(x_rank),
            None,
        );
        if rc != ffi::SQLITE_OK {
            return Err(format!("registering the FTS5 rank function failed ({rc})"));
        }
    }
    Ok(())
}

/// The connection's `fts5_api`, obtained the documented way (`SELECT fts5(?1)` with a
/// bound pointer).
unsafe fn fts5_api(db: *mut ffi::sqlite3) -> Result<*mut ffi::fts5_api, String> {
    let mut api: *mut ffi::fts5_api = ptr::null_mut();
    // SAFETY: standard prepare/bind/step/finalize sequence on a valid handle; the pointer
    // type name is a static string as SQLite requires.
    unsafe {
        let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
        let rc = ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &mut stmt,
            ptr::null_mut(),
        );
        if rc != ffi::SQLITE_OK || stmt.is_null() {
            return Err(format!("FTS5 is not available ({rc})"));
        }
        ffi::sqlite3_bind_pointer(
            stmt,
            1,
            (&mut api as *mut *mut ffi::fts5_api).cast::<c_void>(),
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        ffi::sqlite3_step(stmt);
        ffi::sqlite3_finalize(stmt);
    }
    if api.is_null() {
        Err("FTS5 did not return its API".to_string())
    } else {
        Ok(api)
    }
}

unsafe extern "C" fn x_create(
    _user_data: *mut c_void,
    _args: *mut *const c_char,
    _n_args: c_int,
    out: *mut *mut ffi::Fts5Tokenizer,
) -> c_int {
    if out.is_null() {
        return ffi::SQLITE_ERROR;
    }
    // SAFETY: FTS5 passes a valid out-pointer; the instance is never written through.
    unsafe {
        *out = (&INSTANCE as *const u8)
            .cast_mut()
            .cast::<ffi::Fts5Tokenizer>();
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn x_delete(_tokenizer: *mut ffi::Fts5Tokenizer) {}

type TokenCallback = unsafe extern "C" fn(
    ctx: *mut c_void,
    tflags: c_int,
    token: *const c_char,
    n_token: c_int,
    start: c_int,
    end: c_int,
) -> c_int;

unsafe extern "C" fn x_tokenize(
    _tokenizer: *mut ffi::Fts5Tokenizer,
    ctx: *mut c_void,
    _flags: c_int,
    text: *const c_char,
    n_text: c_int,
    x_token: Option<TokenCallback>,
) -> c_int {
    let Some(x_token) = x_token else {
        return ffi::SQLITE_ERROR;
    };
    if text.is_null() || n_text <= 0 {
        return ffi::SQLITE_OK;
    }
    // SAFETY: FTS5 hands `n_text` readable bytes at `text` for the duration of the call.
    let bytes = unsafe { std::slice::from_raw_parts(text.cast::<u8>(), n_text as usize) };
    // Text is UTF-8; should a value hold invalid bytes, index its valid prefix.
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    };
    // No panic may cross into C.
    catch_unwind(AssertUnwindSafe(|| {
        for (start, end, terms) in index_terms(text) {
            for (i, term) in terms.iter().enumerate() {
                let tflags = if i == 0 { 0 } else { ffi::FTS5_TOKEN_COLOCATED };
                // SAFETY: the callback and context come from FTS5 for this call; the term
                // outlives the call.
                let rc = unsafe {
                    x_token(
                        ctx,
                        tflags,
                        term.as_ptr().cast::<c_char>(),
                        term.len() as c_int,
                        start as c_int,
                        end as c_int,
                    )
                };
                if rc != ffi::SQLITE_OK {
                    return rc;
                }
            }
        }
        ffi::SQLITE_OK
    }))
    .unwrap_or(ffi::SQLITE_ERROR)
}

/// `embarq_rank(table)`: BM25's term-frequency part (k1 = 1.2, b = 0.75) summed over the
/// query's phrases, without the inverse document frequency. FTS5's `bm25()` computes each
/// phrase's document frequency by scanning every match once per query — a quarter of a
/// million rows for a common word — while search ranks only the most recent matches; and as
/// every word of a query is required, each candidate contains them all, so the IDF would
/// only weigh the words against each other.
unsafe extern "C" fn x_rank(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    _n_val: c_int,
    _vals: *mut *mut ffi::sqlite3_value,
) {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    // SAFETY: FTS5 passes a valid API table and context for the current row.
    unsafe {
        let (Some(api), false) = (api.as_ref(), ctx.is_null()) else {
            return;
        };
        let (
            Some(phrase_count),
            Some(inst_count),
            Some(inst),
            Some(column_size),
            Some(total_size),
            Some(row_count),
        ) = (
            api.xPhraseCount,
            api.xInstCount,
            api.xInst,
            api.xColumnSize,
            api.xColumnTotalSize,
            api.xRowCount,
        )
        else {
            ffi::sqlite3_result_double(ctx, 0.0);
            return;
        };
        let phrases = phrase_count(fts).max(0) as usize;
        let mut tf = vec![0f64; phrases];
        let mut n = 0;
        if inst_count(fts, &mut n) == ffi::SQLITE_OK {
            for i in 0..n {
                let (mut ip, mut ic, mut io) = (0, 0, 0);
                if inst(fts, i, &mut ip, &mut ic, &mut io) == ffi::SQLITE_OK
                    && (ip as usize) < phrases
                {
                    tf[ip as usize] += 1.0;
                }
            }
        }
        let mut len = 0;
        column_size(fts, -1, &mut len);
        let (mut total, mut rows) = (0i64, 0i64);
        total_size(fts, -1, &mut total);
        row_count(fts, &mut rows);
        let avg = if rows > 0 && total > 0 {
            total as f64 / rows as f64
        } else {
            1.0
        };
        let norm = K1 * (1.0 - B + B * (len.max(0) as f64) / avg);
        let score: f64 = tf.iter().map(|t| t * (K1 + 1.0) / (t + norm)).sum();
        ffi::sqlite3_result_double(ctx, score);
    }
}

/// The pool's `after_connect` hook: makes the tokenizer available on a new connection.
pub(crate) async fn on_connect(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: the handle is locked for us, open and not used elsewhere meanwhile.
    unsafe { register(db) }.map_err(|e| sqlx::Error::Configuration(e.into()))
}
