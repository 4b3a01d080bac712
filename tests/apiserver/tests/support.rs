//! Shared by the integration tests: a started server and a plain HTTP
//! client with small helpers for JSON requests.
#![allow(dead_code)]

use air_test_apiserver::{Options, Server, start};
use serde_json::Value;
use std::time::Duration;

pub const APPLY: &str = "application/apply-patch+yaml";
pub const MERGE: &str = "application/merge-patch+json";

/// Bounds every wait in the tests so that a bug fails instead of hanging.
pub const WAIT: Duration = Duration::from_secs(60);

pub struct Api {
    pub server: Server,
    pub http: reqwest::Client,
}

pub async fn server() -> Api {
    let server = start(Options::default()).await.expect("server starts");
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("http client");
    Api { server, http }
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url(), path)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self.http.get(self.url(path)).send().await.expect("GET");
        decode(res).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let res = self
            .http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST");
        decode(res).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        let res = self
            .http
            .put(self.url(path))
            .json(body)
            .send()
            .await
            .expect("PUT");
        decode(res).await
    }

    pub async fn patch(&self, path: &str, content_type: &str, body: String) -> (u16, Value) {
        let res = self
            .http
            .patch(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("PATCH");
        decode(res).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        let res = self
            .http
            .delete(self.url(path))
            .send()
            .await
            .expect("DELETE");
        decode(res).await
    }
}

pub async fn decode(res: reqwest::Response) -> (u16, Value) {
    let code = res.status().as_u16();
    let text = res.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (code, value)
}

pub fn rv(obj: &Value) -> u64 {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .expect("resourceVersion")
        .parse()
        .expect("numeric resourceVersion")
}

/// Reads newline-delimited JSON events from a watch response.
pub struct Lines {
    res: reqwest::Response,
    buf: Vec<u8>,
}

impl Lines {
    pub fn new(res: reqwest::Response) -> Self {
        Self {
            res,
            buf: Vec::new(),
        }
    }

    /// The next event, or `None` when the server ended the stream.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                return Some(serde_json::from_slice(&line).expect("event is JSON"));
            }
            let chunk = tokio::time::timeout(WAIT, self.res.chunk())
                .await
                .expect("watch event within the bound")
                .expect("watch stream readable")?;
            self.buf.extend_from_slice(&chunk);
        }
    }

    /// The next event that is not a BOOKMARK.
    pub async fn next_change(&mut self) -> Option<Value> {
        loop {
            let ev = self.next().await?;
            if ev["type"] != "BOOKMARK" {
                return Some(ev);
            }
        }
    }
}
