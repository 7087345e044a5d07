//! Video meetings: the provider an organization chooses, the external URL template (its
//! validation and filling), the size of a built-in room and what its signalling relays.
use crate::Id;
use crate::validate::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A built-in room is a WebRTC mesh: every participant sends to every other, which stays
/// usable up to about eight people on ordinary connections.
pub const MAX_PARTICIPANTS: i64 = 8;

/// Longest URL template accepted.
pub const TEMPLATE_MAX: usize = 500;

crate::roles::string_enum!(
    /// Who hosts an organization's meetings: browser-to-browser WebRTC signalled through
    /// embarq itself, or another service (Jitsi Meet, BigBlueButton...) by URL template.
    Provider { Builtin = "builtin", External = "external" }
);

/// The placeholders a template may contain.
pub const PLACEHOLDERS: [&str; 3] = ["{room}", "{name}", "{email}"];

/// Checks an external provider's URL template: `https://` only, a fixed host, `{room}`
/// present, no placeholder other than `{room}`, `{name}` and `{email}`; returns it trimmed.
pub fn template(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if t.chars().count() > TEMPLATE_MAX {
        return Err(FieldError::with_limit(
            field,
            "too_long",
            TEMPLATE_MAX as i64,
        ));
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FieldError::new(field, "video_invalid_url"));
    }
    let Some(rest) = t.strip_prefix("https://") else {
        return Err(FieldError::new(field, "video_https_only"));
    };
    // Every brace must belong to a known placeholder.
    let mut stripped = rest.to_string();
    for ph in PLACEHOLDERS {
        stripped = stripped.replace(ph, "");
    }
    if stripped.contains('{') || stripped.contains('}') {
        return Err(FieldError::new(field, "video_unknown_placeholder"));
    }
    if !rest.contains("{room}") {
        return Err(FieldError::new(field, "video_missing_room"));
    }
    // The host is fixed: no placeholder, no user-info, only host name characters.
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_ok = !authority.is_empty()
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && !authority.starts_with(['.', '-', ':']);
    if !host_ok {
        return Err(FieldError::new(field, "video_invalid_url"));
    }
    let sample = fill(t, "room", "Name", "name@example.com");
    match url::Url::parse(&sample) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some_and(|h| !h.is_empty()) => {
            Ok(t.to_string())
        }
        _ => Err(FieldError::new(field, "video_invalid_url")),
    }
}

/// The URL of a meeting: placeholders replaced by URL-encoded values.
pub fn fill(template: &str, room: &str, name: &str, email: &str) -> String {
    let enc = |s: &str| {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    };
    template
        .replace("{room}", &enc(room))
        .replace("{name}", &enc(name))
        .replace("{email}", &enc(email))
}

/// What the signalling relay of a built-in room does with a browser's message.
pub enum Relay {
    To(Id, Value),
    Leave,
    Ignore,
    Bad,
}

/// Validates a message and builds what its addressee receives: only known fields, with the
/// sender set by the server (a browser cannot speak for another peer).
pub fn relayed(v: &Value, from: Id) -> Relay {
    let kind = v["type"].as_str().unwrap_or("");
    let to = v["to"].as_str().and_then(crate::parse_id);
    match (kind, to) {
        ("leave", _) => Relay::Leave,
        ("ping" | "join", _) => Relay::Ignore,
        ("offer" | "answer", Some(to)) => {
            let sdp = &v["sdp"];
            let ok = sdp["type"].as_str() == Some(kind) && sdp["sdp"].is_string();
            if !ok || to == from {
                return Relay::Bad;
            }
            Relay::To(
                to,
                json!({ "type": kind, "from": from, "sdp": { "type": kind, "sdp": sdp["sdp"] } }),
            )
        }
        ("ice", Some(to)) if to != from => {
            let c = &v["candidate"];
            if !(c.is_object() || c.is_null()) {
                return Relay::Bad;
            }
            let candidate = if c.is_null() {
                Value::Null
            } else {
                json!({
                    "candidate": c["candidate"].as_str().unwrap_or(""),
                    "sdpMid": c["sdpMid"],
                    "sdpMLineIndex": c["sdpMLineIndex"],
                    "usernameFragment": c["usernameFragment"],
                })
            };
            Relay::To(
                to,
                json!({ "type": "ice", "from": from, "candidate": candidate }),
            )
        }
        _ => Relay::Bad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::new_id;

    fn code(raw: &str) -> &'static str {
        template("t", raw).err().map(|e| e.code).unwrap_or("ok")
    }

    #[test]
    fn templates() {
        assert_eq!(code("https://meet.jit.si/embarq-{room}"), "ok");
        assert_eq!(
            code("https://bbb.example.com/bigbluebutton/api/join?meetingID={room}&fullName={name}"),
            "ok"
        );
        assert_eq!(code("https://meet.example.com:8443/{room}?u={email}"), "ok");
        assert_eq!(code(""), "required");
        assert_eq!(code("http://meet.jit.si/{room}"), "video_https_only");
        assert_eq!(code("javascript:alert(1)//{room}"), "video_https_only");
        assert_eq!(code("https://meet.jit.si/fixed"), "video_missing_room");
        assert_eq!(
            code("https://meet.jit.si/{room}/{secret}"),
            "video_unknown_placeholder"
        );
        assert_eq!(code("https://{room}.example.com/"), "video_invalid_url");
        assert_eq!(code("https://evil@meet.jit.si/{room}"), "video_invalid_url");
        assert_eq!(code("https:///{room}"), "video_invalid_url");
        assert_eq!(code("https://meet.jit.si/{room} x"), "video_invalid_url");
        assert_eq!(
            code(&format!("https://a.b/{{room}}{}", "x".repeat(600))),
            "too_long"
        );
    }

    #[test]
    fn filling_encodes() {
        assert_eq!(
            fill(
                "https://m.test/{room}?n={name}&e={email}",
                "ab12",
                "Zoé L'Été & co",
                "z@x.test"
            ),
            "https://m.test/ab12?n=Zo%C3%A9%20L%27%C3%89t%C3%A9%20%26%20co&e=z%40x.test"
        );
    }

    #[test]
    fn relay_rules() {
        let me = new_id();
        let other = new_id();
        let offer = json!({ "type": "offer", "to": other, "from": other, "sdp": { "type": "offer", "sdp": "v=0" }, "x": 1 });
        match relayed(&offer, me) {
            Relay::To(to, body) => {
                assert_eq!(to, other);
                assert_eq!(body["from"], json!(me));
                assert!(body.get("x").is_none());
            }
            _ => panic!("offer not relayed"),
        }
        assert!(matches!(
            relayed(
                &json!({ "type": "offer", "to": me, "sdp": { "type": "offer", "sdp": "v=0" } }),
                me
            ),
            Relay::Bad
        ));
        assert!(matches!(
            relayed(
                &json!({ "type": "answer", "to": other, "sdp": { "type": "offer", "sdp": "v=0" } }),
                me
            ),
            Relay::Bad
        ));
        assert!(matches!(
            relayed(
                &json!({ "type": "ice", "to": other, "candidate": null }),
                me
            ),
            Relay::To(..)
        ));
        assert!(matches!(
            relayed(&json!({ "type": "ice", "to": "x" }), me),
            Relay::Bad
        ));
        assert!(matches!(
            relayed(&json!({ "type": "leave" }), me),
            Relay::Leave
        ));
        assert!(matches!(relayed(&Value::Null, me), Relay::Bad));
    }
}
