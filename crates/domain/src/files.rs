//! File box and widget rules with no I/O: file names, content-type decisions from the
//! file's first bytes, download headers, video URLs of allow-listed hosts and widget links.
use crate::roles::string_enum;
use crate::validate::{self, FieldError};
use serde::{Deserialize, Serialize};

pub const FILE_NAME_MAX: usize = 200;
pub const WIDGET_TITLE_MAX: usize = 120;
pub const WIDGET_NOTE_MAX: usize = 10_000;
pub const WIDGET_LINKS_MAX: usize = 20;
pub const URL_MAX: usize = 2_000;
/// How many leading bytes are kept to decide a file's type.
pub const SNIFF_LEN: usize = 8192;

string_enum!(
    /// What a sphere widget shows.
    WidgetKind { Links = "links", Video = "video", Note = "note" }
);

/// A file or folder name: trimmed, non-empty, at most [`FILE_NAME_MAX`] characters, no
/// path separators or control characters.
pub fn file_name(field: &'static str, value: &str) -> Result<String, FieldError> {
    let v = validate::required(field, value, FILE_NAME_MAX)?;
    if v.contains(['/', '\\', '\n', '\r', '\t']) || v == "." || v == ".." {
        return Err(FieldError::new(field, "invalid_file_name"));
    }
    Ok(v)
}

/// The name a browser sent for an upload: only its last path segment counts.
pub fn upload_name(raw: &str) -> Result<String, FieldError> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    file_name("file", base)
}

/// Lower-case extension of a name, if any.
pub fn extension(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// Whether the bytes start like HTML, XML, SVG or a script: content a browser could run.
pub fn looks_like_markup(head: &[u8]) -> bool {
    let mut h = head;
    for bom in [&b"\xEF\xBB\xBF"[..], b"\xFF\xFE", b"\xFE\xFF"] {
        if let Some(rest) = h.strip_prefix(bom) {
            h = rest;
        }
    }
    let start = h
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(h.len());
    let h = &h[start..];
    let lower: Vec<u8> = h.iter().take(512).map(|b| b.to_ascii_lowercase()).collect();
    if lower.first() == Some(&b'<') {
        return true;
    }
    // UTF-16 markup ("<\0" or "\0<").
    if lower.starts_with(b"<\0") || lower.starts_with(b"\0<") {
        return true;
    }
    let text = String::from_utf8_lossy(&lower);
    [
        "<script",
        "<html",
        "<svg",
        "<iframe",
        "<body",
        "<!doctype",
        "javascript:",
    ]
    .iter()
    .any(|t| text.contains(t))
}

/// The content type an extension claims, for the types whose bytes can be recognized.
fn claimed_type(ext: &str) -> Option<&'static str> {
    Some(match ext {
        "png" => "image/png",
        "jpg" | "jpeg" | "jpe" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "ico" => "image/vnd.microsoft.icon",
        "tif" | "tiff" => "image/tiff",
        "pdf" => "application/pdf",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "mp3" => "audio/mpeg",
        "zip" => "application/zip",
        _ => return None,
    })
}

/// Extensions of markup files that may be stored (as opaque bytes, never served as markup).
const MARKUP_EXTENSIONS: &[&str] = &["html", "htm", "xhtml", "svg", "xml"];

/// Types that are recognized from their bytes but never served as themselves.
fn is_dangerous_type(mime: &str) -> bool {
    mime.contains("html")
        || mime.contains("xml")
        || mime.contains("svg")
        || mime.contains("javascript")
        || mime.contains("ecmascript")
}

/// Decides the stored content type of an upload from its name, its first bytes and the type
/// recognized from those bytes (`detected`, e.g. by the `infer` crate). A file whose name
/// claims one type while its bytes are another (an HTML page named `.png`) is refused.
pub fn classify(name: &str, head: &[u8], detected: Option<&str>) -> Result<String, FieldError> {
    let ext = extension(name);
    let claimed = ext.as_deref().and_then(claimed_type);
    if looks_like_markup(head) && detected.is_none() {
        return match ext.as_deref() {
            Some(e) if MARKUP_EXTENSIONS.contains(&e) => Ok("application/octet-stream".into()),
            Some("txt" | "md" | "csv") => Ok("text/plain; charset=utf-8".into()),
            _ => Err(FieldError::new("file", "file_disguised")),
        };
    }
    match (detected, claimed) {
        (Some(d), Some(c)) if !same_type(d, c) => Err(FieldError::new("file", "file_disguised")),
        (Some(d), _) if is_dangerous_type(d) => Ok("application/octet-stream".into()),
        (Some(d), _) => Ok(d.to_string()),
        // The name promises recognizable bytes that are not there.
        (None, Some(_)) => Err(FieldError::new("file", "file_disguised")),
        (None, None) if std::str::from_utf8(trim_partial_utf8(head)).is_ok() => {
            Ok("text/plain; charset=utf-8".into())
        }
        (None, None) => Ok("application/octet-stream".into()),
    }
}

fn same_type(detected: &str, claimed: &str) -> bool {
    detected == claimed
        || (claimed == "video/mp4" && detected.starts_with("video/"))
        || (claimed == "video/quicktime" && detected.starts_with("video/"))
        || (claimed == "image/vnd.microsoft.icon" && detected.contains("icon"))
}

/// The head of a file may end in the middle of a UTF-8 sequence.
fn trim_partial_utf8(head: &[u8]) -> &[u8] {
    match std::str::from_utf8(head) {
        Ok(_) => head,
        Err(e) if e.error_len().is_none() => &head[..e.valid_up_to()],
        Err(_) => head,
    }
}

/// Verified image types that get a server-made thumbnail shown inline.
pub fn is_previewable(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// Video types a widget can play.
pub fn is_video(content_type: &str) -> bool {
    content_type.starts_with("video/")
}

/// `Content-Disposition: attachment` with an ASCII fallback and the RFC 6266 / 8187
/// `filename*` form for the real name.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' && c != '%' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// A useful link of a widget: an absolute https URL.
pub fn https_url(field: &'static str, value: &str) -> Result<String, FieldError> {
    let v = validate::required(field, value, URL_MAX)?;
    match url::Url::parse(&v) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some_and(|h| !h.is_empty()) => {
            Ok(u.to_string())
        }
        Ok(_) => Err(FieldError::new(field, "https_required")),
        Err(_) => Err(FieldError::new(field, "invalid_url")),
    }
}

fn valid_id(id: &str, max: usize) -> bool {
    !id.is_empty()
        && id.len() <= max
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Turns a share or watch URL of an allow-listed video host (YouTube, Vimeo, Dailymotion
/// and the configured PeerTube hosts) into its embed URL; anything else is refused.
pub fn video_embed(
    field: &'static str,
    value: &str,
    peertube_hosts: &[String],
) -> Result<String, FieldError> {
    let v = validate::required(field, value, URL_MAX)?;
    let u = url::Url::parse(&v).map_err(|_| FieldError::new(field, "invalid_url"))?;
    if u.scheme() != "https" && u.scheme() != "http" {
        return Err(FieldError::new(field, "invalid_url"));
    }
    let host = u.host_str().unwrap_or("").to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    let segs: Vec<&str> = u
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let bad = || FieldError::new(field, "video_url_unrecognized");
    match host.as_str() {
        "youtube.com" | "m.youtube.com" | "youtube-nocookie.com" | "youtu.be" => {
            let id = if host == "youtu.be" {
                segs.first().map(|s| s.to_string())
            } else {
                match segs.as_slice() {
                    ["watch"] => u
                        .query_pairs()
                        .find(|(k, _)| k == "v")
                        .map(|(_, v)| v.into_owned()),
                    ["embed" | "shorts" | "live" | "v", id, ..] => Some(id.to_string()),
                    _ => None,
                }
            };
            match id {
                Some(id) if valid_id(&id, 32) => {
                    Ok(format!("https://www.youtube-nocookie.com/embed/{id}"))
                }
                _ => Err(bad()),
            }
        }
        "vimeo.com" | "player.vimeo.com" => {
            let id = segs
                .iter()
                .find(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
            match id {
                Some(id) if id.len() <= 20 => Ok(format!("https://player.vimeo.com/video/{id}")),
                _ => Err(bad()),
            }
        }
        "dailymotion.com" | "dai.ly" | "geo.dailymotion.com" => {
            let id = match (host.as_str(), segs.as_slice()) {
                ("dai.ly", [id, ..]) => Some(id.to_string()),
                (_, ["video", id, ..]) | (_, ["embed", "video", id, ..]) => {
                    Some(id.split('_').next().unwrap_or(id).to_string())
                }
                (_, ["player.html"]) => u
                    .query_pairs()
                    .find(|(k, _)| k == "video")
                    .map(|(_, v)| v.into_owned()),
                _ => None,
            };
            match id {
                Some(id) if valid_id(&id, 32) => {
                    Ok(format!("https://www.dailymotion.com/embed/video/{id}"))
                }
                _ => Err(bad()),
            }
        }
        _ => {
            let full = u.host_str().unwrap_or("").to_ascii_lowercase();
            if !peertube_hosts
                .iter()
                .any(|h| h.trim().eq_ignore_ascii_case(&full))
            {
                return Err(FieldError::new(field, "video_host_not_allowed"));
            }
            let id = match segs.as_slice() {
                ["w", id] | ["videos", "watch", id] | ["videos", "embed", id] => Some(*id),
                _ => None,
            };
            match id {
                Some(id) if valid_id(id, 64) => Ok(format!("https://{full}/videos/embed/{id}")),
                _ => Err(bad()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_named_png_is_disguised() {
        let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>";
        assert_eq!(
            classify("cat.png", html, None).unwrap_err().code,
            "file_disguised"
        );
        assert_eq!(
            classify("page.html", html, None).unwrap(),
            "application/octet-stream"
        );
        let svg = b"  <svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>";
        assert!(classify("logo.png", svg, None).is_err());
        assert!(classify("notes", svg, None).is_err());
        assert_eq!(
            classify("logo.svg", svg, None).unwrap(),
            "application/octet-stream"
        );
    }

    #[test]
    fn types_from_bytes() {
        assert_eq!(
            classify("a.png", b"\x89PNG....", Some("image/png")).unwrap(),
            "image/png"
        );
        assert!(classify("a.png", b"%PDF-1.4", Some("application/pdf")).is_err());
        assert!(classify("a.jpg", b"hello", None).is_err());
        assert_eq!(
            classify("report", b"%PDF-1.4", Some("application/pdf")).unwrap(),
            "application/pdf"
        );
        assert_eq!(
            classify("notes.txt", "héllo".as_bytes(), None).unwrap(),
            "text/plain; charset=utf-8"
        );
        assert_eq!(
            classify("blob.bin", b"\x00\x01\xff\xfe", None).unwrap(),
            "application/octet-stream"
        );
        assert_eq!(
            classify("x.xml", b"<?xml", Some("text/xml")).unwrap(),
            "application/octet-stream"
        );
        assert!(is_previewable("image/png") && !is_previewable("image/svg+xml"));
    }

    #[test]
    fn names() {
        assert_eq!(
            upload_name("C:\\Users\\me\\photo.png").unwrap(),
            "photo.png"
        );
        assert_eq!(upload_name("../../etc/passwd").unwrap(), "passwd");
        assert!(file_name("name", "a/b").is_err());
        assert!(file_name("name", "  ").is_err());
        assert!(file_name("name", "..").is_err());
        assert_eq!(extension("Photo.JPG").as_deref(), Some("jpg"));
        assert_eq!(extension(".bashrc"), None);
    }

    #[test]
    fn disposition_encodes_names() {
        let d = content_disposition("été \"x\".pdf");
        assert_eq!(
            d,
            "attachment; filename=\"_t_ _x_.pdf\"; filename*=UTF-8''%C3%A9t%C3%A9%20%22x%22.pdf"
        );
    }

    #[test]
    fn videos() {
        let p: Vec<String> = vec!["tube.example.org".into()];
        for (inp, out) in [
            (
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3",
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            ),
            (
                "https://youtu.be/dQw4w9WgXcQ",
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            ),
            (
                "https://vimeo.com/76979871",
                "https://player.vimeo.com/video/76979871",
            ),
            (
                "https://www.dailymotion.com/video/x7tgad0_some-title",
                "https://www.dailymotion.com/embed/video/x7tgad0",
            ),
            (
                "https://dai.ly/x7tgad0",
                "https://www.dailymotion.com/embed/video/x7tgad0",
            ),
            (
                "https://tube.example.org/w/9c9de5e8-0a1e-484a-b099-e80766180a6d",
                "https://tube.example.org/videos/embed/9c9de5e8-0a1e-484a-b099-e80766180a6d",
            ),
        ] {
            assert_eq!(video_embed("url", inp, &p).unwrap(), out, "{inp}");
        }
        assert_eq!(
            video_embed("url", "https://evil.example.com/v.mp4", &p)
                .unwrap_err()
                .code,
            "video_host_not_allowed"
        );
        assert_eq!(
            video_embed("url", "https://www.youtube.com/feed", &p)
                .unwrap_err()
                .code,
            "video_url_unrecognized"
        );
        assert!(video_embed("url", "javascript:alert(1)", &p).is_err());
    }

    #[test]
    fn links() {
        assert!(https_url("url", "https://intranet.example.com/x").is_ok());
        assert_eq!(
            https_url("url", "http://x.example.com").unwrap_err().code,
            "https_required"
        );
        assert_eq!(
            https_url("url", "javascript:alert(1)").unwrap_err().code,
            "https_required"
        );
        assert_eq!(https_url("url", "nope").unwrap_err().code, "invalid_url");
    }
}

#[cfg(test)]
mod policy_tests {
    use crate::policy::{
        Viewer, can_manage_file, can_manage_widgets, can_upload_file, sphere_access,
    };
    use crate::{OrgRole, SphereKind, SphereRole};

    #[test]
    fn file_box_and_widget_rights() {
        let member = Viewer {
            org_role: OrgRole::Member,
        };
        let manager = Viewer {
            org_role: OrgRole::Manager,
        };
        let m = sphere_access(member, SphereKind::Secret, Some(SphereRole::Member));
        assert!(can_upload_file(m) && can_manage_file(true, m) && !can_manage_file(false, m));
        assert!(!can_manage_widgets(m));
        let a = sphere_access(member, SphereKind::Closed, Some(SphereRole::Admin));
        assert!(can_manage_file(false, a) && can_manage_widgets(a));
        // Outsiders: nothing, not even an organization manager in a secret or closed sphere.
        for kind in [SphereKind::Secret, SphereKind::Closed] {
            let o = sphere_access(manager, kind, None);
            assert!(!can_upload_file(o) && !can_manage_file(true, o) && !can_manage_widgets(o));
        }
        let open = sphere_access(member, SphereKind::Open, None);
        assert!(!can_upload_file(open) && !can_manage_file(true, open));
    }
}
