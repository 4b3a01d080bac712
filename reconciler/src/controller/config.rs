//! The reconciler's configuration file (`air reconcile --config FILE`),
//! read with the span-keeping TOML reader air.toml uses too
//! (`air_compiler::toml_doc`) so every problem names its line:
//! unknown keys (with a did-you-mean), duplicate app names, zero or two
//! refs in one app, values of the wrong type, bad durations.
//!
//! ```toml
//! listen = "127.0.0.1:9090"
//! cache_dir = "/var/cache/air"
//!
//! [[app]]
//! name = "media"
//! repo = "https://git.example.com/media.git"
//! branch = "main"            # exactly one of branch, tag, semver, commit
//! path = "apps/media"
//! interval = "5m"
//! ```
//!
//! The full reference is docs/reconcile.md.

mod notify;

use crate::git::{Credentials, GitRef, GitSource};
use crate::notifications::NotifyTarget;
use air_compiler::manifest::is_dns_label;
use air_compiler::toml_doc::{self, DeTable, DeValue, Expected, TomlReader};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

const TOP_KEYS: &[&str] = &[
    "listen",
    "cache_dir",
    "webhook_secret_env",
    "allowed_hosts",
    "api_token_env",
    "api_token_file",
    "airapp_namespace",
    "notify",
    "app",
];
pub const APP_KEYS: &[&str] = &[
    "name",
    "repo",
    "branch",
    "tag",
    "semver",
    "commit",
    "path",
    "env",
    "namespace",
    "interval",
    "timeout",
    "prune",
    "self_heal",
    "suspend",
    "force",
    "allow_prune_all",
    "token_env",
    "token_user",
    "ssh_key",
    "ssh_key_passphrase_env",
    "known_hosts",
    "insecure_skip_host_key_check",
    "ca_file",
];
const REF_KEYS: &[&str] = &["branch", "tag", "semver", "commit"];

pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:9090";
pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The whole file.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where /healthz, /readyz, /metrics and /api/apps are served.
    pub listen: SocketAddr,
    /// Git caches; `None` = the default under the user's cache folder.
    pub cache_dir: Option<PathBuf>,
    /// The environment variable holding the `/hooks/git` secret; `None`
    /// turns the hook off.
    pub webhook_secret_env: Option<String>,
    /// Host names the API and dashboard answer to, besides the loopback
    /// names (`localhost`, `127.0.0.1`, `[::1]`); `"*"` allows any.
    pub allowed_hosts: Vec<String>,
    /// Where the bearer token of the API and dashboard comes from (an
    /// environment variable or a file); neither = no token asked.
    pub api_token_env: Option<String>,
    pub api_token_file: Option<PathBuf>,
    /// Where notifications go (`[[notify]]`).
    pub notify: Vec<NotifyTarget>,
    /// Also reconcile the `AirApp` resources of this namespace (watched:
    /// apps come and go while the controller runs).
    pub airapp_namespace: Option<String>,
    pub apps: Vec<AppConfig>,
}

/// One app: a Git source, a folder in it, and how to reconcile it.
#[derive(Clone, Debug)]
pub struct AppConfig {
    pub name: String,
    pub source: GitSource,
    /// Folder holding air.toml, relative to the repository root.
    pub path: String,
    /// Environment overlay of air.toml.
    pub env: Option<String>,
    /// Replaces the namespace air.toml names.
    pub namespace: Option<String>,
    /// Fetch + full compare period (drift is watched continuously).
    pub interval: Duration,
    /// Bound on one fetch, one compile and one apply.
    pub timeout: Duration,
    pub prune: bool,
    pub self_heal: bool,
    pub suspend: bool,
    /// Take over fields another field manager owns.
    pub force: bool,
    /// Allow a revision that wants no objects to prune all of them.
    pub allow_prune_all: bool,
    /// Git credentials read from Kubernetes Secrets before each fetch
    /// (AirApps only: the Secrets of the AirApp's namespace).
    pub secrets: Option<crate::secrets::SecretRefs>,
}

/// One problem in the file, at a line (1-based) and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// Every problem of a file, sorted by position. `Display` prefixes each
/// line with `file` when set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors {
    pub file: Option<String>,
    pub errors: Vec<ConfigError>,
}

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if let Some(file) = &self.file {
                write!(f, "{file}:")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Parse the configuration text.
pub fn parse(text: &str) -> Result<Config, ConfigErrors> {
    let mut r = Reader {
        text,
        errors: Vec::new(),
    };
    let config = r.read();
    r.errors.sort_by_key(|e| (e.line, e.column));
    match config {
        Some(c) if r.errors.is_empty() => Ok(c),
        _ => Err(ConfigErrors {
            file: None,
            errors: r.errors,
        }),
    }
}

/// Read and parse a configuration file; errors name the file.
pub fn load(path: &std::path::Path) -> Result<Config, ConfigErrors> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigErrors {
        file: None,
        errors: vec![ConfigError {
            line: 0,
            column: 0,
            message: format!("cannot read {shown}: {e}"),
            help: None,
        }],
    })?;
    parse(&text).map_err(|mut e| {
        e.file = Some(shown);
        e
    })
}

/// A duration such as `30s`, `5m`, `1h30m`, `500ms`, `2d`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("`{s}` is not a duration (write e.g. `30s`, `5m`, `1h30m`)");
    let s = s.trim();
    if s.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let part = match &rest[..unit] {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            "d" => Duration::from_secs(n.saturating_mul(86_400)),
            _ => return Err(bad()),
        };
        total = total.saturating_add(part);
        rest = &rest[unit..];
    }
    Ok(total)
}

/// `1h30m`, `5m`, `45s`, `250ms`: the inverse of [`parse_duration`].
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let mut s = d.as_secs();
    if s == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [("h", 3600), ("m", 60), ("s", 1)] {
        if s >= size {
            out.push_str(&format!("{}{unit}", s / size));
            s %= size;
        }
    }
    out
}

struct Reader<'t> {
    text: &'t str,
    errors: Vec<ConfigError>,
}

/// Positions are offsets: errors name the line and column.
impl TomlReader for Reader<'_> {
    type Pos = usize;

    fn pos(&self, span: std::ops::Range<usize>) -> usize {
        span.start
    }

    fn unknown_key(
        &mut self,
        prefix: &str,
        key: &str,
        at: usize,
        allowed: &[&str],
        suggestion: Option<&str>,
    ) {
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("known keys here: {}", allowed.join(", ")),
        };
        self.error(at, format!("unknown key `{prefix}{key}`"), Some(help));
    }

    fn wrong_type(
        &mut self,
        prefix: &str,
        key: &str,
        expected: Expected,
        found: &DeValue<'_>,
        at: usize,
    ) {
        let expected = match expected {
            Expected::Table => "a table",
            Expected::String => "a string",
            Expected::Boolean => "true or false",
        };
        self.error(
            at,
            format!(
                "`{prefix}{key}` must be {expected}, not {}",
                found.type_str()
            ),
            None,
        );
    }
}

impl Reader<'_> {
    fn at(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }

    fn error(&mut self, offset: usize, message: String, help: Option<String>) {
        let (line, column) = self.at(offset);
        self.errors.push(ConfigError {
            line,
            column,
            message,
            help,
        });
    }

    fn read(&mut self) -> Option<Config> {
        let doc = match toml_doc::parse(self.text) {
            Ok(doc) => doc,
            Err(errors) => {
                for e in errors {
                    self.error(e.span.start, format!("not valid TOML: {}", e.message), None);
                }
                return None;
            }
        };
        let root = doc.get_ref();
        self.known_keys(root, TOP_KEYS, "");
        let listen = match self.string(root, "", "listen") {
            None => DEFAULT_LISTEN.parse().ok(),
            Some((s, at)) => match s.parse::<SocketAddr>() {
                Ok(a) => Some(a),
                Err(_) => {
                    self.error(
                        at,
                        format!("`listen` must be an address and port, not `{s}`"),
                        Some(format!("for example `listen = \"{DEFAULT_LISTEN}\"`")),
                    );
                    None
                }
            },
        };
        let cache_dir = self
            .string(root, "", "cache_dir")
            .map(|s| PathBuf::from(s.0));
        let webhook_secret_env = self.string(root, "", "webhook_secret_env").map(|s| s.0);
        let allowed_hosts = self.strings(root, "allowed_hosts");
        let api_token_env = self.string(root, "", "api_token_env").map(|s| s.0);
        let api_token_file = self
            .string(root, "", "api_token_file")
            .map(|s| PathBuf::from(s.0));
        let notify_targets = self.notify_targets(root);
        let airapp_namespace = match self.string(root, "", "airapp_namespace") {
            Some((ns, at)) if !is_dns_label(&ns) => {
                self.error(
                    at,
                    format!("`airapp_namespace` must be a namespace name, not `{ns}`"),
                    None,
                );
                None
            }
            other => other.map(|s| s.0),
        };
        let mut apps = Vec::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        match root.get("app").map(|v| (v.span(), v.get_ref())) {
            // Apps may all come from AirApp resources.
            None if airapp_namespace.is_some() => {}
            None => self.error(
                0,
                "the configuration has no `[[app]]`".into(),
                Some("add an app:\n[[app]]\nname = \"my-app\"\nrepo = \"https://…\"\nbranch = \"main\"\nor reconcile AirApp resources: `airapp_namespace = \"air-system\"`".into()),
            ),
            Some((_, DeValue::Array(items))) => {
                for item in items {
                    let at = item.span().start;
                    let DeValue::Table(t) = item.get_ref() else {
                        self.error(at, "each `app` must be a table (`[[app]]`)".into(), None);
                        continue;
                    };
                    let Some(app) = self.app(t, at) else { continue };
                    if let Some(first) = seen.get(&app.name) {
                        let (first_line, _) = self.at(*first);
                        let name_at = t.get("name").map_or(at, |v| v.span().start);
                        self.error(
                            name_at,
                            format!("duplicate app name `{}`", app.name),
                            Some(format!(
                                "the first app named `{}` is on line {first_line}; app names must be unique",
                                app.name
                            )),
                        );
                        continue;
                    }
                    seen.insert(app.name.clone(), at);
                    apps.push(app);
                }
            }
            Some((span, _)) => self.error(
                span.start,
                "`app` must be an array of tables: write `[[app]]`".into(),
                None,
            ),
        }
        Some(Config {
            listen: listen?,
            cache_dir,
            webhook_secret_env,
            allowed_hosts,
            api_token_env,
            api_token_file,
            notify: notify_targets,
            airapp_namespace,
            apps,
        })
    }

    fn app(&mut self, t: &DeTable<'_>, at: usize) -> Option<AppConfig> {
        let errors_before = self.errors.len();
        self.known_keys(t, APP_KEYS, "app.");
        let name = match self.string(t, "app.", "name") {
            Some((n, _)) if is_dns_label(&n) => Some(n),
            Some((n, nat)) => {
                self.error(
                    nat,
                    format!("app name `{n}` is not a valid Kubernetes name"),
                    Some("lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters".into()),
                );
                None
            }
            None => {
                if t.get("name").is_none() {
                    self.error(
                        at,
                        "this app has no `name`".into(),
                        Some("add `name = \"my-app\"`".into()),
                    );
                }
                None
            }
        };
        let repo = self.string(t, "app.", "repo");
        if repo.is_none() && t.get("repo").is_none() {
            self.error(
                at,
                "this app has no `repo`".into(),
                Some("add the Git URL: `repo = \"https://git.example.com/org/app.git\"`".into()),
            );
        }
        let mut refs = Vec::new();
        for key in REF_KEYS {
            if let Some((v, vat)) = self.string(t, "app.", key) {
                refs.push((*key, v, vat));
            }
        }
        let reference = match refs.as_slice() {
            [(key, v, _)] => Some(match *key {
                "branch" => GitRef::Branch(v.clone()),
                "tag" => GitRef::Tag(v.clone()),
                "semver" => GitRef::Semver(v.clone()),
                _ => GitRef::Commit(v.clone()),
            }),
            [] => {
                if REF_KEYS.iter().all(|k| t.get(*k).is_none()) {
                    self.error(
                        at,
                        "this app names no ref".into(),
                        Some("set exactly one of `branch`, `tag`, `semver` or `commit`".into()),
                    );
                }
                None
            }
            [(k1, _, _), (k2, _, second), ..] => {
                self.error(
                    *second,
                    format!("this app sets both `{k1}` and `{k2}`"),
                    Some("set exactly one of `branch`, `tag`, `semver` or `commit`".into()),
                );
                None
            }
        };
        let path = self
            .string(t, "app.", "path")
            .map(|s| s.0)
            .unwrap_or_else(|| ".".into());
        let env = self.string(t, "app.", "env").map(|s| s.0);
        let namespace = match self.string(t, "app.", "namespace") {
            Some((n, nat)) if !is_dns_label(&n) => {
                self.error(
                    nat,
                    format!("namespace `{n}` is not a valid Kubernetes name"),
                    None,
                );
                None
            }
            other => other.map(|s| s.0),
        };
        let interval = self.duration(t, "interval", DEFAULT_INTERVAL);
        let timeout = self.duration(t, "timeout", DEFAULT_TIMEOUT);
        let credentials = Credentials {
            token_env: self.string(t, "app.", "token_env").map(|s| s.0),
            token_user: self.string(t, "app.", "token_user").map(|s| s.0),
            ssh_key: self
                .string(t, "app.", "ssh_key")
                .map(|s| PathBuf::from(s.0)),
            ssh_key_passphrase_env: self
                .string(t, "app.", "ssh_key_passphrase_env")
                .map(|s| s.0),
            known_hosts: self
                .string(t, "app.", "known_hosts")
                .map(|s| PathBuf::from(s.0)),
            insecure_skip_host_key_check: self.flag(t, "insecure_skip_host_key_check", false),
            ca_file: self
                .string(t, "app.", "ca_file")
                .map(|s| PathBuf::from(s.0)),
        };
        let prune = self.flag(t, "prune", true);
        let self_heal = self.flag(t, "self_heal", true);
        let suspend = self.flag(t, "suspend", false);
        let force = self.flag(t, "force", false);
        let allow_prune_all = self.flag(t, "allow_prune_all", false);
        let (Some(name), Some((repo, repo_at)), Some(reference)) = (name, repo, reference) else {
            return None;
        };
        let source = GitSource::new(repo, reference).with_credentials(credentials);
        if let Err(e) = source.validate() {
            // GitError messages redact URLs, so nothing secret is echoed.
            let ref_at = refs.first().map_or(repo_at, |r| r.2);
            let at = if e.to_string().contains("URL") || e.to_string().contains("url") {
                repo_at
            } else {
                ref_at
            };
            self.error(at, e.to_string(), None);
            return None;
        }
        if self.errors.len() > errors_before {
            return None;
        }
        Some(AppConfig {
            name,
            source,
            path,
            env,
            namespace,
            interval,
            timeout,
            prune,
            self_heal,
            suspend,
            force,
            allow_prune_all,
            secrets: None,
        })
    }

    /// An array of strings (empty when absent).
    fn strings(&mut self, t: &DeTable<'_>, key: &str) -> Vec<String> {
        let Some(v) = t.get(key) else {
            return Vec::new();
        };
        let items: Option<Vec<String>> = match v.get_ref() {
            DeValue::Array(items) => items
                .iter()
                .map(|i| match i.get_ref() {
                    DeValue::String(s) => Some(s.to_string()),
                    _ => None,
                })
                .collect(),
            _ => None,
        };
        items.unwrap_or_else(|| {
            self.error(
                v.span().start,
                format!("`{key}` must be an array of strings"),
                Some(format!("for example `{key} = [\"air.example.com\"]`")),
            );
            Vec::new()
        })
    }

    /// An app's boolean, `default` when absent or wrong.
    fn flag(&mut self, t: &DeTable<'_>, key: &str, default: bool) -> bool {
        self.boolean(t, "app.", key).unwrap_or(default)
    }

    fn duration(&mut self, t: &DeTable<'_>, key: &str, default: Duration) -> Duration {
        let Some((s, at)) = self.string(t, "app.", key) else {
            return default;
        };
        match parse_duration(&s) {
            Ok(d) if d >= Duration::from_secs(1) => d,
            Ok(_) => {
                self.error(at, format!("`app.{key}` must be at least 1s"), None);
                default
            }
            Err(e) => {
                self.error(at, e, Some(format!("for example `{key} = \"5m\"`")));
                default
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<ConfigError> {
        parse(text).unwrap_err().errors
    }

    #[test]
    fn documented_example_parses() {
        let c = parse(
            r#"
listen = "127.0.0.1:9090"
cache_dir = "/var/cache/air"

[[app]]
name = "media"
repo = "https://git.example.com/media.git"
branch = "main"
path = "apps/media"
env = "prod"
interval = "5m"
prune = true
self_heal = true
suspend = false
token_env = "GIT_TOKEN"
ssh_key = "/etc/air/git/id_ed25519"
known_hosts = "/etc/air/git/known_hosts"

[[app]]
name = "shop"
repo = "file:///srv/shop.git"
semver = "^1.2"
timeout = "30s"
self_heal = false
"#,
        )
        .unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:9090");
        assert_eq!(c.apps.len(), 2);
        let a = &c.apps[0];
        assert_eq!(a.name, "media");
        assert_eq!(a.source.reference, GitRef::Branch("main".into()));
        assert_eq!(a.interval, Duration::from_secs(300));
        assert_eq!(a.env.as_deref(), Some("prod"));
        assert_eq!(a.source.credentials.token_env.as_deref(), Some("GIT_TOKEN"));
        let b = &c.apps[1];
        assert_eq!(b.path, ".");
        assert!(!b.self_heal && b.prune);
        assert_eq!(b.timeout, Duration::from_secs(30));
        assert_eq!(b.source.reference, GitRef::Semver("^1.2".into()));
    }

    #[test]
    fn unknown_key_has_line_and_suggestion() {
        let e = errors(
            "[[app]]\nname = \"a\"\nrepo = \"file:///r\"\nbranch = \"main\"\nintervl = \"5m\"\n",
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].line, 5);
        assert!(e[0].message.contains("app.intervl"));
        assert_eq!(e[0].help.as_deref(), Some("did you mean `interval`?"));
        let e = errors(
            "lisen = \"127.0.0.1:1\"\n[[app]]\nname = \"a\"\nrepo = \"file:///r\"\nbranch = \"m\"\n",
        );
        assert_eq!(e[0].line, 1);
        assert!(e[0].help.as_deref().unwrap().contains("listen"));
    }

    #[test]
    fn duplicate_app_names_point_at_the_second() {
        let text = "[[app]]\nname = \"a\"\nrepo = \"file:///r\"\nbranch = \"main\"\n\n[[app]]\nname = \"a\"\nrepo = \"file:///s\"\ntag = \"v1\"\n";
        let e = errors(text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].line, 7);
        assert!(e[0].message.contains("duplicate app name `a`"));
        assert!(e[0].help.as_deref().unwrap().contains("line 1"), "{e:?}");
    }

    #[test]
    fn two_refs_or_none() {
        let e = errors(
            "[[app]]\nname = \"a\"\nrepo = \"file:///r\"\nbranch = \"main\"\ntag = \"v1\"\n",
        );
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 5);
        assert!(e[0].message.contains("both `branch` and `tag`"), "{e:?}");
        let e = errors("[[app]]\nname = \"a\"\nrepo = \"file:///r\"\n");
        assert!(e[0].message.contains("no ref"), "{e:?}");
        assert_eq!(e[0].line, 1);
    }

    #[test]
    fn wrong_types_and_values() {
        let e = errors(
            "[[app]]\nname = \"A_b\"\nrepo = \"file:///r\"\nbranch = \"main\"\nprune = \"yes\"\ninterval = \"often\"\n",
        );
        assert_eq!(e.len(), 3, "{e:?}");
        assert_eq!(e[0].line, 2);
        assert_eq!(e[1].line, 5);
        assert_eq!(e[2].line, 6);
        let e = errors(
            "listen = \"nowhere\"\n[[app]]\nname = \"a\"\nrepo = \"file:///r\"\nbranch = \"main\"\n",
        );
        assert!(e[0].message.contains("listen"));
        let e = errors("[[app]]\nname = \"a\"\nrepo = \"/plain/path\"\nbranch = \"main\"\n");
        assert_eq!(e[0].line, 3, "{e:?}");
        let e = errors("app = 3\n");
        assert!(e[0].message.contains("[[app]]"));
        let e = errors("[[app]\n");
        assert!(e[0].message.contains("not valid TOML"));
    }

    #[test]
    fn http_settings() {
        let app = "[[app]]\nname = \"a\"\nrepo = \"file:///r\"\nbranch = \"main\"\n";
        let c = parse(&format!(
            "allowed_hosts = [\"air.example.com\"]\napi_token_env = \"AIR_API_TOKEN\"\n{app}"
        ))
        .unwrap();
        assert_eq!(c.allowed_hosts, vec!["air.example.com".to_string()]);
        assert_eq!(c.api_token_env.as_deref(), Some("AIR_API_TOKEN"));
        let policy =
            crate::http::HttpPolicy::from_config(&c, |_| Some("a-token-of-enough-length".into()))
                .unwrap();
        assert_eq!(
            policy.token.as_ref().map(crate::secret::Secret::expose),
            Some("a-token-of-enough-length")
        );
        let short = crate::http::HttpPolicy::from_config(&c, |_| Some("short".into()));
        assert!(short.is_err_and(|e| !e.contains("short")));
        let e = errors(&format!("allowed_hosts = \"air.example.com\"\n{app}"));
        assert!(e[0].message.contains("array of strings"), "{e:?}");
    }

    #[test]
    fn credentials_in_url_never_echoed() {
        let e = parse(
            "[[app]]\nname = \"a\"\nrepo = \"https://u:hunter2@h/x.git\"\nbranch = \"a..b\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        for bad in ["", "5", "m", "5x", "-1s", "1.5m"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
    }
}
