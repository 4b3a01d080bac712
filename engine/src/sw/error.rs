//! Workflow errors: RFC 7807 problem details, as the spec describes them.

use serde_json::{Map, Value};

/// The standard error kinds of the spec (dsl-reference "Standard Error Types").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Configuration,
    Validation,
    Expression,
    Authentication,
    Authorization,
    Timeout,
    Communication,
    Runtime,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Configuration => "configuration",
            Kind::Validation => "validation",
            Kind::Expression => "expression",
            Kind::Authentication => "authentication",
            Kind::Authorization => "authorization",
            Kind::Timeout => "timeout",
            Kind::Communication => "communication",
            Kind::Runtime => "runtime",
        }
    }

    /// The default status of the kind.
    pub fn status(self) -> i64 {
        match self {
            Kind::Configuration | Kind::Validation | Kind::Expression => 400,
            Kind::Authentication => 401,
            Kind::Authorization => 403,
            Kind::Timeout => 408,
            Kind::Communication | Kind::Runtime => 500,
        }
    }

    /// `https://serverlessworkflow.io/spec/1.0.0/errors/<kind>`.
    pub fn type_uri(self) -> String {
        format!("{STANDARD_PREFIX}{}", self.name())
    }
}

/// The prefix of every standard error type.
pub const STANDARD_PREFIX: &str = "https://serverlessworkflow.io/spec/1.0.0/errors/";

/// A raised error. `instance` is the JSON pointer of the task that raised it.
#[derive(Debug, Clone, PartialEq)]
pub struct WfError {
    pub type_: String,
    pub status: i64,
    pub title: Option<String>,
    pub detail: Option<String>,
    pub instance: String,
}

impl WfError {
    pub fn new(kind: Kind, instance: &str, title: &str, detail: impl Into<String>) -> Self {
        WfError {
            type_: kind.type_uri(),
            status: kind.status(),
            title: Some(title.to_string()),
            detail: Some(detail.into()),
            instance: instance.to_string(),
        }
    }

    pub fn expression(instance: &str, detail: impl Into<String>) -> Self {
        Self::new(Kind::Expression, instance, "Expression Error", detail)
    }

    pub fn runtime(instance: &str, detail: impl Into<String>) -> Self {
        Self::new(Kind::Runtime, instance, "Runtime Error", detail)
    }

    pub fn configuration(instance: &str, detail: impl Into<String>) -> Self {
        Self::new(Kind::Configuration, instance, "Configuration Error", detail)
    }

    pub fn timeout(instance: &str, detail: impl Into<String>) -> Self {
        Self::new(Kind::Timeout, instance, "Timeout", detail)
    }

    pub fn communication(instance: &str, status: i64, detail: impl Into<String>) -> Self {
        WfError {
            status,
            ..Self::new(Kind::Communication, instance, "Communication Error", detail)
        }
    }

    /// The JSON form (`type`, `status`, `instance`, then `title`/`detail`
    /// when set), what `catch.as` binds and what a faulted run reports.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), Value::String(self.type_.clone()));
        m.insert("status".into(), Value::from(self.status));
        m.insert("instance".into(), Value::String(self.instance.clone()));
        if let Some(t) = &self.title {
            m.insert("title".into(), Value::String(t.clone()));
        }
        if let Some(d) = &self.detail {
            m.insert("detail".into(), Value::String(d.clone()));
        }
        Value::Object(m)
    }

    /// Does this error pass a `catch.errors.with` filter? Every property the
    /// filter sets must be equal (the reference implementation's rule).
    pub fn matches(&self, filter: &Value) -> bool {
        let Some(filter) = filter.as_object() else {
            return true;
        };
        filter.iter().all(|(key, want)| match key.as_str() {
            "type" => want.as_str() == Some(self.type_.as_str()),
            "status" => want.as_i64() == Some(self.status),
            "instance" => want.as_str() == Some(self.instance.as_str()),
            "title" => want.as_str() == self.title.as_deref(),
            "details" | "detail" => want.as_str() == self.detail.as_deref(),
            _ => true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn standard_errors_and_filters() {
        let e = WfError::communication("/do/0/a", 404, "not found");
        assert_eq!(
            e.type_,
            "https://serverlessworkflow.io/spec/1.0.0/errors/communication"
        );
        assert!(e.matches(&json!({"status": 404})));
        assert!(e.matches(&json!({"type": Kind::Communication.type_uri(), "status": 404})));
        assert!(!e.matches(&json!({"status": 503})));
        assert!(!e.matches(&json!({"type": "https://example.com/other"})));
        assert_eq!(e.to_json()["instance"], json!("/do/0/a"));
        assert_eq!(WfError::timeout("/x", "t").status, 408);
    }
}
