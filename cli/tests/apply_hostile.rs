//! `air apply` against servers that misbehave: one that accepts and never
//! answers, one that refuses the credentials, one that answers with a
//! proxy's whole HTML page; and a namespace that cannot be one. Each must
//! end promptly with exit 2 ("could not run") and a bounded message.

use crate::bounded_support;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

use bounded_support::run_bounded;
use std::process::{Command, Output};
use std::time::Duration;

/// How each connection is treated.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Accept, read, never answer.
    Silent,
    /// Answer every request with this status and body.
    Answer(u16, &'static str, fn() -> String),
}

/// A server on 127.0.0.1 (threads live as long as the test process).
fn serve(behaviour: Behaviour) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            match behaviour {
                Behaviour::Silent => held.push(stream),
                Behaviour::Answer(code, kind, body) => {
                    std::thread::spawn(move || answer(stream, code, kind, &body()));
                }
            }
        }
    });
    port
}

fn answer(mut stream: TcpStream, code: u16, kind: &str, body: &str) {
    // Read the request head (requests here carry small bodies, if any).
    let mut buf = [0u8; 65536];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    let head = format!(
        "HTTP/1.1 {code} Whatever\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

fn kubeconfig(dir: &Path, port: u16) -> PathBuf {
    let path = dir.join("kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\n\
         clusters: [{{name: c, cluster: {{server: \"http://127.0.0.1:{port}\"}}}}]\n\
         users: [{{name: u, user: {{token: not-a-valid-token}}}}]\n\
         contexts: [{{name: x, context: {{cluster: c, user: u}}}}]\n\
         current-context: x\n"
    );
    std::fs::write(&path, text).expect("write kubeconfig");
    path
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/image-resize")
}

/// `air apply` on an example; killed if it runs past a generous bound, so
/// a hang fails the test instead of stalling the suite.
fn apply(kubeconfig: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_air"));
    cmd.arg("apply")
        .arg(example())
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .env_remove("KUBECONFIG");
    run_bounded(cmd, Duration::from_secs(90), "air apply")
}

fn all(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_server_that_never_answers_times_out_with_exit_2() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kc = kubeconfig(tmp.path(), serve(Behaviour::Silent));
    let o = apply(&kc, &["--request-timeout", "2s"]);
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    assert!(all(&o).contains("did not answer within 2s"), "{}", all(&o));
}

fn unauthorized() -> String {
    r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#.into()
}

#[test]
fn refused_credentials_exit_2() {
    let tmp = tempfile::tempdir().expect("tmp");
    let port = serve(Behaviour::Answer(401, "application/json", unauthorized));
    let o = apply(&kubeconfig(tmp.path(), port), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    assert!(all(&o).contains("Unauthorized"), "{}", all(&o));
}

fn html_page() -> String {
    format!(
        "<html><body>{}</body></html>",
        "<p>Bad gateway, says the proxy.</p>".repeat(700)
    )
}

#[test]
fn a_huge_error_body_is_clipped() {
    let tmp = tempfile::tempdir().expect("tmp");
    let port = serve(Behaviour::Answer(502, "text/html", html_page));
    let o = apply(&kubeconfig(tmp.path(), port), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    let text = all(&o);
    assert!(html_page().len() > 24_000);
    assert!(text.len() < 4096, "{} bytes echoed", text.len());
    assert!(text.contains("more bytes)"), "{text}");
}

#[test]
fn an_invalid_namespace_exits_2_before_any_request() {
    let tmp = tempfile::tempdir().expect("tmp");
    let kc = kubeconfig(tmp.path(), serve(Behaviour::Silent));
    let o = apply(&kc, &["-n", "Not_A_Namespace", "--request-timeout", "60s"]);
    assert_eq!(o.status.code(), Some(2), "{}", all(&o));
    assert!(
        all(&o).contains("--namespace `Not_A_Namespace`"),
        "{}",
        all(&o)
    );
}
