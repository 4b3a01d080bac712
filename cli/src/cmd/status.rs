//! `air status [--server URL] [--format human|json]`: ask a running
//! reconciler for its apps' status. A reconciler that asks for a bearer
//! token gets the one in `AIR_API_TOKEN`.

use air_reconciler::status::AppStatus;

/// Show the status of every app of a running `air reconcile`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air status\n  air status --server http://air-reconciler.air-system:9090 --format json"
)]
pub struct Args {
    /// The reconciler's HTTP address (its `listen` setting).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:9090")]
    pub server: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

pub fn run(args: Args) -> u8 {
    let runtime = match crate::cmd::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    // reqwest panics without a process-wide rustls provider when the
    // workspace enables rustls without one (see cluster.rs).
    air_reconciler::cluster::install_crypto_provider();
    let url = format!("{}/api/apps", args.server.trim_end_matches('/'));
    let fetched = runtime.block_on(async {
        let mut req = reqwest::Client::new()
            .get(&url)
            .timeout(std::time::Duration::from_secs(30));
        if let Some(token) = std::env::var("AIR_API_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty())
        {
            req = req.bearer_auth(token.trim());
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("cannot reach the reconciler at {}: {e}", args.server))?;
        if !resp.status().is_success() {
            return Err(format!("{url} answered {}", resp.status()));
        }
        resp.json::<Vec<AppStatus>>()
            .await
            .map_err(|e| format!("{url} did not answer an app list: {e}"))
    });
    let apps = match fetched {
        Ok(a) => a,
        Err(e) => return crate::cmd::fail(&e),
    };
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&apps) {
            Ok(s) => println!("{s}"),
            Err(e) => return crate::cmd::fail(&e.to_string()),
        },
        Format::Human => println!("{}", table(&apps)),
    }
    if apps
        .iter()
        .any(|a| a.sync == air_reconciler::status::SyncState::Failed)
    {
        crate::exit::FINDINGS
    } else {
        crate::exit::OK
    }
}

/// The human table: one line per app, then its problems indented.
pub fn table(apps: &[AppStatus]) -> String {
    let mut rows = vec![[
        "APP".to_string(),
        "SYNC".to_string(),
        "HEALTH".to_string(),
        "REVISION".to_string(),
        "DRIFTED".to_string(),
        "OBJECTS".to_string(),
    ]];
    for a in apps {
        rows.push([
            a.name.clone(),
            a.sync.to_string(),
            a.health.to_string(),
            a.revision
                .as_deref()
                .map_or("-".to_string(), |r| r.chars().take(12).collect()),
            a.drifted.len().to_string(),
            a.objects.len().to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (n, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            continue;
        }
        let a = &apps[n - 1];
        if let Some(e) = &a.last_error {
            let stage = serde_json::to_value(e.stage)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            // The reason says whether the controller retries soon
            // (docs/reconcile.md, "Failures and retries").
            let kind = match e.reason {
                Some(r) => format!("{stage}, {r}"),
                None => stage,
            };
            out.push_str(&format!("  last error ({kind}): {}\n", e.message));
        }
        for d in a
            .diagnostics
            .iter()
            .filter(|d| d.severity == air_compiler::Severity::Error)
        {
            let at = match (&d.file, d.line) {
                (Some(f), Some(l)) => format!("{f}:{l}: "),
                _ => String::new(),
            };
            out.push_str(&format!(
                "  {at}{}[{}]: {}\n",
                d.severity, d.code, d.message
            ));
        }
        if a.diagnostics_omitted > 0 {
            out.push_str(&format!(
                "  … and {} more diagnostics (run `air check` for all)\n",
                a.diagnostics_omitted
            ));
        }
        for d in &a.drifted {
            out.push_str(&format!("  drift: {}\n", d.summary));
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use air_reconciler::status::{AppStatus, LastError, Reason, Stage};

    #[test]
    fn the_last_error_shows_its_stage_and_reason() {
        let app = AppStatus {
            name: "shop".into(),
            last_error: Some(LastError {
                stage: Stage::Compile,
                reason: Some(Reason::CompileErrors),
                message: "2 errors".into(),
                time: 0,
            }),
            ..AppStatus::default()
        };
        let out = super::table(&[app]);
        assert!(
            out.lines()
                .any(|l| l == "  last error (compile, compile-errors): 2 errors"),
            "{out}"
        );
    }
}
