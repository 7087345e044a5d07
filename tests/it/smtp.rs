//! A real SMTP server for the tests: aiosmtpd from PyPI (`.ci/run` installs it), storing
//! what it receives in a maildir that Python's e-mail parser reads back.
use embarq_store::now_ms;
use embarq_testkit::TempDir;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A real SMTP server (aiosmtpd) storing what it receives in a maildir.
pub struct Smtp {
    child: Child,
    pub port: u16,
    dir: PathBuf,
    _tmp: TempDir,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_smtp() -> Smtp {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    start_smtp_on(port)
}

/// A real SMTP server on `port`.
pub fn start_smtp_on(port: u16) -> Smtp {
    let found = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        found,
        "these tests need a real SMTP server: aiosmtpd is not installed. \
         Install it with `pip install aiosmtpd` (`.ci/run` does it)."
    );
    let tmp = TempDir(std::env::temp_dir().join(format!("embarq-smtp-{port}-{}", now_ms())));
    std::fs::create_dir_all(&tmp.0).unwrap();
    let dir = tmp.0.join("maildir");
    let child = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("could not start python3 -m aiosmtpd");
    let smtp = Smtp {
        child,
        port,
        dir,
        _tmp: tmp,
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return smtp;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("aiosmtpd did not start on port {port}");
}

/// Messages received so far, decoded by Python's e-mail parser:
/// [{to, subject, content_type, parts: [{type, body}]}].
pub fn received(smtp: &Smtp) -> Vec<Value> {
    let script = r#"
import email, email.header, glob, json, sys
out = []
for f in sorted(glob.glob(sys.argv[1] + '/new/*')):
    m = email.message_from_binary_file(open(f, 'rb'))
    parts = [{'type': p.get_content_type(),
              'body': p.get_payload(decode=True).decode(p.get_content_charset() or 'utf-8')}
             for p in m.walk() if p.get_content_maintype() == 'text']
    subject = str(email.header.make_header(email.header.decode_header(m['Subject'])))
    out.append({'to': m['To'], 'subject': subject, 'content_type': m.get_content_type(), 'parts': parts})
print(json.dumps(out))
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&smtp.dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub fn to(msgs: &[Value], who: &str) -> Vec<Value> {
    msgs.iter()
        .filter(|m| m["to"].as_str().unwrap_or_default().contains(who))
        .cloned()
        .collect()
}

pub fn smtp_config(smtp: &Smtp) -> embarq_web::config::SmtpConfig {
    embarq_web::config::SmtpConfig {
        host: "127.0.0.1".to_string(),
        port: smtp.port,
        username: None,
        password: None,
        security: embarq_web::config::SmtpSecurity::None,
        from: "embarq <no-reply@acme.test>".to_string(),
    }
}
