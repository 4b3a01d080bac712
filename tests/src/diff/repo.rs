//! Real Git repositories for the `air diff` tests: files written to a
//! temporary working tree and committed with git2 (fixed signature time,
//! so commit ids are stable).

#![allow(dead_code)]
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use air_reconciler::diff::{DiffRequest, Report, diff_repository};
use air_reconciler::git::git2::{
    IndexAddOption, Repository, RepositoryInitOptions, Signature, Time,
};
use std::path::Path;

pub struct TestRepo {
    pub dir: tempfile::TempDir,
    pub repo: Repository,
}

pub const MANIFEST: &str = "[app]\nname = \"shop\"\nnamespace = \"shop\"\n";

/// A small valid app: two events, two functions, one workflow.
pub const SHOP: &str = r#"event OrderCreated { data { id: string  amount: number } }
event OrderConfirmed { data { id: string } }
function inventory { image = "registry.example.com/inventory:1.0.0" }
function billing { image = "registry.example.com/billing:1.0.0" }
workflow fulfil {
  on OrderCreated
  reserve: call inventory { order: ${ .data.id } }
  charge: call billing { amount: ${ .data.amount } }
  emit OrderConfirmed { id: ${ .data.id } }
}
"#;

/// `SHOP` with billing's image bumped, an `if` with a new step after
/// `reserve`, and the `emit` gone: object, step, transition and event
/// changes in one commit.
pub fn shop_changed() -> String {
    SHOP.replace("billing:1.0.0", "billing:1.1.0")
        .replace(
            "  reserve: call inventory { order: ${ .data.id } }\n",
            "  reserve: call inventory { order: ${ .data.id } }\n  if ${ .data.amount > 100 } {\n    audit: call billing { check: true }\n  }\n",
        )
        .replace("  emit OrderConfirmed { id: ${ .data.id } }\n", "")
}

impl TestRepo {
    /// A repository with `shop` committed as [`SHOP`] then as
    /// [`shop_changed`]; returns it with the two commit ids.
    pub fn shop_history() -> (TestRepo, String, String) {
        let r = TestRepo::new();
        r.app("shop", SHOP);
        let base = r.commit("base");
        r.app("shop", &shop_changed());
        let head = r.commit("head");
        (r, base, head)
    }

    #[allow(clippy::new_without_default)] // a temporary repository: made, never defaulted
    pub fn new() -> TestRepo {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(dir.path(), &opts).unwrap();
        TestRepo { dir, repo }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn remove(&self, rel: &str) {
        let p = self.dir.path().join(rel);
        if p.is_dir() {
            std::fs::remove_dir_all(p).unwrap();
        } else {
            std::fs::remove_file(p).unwrap();
        }
    }

    /// Write the shop app into `dir` with `main.air` = `air`.
    pub fn app(&self, dir: &str, air: &str) {
        self.write(&format!("{dir}/air.toml"), MANIFEST);
        self.write(&format!("{dir}/main.air"), air);
    }

    /// Commit everything in the working tree (additions and deletions).
    pub fn commit(&self, msg: &str) -> String {
        let mut index = self.repo.index().unwrap();
        index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
        index.update_all(["*"], None).unwrap();
        index.write().unwrap();
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = Signature::new("test", "test@example.com", &Time::new(1_700_000_000, 0)).unwrap();
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<_> = parent.iter().collect();
        self.repo
            .commit(Some("HEAD"), &sig, &sig, msg, &tree, &parents)
            .unwrap()
            .to_string()
    }

    pub fn diff(&self, base: Option<&str>, head: Option<&str>, path: &str) -> Report {
        let req = DiffRequest {
            base: base.map(str::to_string),
            head: head.map(str::to_string),
            path: path.to_string(),
            env: None,
        };
        diff_repository(self.path(), &req).unwrap()
    }
}
