//! A tiny HTTP/1.1 server on 127.0.0.1 that runs `git http-backend` (CGI)
//! for every request that carries the right basic-auth password; plain
//! HTTP, or HTTPS with one of the test-only certificates of tests/certs.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use base64::Engine as _;

pub struct HttpGit {
    pub port: u16,
    stop: Arc<AtomicBool>,
    pub requests: Arc<AtomicUsize>,
    tls: bool,
}

/// tests/certs: the test-only CAs and server certificates (README there).
pub fn cert_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("certs")
}

impl HttpGit {
    /// Serve repositories under `root`; `token` is the required basic-auth
    /// password (any user name).
    pub fn start(root: &Path, token: &str) -> HttpGit {
        Self::serve(root, token, None)
    }

    /// Like [`HttpGit::start`], over TLS with certificate `cert` of
    /// tests/certs (`server-a`: 127.0.0.1 from `ca-a`; `server-b`: from
    /// `ca-b`; `wrong-host`: git.example.com from `ca-a`). `url` then
    /// gives https:// URLs.
    pub fn start_tls(root: &Path, token: &str, cert: &str) -> HttpGit {
        use rustls_pki_types::pem::PemObject;
        let dir = cert_dir();
        let chain =
            rustls_pki_types::CertificateDer::pem_file_iter(dir.join(format!("{cert}.pem")))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
        let key = rustls_pki_types::PrivateKeyDer::from_pem_file(dir.join(format!("{cert}.key")))
            .unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
        Self::serve(root, token, Some(Arc::new(config)))
    }

    fn serve(root: &Path, token: &str, tls: Option<Arc<rustls::ServerConfig>>) -> HttpGit {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicUsize::new(0));
        let (root, token) = (root.to_path_buf(), token.to_string());
        let (stop2, req2) = (stop.clone(), requests.clone());
        let (tls_on, tls) = (tls.is_some(), tls);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (root, token, req) = (root.clone(), token.clone(), req2.clone());
                let tls = tls.clone();
                std::thread::spawn(move || {
                    req.fetch_add(1, Ordering::SeqCst);
                    let _ = match tls {
                        Some(config) => match rustls::ServerConnection::new(config) {
                            Ok(c) => handle(rustls::StreamOwned::new(c, conn), &root, &token),
                            Err(_) => Ok(()),
                        },
                        None => handle(conn, &root, &token),
                    };
                });
            }
        });
        HttpGit {
            port,
            stop,
            requests,
            tls: tls_on,
        }
    }

    pub fn url(&self, repo: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for HttpGit {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn handle(conn: impl Read + Write, root: &PathBuf, token: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let body = read_body(&mut reader, &headers)?;
    // One request per connection: nothing is left in the reader's buffer.
    let out = reader.get_mut();
    if !authorized(headers.get("authorization"), token) {
        let msg = "authentication required\n";
        write!(
            out,
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\n\
             Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{msg}",
            msg.len()
        )?;
        return out.flush();
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut cmd = Command::new("git");
    cmd.arg("http-backend")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_LENGTH", body.len().to_string())
        .env("REMOTE_USER", "test")
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(ct) = headers.get("content-type") {
        cmd.env("CONTENT_TYPE", ct);
    }
    if let Some(enc) = headers.get("content-encoding") {
        cmd.env("HTTP_CONTENT_ENCODING", enc);
    }
    if let Some(proto) = headers.get("git-protocol") {
        cmd.env("GIT_PROTOCOL", proto);
    }
    let mut child = cmd.spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let mut cgi = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut cgi)?;
    let _ = writer.join();
    let _ = child.wait();
    let (head, body) = split_cgi(&cgi);
    let mut status = "200 OK".to_string();
    let mut resp_headers = String::new();
    for h in head.lines() {
        if let Some(s) = h.strip_prefix("Status:") {
            status = s.trim().to_string();
        } else if !h.trim().is_empty() {
            resp_headers.push_str(h.trim_end());
            resp_headers.push_str("\r\n");
        }
    }
    write!(
        out,
        "HTTP/1.1 {status}\r\n{resp_headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    out.write_all(body)?;
    out.flush()
}

fn authorized(header: Option<&String>, token: &str) -> bool {
    let Some(h) = header else { return false };
    let Some(b64) = h.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
        return false;
    };
    let raw = String::from_utf8_lossy(&raw).into_owned();
    matches!(raw.split_once(':'), Some((_, pass)) if pass == token)
}

fn read_body(
    reader: &mut BufReader<impl Read>,
    headers: &HashMap<String, String>,
) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            if n == 0 {
                let mut end = String::new();
                reader.read_line(&mut end)?;
                break;
            }
            let mut chunk = vec![0; n];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk);
            let mut crlf = [0u8; 2];
            reader.read_exact(&mut crlf)?;
        }
    } else if let Some(n) = headers.get("content-length").and_then(|n| n.parse().ok()) {
        body = vec![0; n];
        reader.read_exact(&mut body)?;
    }
    Ok(body)
}

fn split_cgi(out: &[u8]) -> (String, &[u8]) {
    for (sep, len) in [(&b"\r\n\r\n"[..], 4), (&b"\n\n"[..], 2)] {
        if let Some(i) = out.windows(len).position(|w| w == sep) {
            return (
                String::from_utf8_lossy(&out[..i]).into_owned(),
                &out[i + len..],
            );
        }
    }
    (String::new(), out)
}
