//! The shape check of a loaded document: what the interpreter relies on
//! (document names, task lists of one-key items, a known kind per task,
//! flow directives naming tasks of the same list). Schemas are not
//! validated.

use super::flow::entry;
use super::tasks::{KINDS, kind_of};
use super::{LoadError, WorkflowKey};
use serde_json::Value;

/// Deepest nesting of task lists accepted (polling recurses once per level).
const MAX_DEPTH: usize = 64;

pub fn validate(doc: &Value) -> Result<WorkflowKey, LoadError> {
    if !doc.is_object() {
        return Err(LoadError::NotAnObject);
    }
    let text = |field: &'static str| {
        doc.pointer(&format!("/document/{field}"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or(LoadError::MissingField(field))
    };
    let key = WorkflowKey {
        namespace: text("namespace")?,
        name: text("name")?,
        version: text("version")?,
    };
    text("dsl")?;
    check_list(&doc["do"], "/do", 0)?;
    if let Some(functions) = doc.pointer("/use/functions").and_then(Value::as_object) {
        for (name, def) in functions {
            check_task(def, &format!("/use/functions/{name}"), 1, &[])?;
        }
    }
    Ok(key)
}

fn bad(at: &str, message: impl Into<String>) -> LoadError {
    LoadError::BadTask {
        at: at.to_string(),
        message: message.into(),
    }
}

fn check_list(list: &Value, base: &str, depth: usize) -> Result<(), LoadError> {
    if depth > MAX_DEPTH {
        return Err(bad(
            base,
            format!("task lists nest deeper than {MAX_DEPTH}"),
        ));
    }
    let items = list
        .as_array()
        .ok_or_else(|| bad(base, "a task list must be an array"))?;
    let names: Vec<&str> = items
        .iter()
        .filter_map(entry)
        .map(|(n, _)| n.as_str())
        .collect();
    for (i, item) in items.iter().enumerate() {
        let (name, def) = entry(item).ok_or_else(|| {
            bad(
                &format!("{base}/{i}"),
                "a task list item has exactly one key",
            )
        })?;
        let at = format!("{base}/{i}/{name}");
        check_task(def, &at, depth, &names)?;
    }
    Ok(())
}

fn check_target(then: Option<&Value>, at: &str, names: &[&str]) -> Result<(), LoadError> {
    match then {
        None => Ok(()),
        Some(Value::String(t)) if matches!(t.as_str(), "continue" | "exit" | "end") => Ok(()),
        Some(Value::String(t)) if names.contains(&t.as_str()) => Ok(()),
        Some(Value::String(t)) => Err(LoadError::UnknownTarget {
            at: at.to_string(),
            target: t.clone(),
        }),
        Some(_) => Err(bad(at, "`then` must be a string")),
    }
}

fn check_task(def: &Value, at: &str, depth: usize, names: &[&str]) -> Result<(), LoadError> {
    if !def.is_object() {
        return Err(bad(at, "a task must be an object"));
    }
    let kind = kind_of(def)
        .ok_or_else(|| bad(at, format!("no task kind (one of {})", KINDS.join(", "))))?;
    check_target(def.get("then"), at, names)?;
    let nested = |key: &str| format!("{at}/{key}");
    match kind {
        "do" | "for" => check_list(&def["do"], &nested("do"), depth + 1)?,
        "try" => {
            check_list(&def["try"], &nested("try"), depth + 1)?;
            if let Some(list) = def.pointer("/catch/do") {
                check_list(list, &nested("catch/do"), depth + 1)?;
            }
        }
        "fork" => {
            let branches = def.pointer("/fork/branches").unwrap_or(&Value::Null);
            // Branches are not a sequence: each is checked as its own list.
            for (i, b) in branches.as_array().into_iter().flatten().enumerate() {
                let (name, branch) = entry(b)
                    .ok_or_else(|| bad(&nested("fork/branches"), "a branch has exactly one key"))?;
                check_task(
                    branch,
                    &format!("{at}/fork/branches/{i}/{name}"),
                    depth + 1,
                    &[],
                )?;
            }
        }
        "listen" => {
            if let Some(list) = def.pointer("/foreach/do") {
                check_list(list, &nested("foreach/do"), depth + 1)?;
            }
        }
        "switch" => {
            let cases = def["switch"]
                .as_array()
                .ok_or_else(|| bad(at, "`switch` must be an array of cases"))?;
            for (i, case) in cases.iter().enumerate() {
                let (name, case) =
                    entry(case).ok_or_else(|| bad(at, "a switch case has exactly one key"))?;
                check_target(case.get("then"), &format!("{at}/switch/{i}/{name}"), names)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(tasks: Value) -> Value {
        json!({"document": {"dsl": "1.0.3", "namespace": "n", "name": "w", "version": "1.0.0"}, "do": tasks})
    }

    #[test]
    fn accepts_and_refuses_shapes() {
        let ok = doc(json!([{"a": {"set": {"x": 1}, "then": "b"}}, {"b": {"wait": "PT1S"}}]));
        assert!(validate(&ok).is_ok());
        assert_eq!(validate(&json!([])), Err(LoadError::NotAnObject));
        assert!(matches!(
            validate(&doc(json!([{"a": {"set": {}, "then": "zz"}}]))),
            Err(LoadError::UnknownTarget { .. })
        ));
        assert!(matches!(
            validate(&doc(json!([{"a": {"nope": 1}}]))),
            Err(LoadError::BadTask { .. })
        ));
        assert!(matches!(
            validate(&doc(
                json!([{"a": {"do": [{"b": {"set": {}, "then": "a"}}]}}])
            )),
            Err(LoadError::UnknownTarget { .. })
        ));
        let mut deep = json!([{"x": {"set": {}}}]);
        for _ in 0..70 {
            deep = json!([{"d": {"do": deep}}]);
        }
        assert!(matches!(
            validate(&doc(deep)),
            Err(LoadError::BadTask { .. })
        ));
    }
}
