//! The outside world of a test run: the mocks that answer HTTP calls, the
//! record of every call and emit, and the outbox of events still to route.

use super::matching::url_matches;
use crate::plan::Mock;
use crate::sw::{Host, HttpRequest, HttpResponse};
use serde_json::Value;

/// An HTTP call a run made, with the answer it got (`None`: no mock).
#[derive(Debug, Clone)]
pub struct Call {
    pub at_ms: u64,
    pub request: HttpRequest,
    pub status: Option<u16>,
}

/// An event a run emitted.
#[derive(Debug, Clone)]
pub struct Emitted {
    pub at_ms: u64,
    pub event: Value,
}

/// Something that happened, in order: what `expect order` looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Happening {
    Call(usize),
    Emit(usize),
}

/// Mocks registered so far and what the runs did.
#[derive(Default)]
pub struct Recorder {
    /// (mock, answers given so far, statement line).
    mocks: Vec<(Mock, usize)>,
    pub calls: Vec<Call>,
    pub emitted: Vec<Emitted>,
    pub order: Vec<Happening>,
    /// Emitted events not yet routed through the broker.
    pub outbox: Vec<Value>,
    /// The virtual time, kept in step by the world before each engine call.
    pub now_ms: u64,
    /// jq predicate errors met while matching mocks, reported as failures.
    pub predicate_errors: Vec<String>,
}

impl Recorder {
    /// Register a mock; later mocks take precedence over earlier ones for
    /// the same call (so a test can change an answer half-way).
    pub fn add_mock(&mut self, mock: Mock) {
        self.mocks.push((mock, 0));
    }

    fn answer(&mut self, request: &HttpRequest) -> Option<HttpResponse> {
        let mut errors = Vec::new();
        let found = self.mocks.iter_mut().rev().find(|(m, _)| {
            m.method.eq_ignore_ascii_case(&request.method)
                && url_matches(&m.url, &request.url)
                && match &m.predicate {
                    None => true,
                    Some(p) => {
                        let body = request.body.clone().unwrap_or(Value::Null);
                        match crate::sw::predicate(p, &body) {
                            Ok(b) => b,
                            Err(e) => {
                                errors.push(format!("mock `{}`: predicate failed: {e}", m.label));
                                false
                            }
                        }
                    }
                }
        });
        let answer = found.map(|(mock, served)| {
            let i = (*served).min(mock.responses.len().saturating_sub(1));
            *served += 1;
            mock.responses.get(i).map(|r| {
                let mut answer =
                    HttpResponse::json(r.status, r.body.clone().unwrap_or(Value::Null));
                answer.delay_ms = r.delay_ms;
                answer
            })
        });
        self.predicate_errors.extend(errors);
        answer.flatten()
    }
}

impl Host for Recorder {
    fn http(&mut self, request: &HttpRequest) -> Result<HttpResponse, String> {
        let answer = self.answer(request);
        self.order.push(Happening::Call(self.calls.len()));
        self.calls.push(Call {
            at_ms: self.now_ms,
            request: request.clone(),
            status: answer.as_ref().map(|a| a.status),
        });
        answer.ok_or_else(|| {
            format!(
                "no mock answers {} {}",
                request.method.to_uppercase(),
                request.url
            )
        })
    }

    fn emit(&mut self, event: &Value) {
        self.order.push(Happening::Emit(self.emitted.len()));
        self.emitted.push(Emitted {
            at_ms: self.now_ms,
            event: event.clone(),
        });
        self.outbox.push(event.clone());
    }
}
