//! Errors as `metav1.Status` documents, the way a real API server sends them.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A failed request: HTTP code, machine-readable reason, message, details.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "NotFound", message)
    }

    /// The answer for a URL that names no served resource.
    pub fn no_such_resource() -> Self {
        Self::not_found("the server could not find the requested resource")
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(422, "Invalid", message)
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    /// The watch cache no longer holds the requested resourceVersion.
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Rebuild from a Status body another component produced.
    pub fn from_status(code: u16, body: &Value) -> Self {
        let reason = match body.get("reason").and_then(Value::as_str) {
            Some("NotFound") => "NotFound",
            Some("AlreadyExists") => "AlreadyExists",
            Some("Conflict") => "Conflict",
            Some("Invalid") => "Invalid",
            Some("BadRequest") => "BadRequest",
            Some("MethodNotAllowed") => "MethodNotAllowed",
            Some("Expired") => "Expired",
            _ => match code {
                400 => "BadRequest",
                404 => "NotFound",
                405 => "MethodNotAllowed",
                409 => "Conflict",
                422 => "Invalid",
                _ => "InternalError",
            },
        };
        let message = body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("request failed")
            .to_string();
        let mut err = Self::new(code, reason, message);
        err.details = body.get("details").cloned();
        err
    }

    /// The `metav1.Status` document.
    pub fn to_status(&self) -> Value {
        let mut v = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            v["details"] = d.clone();
        }
        v
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            code,
            [(header::CONTENT_TYPE, "application/json")],
            self.to_status().to_string(),
        )
            .into_response()
    }
}

/// A JSON answer with a status code.
pub fn json_response(code: StatusCode, body: &Value) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
