//! The `air diff` binary end to end: exit codes, NO_COLOR on a real
//! terminal (util-linux `script` gives it a pseudo-terminal), and `--post`
//! against a GitHub / GitLab stand-in on 127.0.0.1 with the token taken
//! from the environment and never printed.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use air_tests::diff::forge;
use air_tests::diff::repo;

use forge::{TOKEN, server};
use repo::TestRepo;
use std::process::{Command, Output};

const AIR: &str = env!("CARGO_BIN_EXE_air");

/// `air diff ARGS` in the repository, with a clean forge environment.
fn air(r: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(AIR);
    cmd.arg("diff").args(args).current_dir(r.path());
    for v in [
        "GITHUB_TOKEN",
        "GITLAB_TOKEN",
        "AIR_GITHUB_API_URL",
        "AIR_GITLAB_API_URL",
        "NO_COLOR",
    ] {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn exit_codes() {
    let (r, base, head) = TestRepo::shop_history();
    let same = air(&r, &["--base", &base, "--head", &base, "shop"], &[]);
    assert_eq!(same.status.code(), Some(0), "{}", text(&same));
    assert!(text(&same).contains("no changes"), "{}", text(&same));

    let changed = air(&r, &["--base", &base, "--head", &head, "shop"], &[]);
    assert_eq!(changed.status.code(), Some(1), "{}", text(&changed));
    assert!(text(&changed).contains("billing"), "{}", text(&changed));

    // Head defaults to the working tree (clean: equal to `head`), base to
    // the merge base with main (`head` itself): no change.
    let defaults = air(&r, &[], &[]);
    assert_eq!(defaults.status.code(), Some(0), "{}", text(&defaults));

    let bad_rev = air(&r, &["--base", "no-such-rev"], &[]);
    assert_eq!(bad_rev.status.code(), Some(2), "{}", text(&bad_rev));
    assert!(
        String::from_utf8_lossy(&bad_rev.stderr).contains("no-such-rev"),
        "{}",
        text(&bad_rev)
    );

    let bad_flag = air(&r, &["--format", "yaml"], &[]);
    assert_eq!(bad_flag.status.code(), Some(2), "{}", text(&bad_flag));

    let not_a_repo = tempfile::tempdir().unwrap();
    let o = Command::new(AIR)
        .args(["diff", "."])
        .current_dir(not_a_repo.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn json_on_stdout_parses() {
    let (r, base, head) = TestRepo::shop_history();
    let o = air(
        &r,
        &["--base", &base, "--head", &head, "--format", "json", "shop"],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["apps"][0]["path"], "shop");
    assert_eq!(v["head"]["commit"], head.as_str());
}

/// Run the command under a pseudo-terminal, so stdout IS a terminal.
fn on_a_terminal(r: &TestRepo, args: &str, no_color: Option<&str>) -> String {
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &format!("{AIR} diff {args}"), "/dev/null"])
        .current_dir(r.path())
        .env("TERM", "xterm")
        .env_remove("NO_COLOR");
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    let o = cmd
        .output()
        .expect("util-linux `script` (Debian: bsdutils) runs the command on a pseudo-terminal");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    text(&o)
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let (r, base, head) = TestRepo::shop_history();
    let args = format!("--base {base} --head {head} shop");
    let coloured = on_a_terminal(&r, &args, None);
    assert!(
        coloured.contains("\x1b["),
        "no colour on a terminal: {coloured:?}"
    );
    assert!(coloured.contains("billing"), "{coloured}");
    let plain = on_a_terminal(&r, &args, Some("1"));
    assert!(!plain.contains("\x1b["), "NO_COLOR ignored: {plain:?}");
    assert!(plain.contains("billing"), "{plain}");
    // Off a terminal: never coloured.
    let piped = air(&r, &["--base", &base, "--head", &head, "shop"], &[]);
    assert!(!text(&piped).contains("\x1b["));
}

const GITHUB_PR: &str = "https://github.com/acme/shop/pull/7";
const GITLAB_MR: &str = "https://gitlab.example.com/group/shop/-/merge_requests/9";

/// A forge stand-in and the shop history: `args(extra)` is
/// `--base B --head H EXTRA… shop`.
struct Posting {
    st: forge::Shared,
    api: String,
    r: TestRepo,
    base: String,
    head: String,
}

impl Posting {
    async fn new() -> Posting {
        let (st, api) = server().await;
        let (r, base, head) = TestRepo::shop_history();
        Posting {
            st,
            api,
            r,
            base,
            head,
        }
    }

    fn args(&self, extra: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = ["--base", &self.base, "--head", &self.head]
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect();
        v.push("shop".to_string());
        v
    }
}

/// `air diff --post` in a blocking thread while the server runs.
async fn post(r: &TestRepo, args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    let dir = r.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(AIR);
        cmd.arg("diff").args(&args).current_dir(dir);
        for v in [
            "GITHUB_TOKEN",
            "GITLAB_TOKEN",
            "AIR_GITHUB_API_URL",
            "AIR_GITLAB_API_URL",
        ] {
            cmd.env_remove(v);
        }
        cmd.envs(env);
        cmd.output().unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_to_github_creates_then_updates_without_printing_the_token() {
    let p = Posting::new().await;
    let md = ["--format", "markdown", "--post", GITHUB_PR];
    let args = p.args(&[&md[..], &["--api-url", &p.api]].concat());
    let env = vec![("GITHUB_TOKEN", TOKEN.to_string())];
    let first = post(&p.r, args.clone(), env.clone()).await;
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    assert!(
        text(&first).contains("posted comment 1003"),
        "{}",
        text(&first)
    );
    let second = post(&p.r, args, env).await;
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    assert!(
        text(&second).contains("updated comment 1003"),
        "{}",
        text(&second)
    );
    for o in [&first, &second] {
        assert!(!text(o).contains(TOKEN), "token printed: {}", text(o));
    }
    let s = p.st.lock().unwrap();
    assert!(s.seen.iter().all(|x| x.auth == format!("Bearer {TOKEN}")));
    assert_eq!(s.comments.len(), 4, "one comment added, then edited");
    let (_, body) = &s.comments[3];
    assert!(body.starts_with("<!-- air-diff -->"), "{body}");
    assert!(body.contains("```mermaid"), "{body}");
    // What was posted is what was printed.
    assert_eq!(body.as_str(), String::from_utf8_lossy(&second.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_to_gitlab_with_the_api_from_the_environment() {
    let p = Posting::new().await;
    let args = p.args(&["--post", GITLAB_MR]);
    let env = vec![
        ("GITLAB_TOKEN", TOKEN.to_string()),
        ("AIR_GITLAB_API_URL", format!("{}/api/v4", p.api)),
    ];
    let o = post(&p.r, args, env).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("posted comment 1003"), "{}", text(&o));
    assert!(!text(&o).contains(TOKEN), "token printed: {}", text(&o));
    let s = p.st.lock().unwrap();
    assert_eq!(
        s.seen.last().map(|x| (x.method.as_str(), x.path.as_str())),
        Some((
            "POST",
            "/api/v4/projects/group%2Fshop/merge_requests/9/notes"
        ))
    );
    assert!(s.seen.iter().all(|x| x.auth == TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_errors_exit_2_with_a_clear_message_and_no_token() {
    let p = Posting::new().await;
    let json = ["--format", "json", "--post", GITHUB_PR];
    let args = p.args(&[&json[..], &["--api-url", &p.api]].concat());
    let env = vec![("GITHUB_TOKEN", TOKEN.to_string())];
    for (code, headers, says) in [
        (401, vec![], "authentication failed (401)"),
        (403, vec![], "forbidden (403)"),
        (404, vec![], "not found (404)"),
        (
            403,
            vec![("x-ratelimit-remaining", "0".to_string())],
            "rate limited (403)",
        ),
        (
            429,
            vec![("retry-after", "7".to_string())],
            "retry after 7 seconds",
        ),
    ] {
        p.st.lock().unwrap().fail = Some((code, headers));
        let o = post(&p.r, args.clone(), env.clone()).await;
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(2), "{code}: {}", text(&o));
        assert!(stderr.contains(says), "{code}: {stderr}");
        assert!(!text(&o).contains(TOKEN), "token printed: {}", text(&o));
    }
    // No token at all: refused before any request.
    p.st.lock().unwrap().seen.clear();
    let o = post(&p.r, args, vec![]).await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("GITHUB_TOKEN"),
        "{}",
        text(&o)
    );
    assert!(p.st.lock().unwrap().seen.is_empty());
}
