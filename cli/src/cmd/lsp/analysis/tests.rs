//! Reuse changes no answer: over a sequence of edits (typos, renamed
//! declarations that break other files, duplicates across files, syntax
//! errors, deleted and new files), the server's incremental compilation
//! reports exactly what `air check` reports for the same files,
//! re-parses only the files an edit touched and re-checks only the
//! workflows it could change.

use super::*;
use air_compiler::Code;
use air_compiler::Diagnostic;

/// One app on disk in its own repository, and the editor's buffers over it.
struct Session {
    _tmp: tempfile::TempDir,
    app: AppLocation,
    buffers: Buffers,
    last_good: HashMap<PathBuf, String>,
    /// Same history, nothing reused: the server with `incremental: false`.
    last_good_scratch: HashMap<PathBuf, String>,
    cache: AppCache,
}

impl Session {
    fn new(files: &[(String, String)], manifest: &str) -> Session {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().canonicalize().expect("canonical");
        std::fs::create_dir(root.join(".git")).expect(".git");
        let dir = root.join("app");
        write_app(&dir, files, manifest);
        Session {
            _tmp: tmp,
            app: AppLocation {
                root,
                dir: dir.canonicalize().expect("canonical"),
            },
            buffers: Buffers::new(),
            last_good: HashMap::new(),
            last_good_scratch: HashMap::new(),
            cache: AppCache::default(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.app.dir.join(rel)
    }

    fn text(&self, rel: &str) -> String {
        let p = self.path(rel);
        self.buffers
            .get(&p)
            .cloned()
            .unwrap_or_else(|| std::fs::read_to_string(p).expect("read"))
    }

    /// Type `to` in place of the first `from` of an open (or opened) file.
    fn edit(&mut self, rel: &str, from: &str, to: &str) {
        let text = self.text(rel);
        assert!(text.contains(from), "{from:?} not in {rel}");
        self.buffers
            .insert(self.path(rel), text.replacen(from, to, 1));
    }

    fn set(&mut self, rel: &str, text: &str) {
        self.buffers.insert(self.path(rel), text.to_string());
    }

    /// Compile incrementally and from scratch; check they agree with each
    /// other and with `air check` on the same files written to disk.
    /// Returns the incremental snapshot.
    fn step(&mut self, what: &str) -> Snapshot {
        let snap = Snapshot::of_app(&self.app, &self.buffers, &mut self.last_good, &self.cache)
            .expect("compile");
        let scratch = Snapshot::of_app(
            &self.app,
            &self.buffers,
            &mut self.last_good_scratch,
            &AppCache::default(),
        )
        .expect("compile");
        let shown = |s: &Snapshot| -> Vec<(String, Diagnostic)> {
            s.diagnostics()
                .into_iter()
                .map(|(d, map)| {
                    let file = d.primary_span().map_or("", |sp| map.path(sp.file));
                    (file.to_string(), d.clone())
                })
                .collect()
        };
        assert_eq!(
            shown(&snap),
            shown(&scratch),
            "{what}: reuse changed the answer"
        );

        // `air check` on a copy of what the editor shows.
        let check = self.air_check();
        let primary: Vec<&Diagnostic> = snap.primary.diagnostics.iter().collect();
        let expected: Vec<&Diagnostic> = check.diagnostics.iter().collect();
        assert_eq!(
            primary, expected,
            "{what}: the server and `air check` disagree"
        );
        let paths = |c: &Compilation| -> Vec<String> {
            c.sources.files().map(|(_, f)| f.path.clone()).collect()
        };
        assert_eq!(paths(&snap.primary), paths(&check), "{what}");
        if snap.broken.is_empty() {
            let all: Vec<Diagnostic> = snap
                .diagnostics()
                .into_iter()
                .map(|(d, _)| d.clone())
                .collect();
            let expected: Vec<Diagnostic> = check.diagnostics.iter().cloned().collect();
            assert_eq!(
                all, expected,
                "{what}: published diagnostics differ from `air check`"
            );
        }
        snap
    }

    /// `air check` (the same provider over the disk) on a fresh copy of
    /// the app with the buffers saved.
    fn air_check(&self) -> Compilation {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().canonicalize().expect("canonical");
        std::fs::create_dir(root.join(".git")).expect(".git");
        copy_dir(&self.app.dir, &root.join("app"));
        for (path, text) in &self.buffers {
            let rel = path.strip_prefix(&self.app.root).expect("inside");
            let to = root.join(rel);
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::write(to, text).expect("write");
        }
        let disk = DiskProvider::new(&root).expect("disk");
        let opts = CompileOptions {
            app_dir: "app".into(),
            env: None,
        };
        air_compiler::compile::check(&disk, &opts)
    }
}

fn write_app(dir: &Path, files: &[(String, String)], manifest: &str) {
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    std::fs::write(dir.join("air.toml"), manifest).expect("air.toml");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// Each load of the app parsed one file (the edited one) and reused the
/// other `n - 1`.
fn assert_only_edited_parsed(stats: air_compiler::parse::cache::CacheStats, n: usize) {
    let loads = stats.parsed;
    assert!(loads >= 1, "{stats:?}");
    assert_eq!(
        stats.reused,
        loads * (n - 1),
        "only the edited file is parsed: {stats:?}"
    );
}

fn codes(snap: &Snapshot) -> Vec<Code> {
    snap.diagnostics().iter().map(|(d, _)| d.code).collect()
}

fn example() -> (Vec<(String, String)>, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/order-fulfilment");
    let mut files = Vec::new();
    for e in std::fs::read_dir(&dir).expect("example") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".air") {
            files.push((name, std::fs::read_to_string(e.path()).expect("read")));
        }
    }
    let manifest = std::fs::read_to_string(dir.join("air.toml")).expect("air.toml");
    (files, manifest)
}

#[test]
fn edits_across_the_files_of_the_order_example() {
    let (files, manifest) = example();
    let mut s = Session::new(&files, &manifest);
    let n = files.len();

    let snap = s.step("opened");
    assert!(codes(&snap).is_empty(), "{:?}", codes(&snap));
    s.cache.parses.take_stats();

    // A typo in a reference to another file's event.
    s.edit("fulfil.air", "on OrderCreated", "on OrderCreatd");
    assert_eq!(codes(&s.step("typo")), [Code::E0201]);
    let stats = s.cache.parses.take_stats();
    assert_eq!(
        (stats.parsed, stats.reused),
        (1, n - 1),
        "only the edited file is parsed"
    );

    s.edit("fulfil.air", "on OrderCreatd", "on OrderCreated");
    assert!(codes(&s.step("typo fixed")).is_empty());

    // Renaming a declaration breaks the files that use it (workflows and
    // tests), without touching them.
    s.edit("events.air", "event OrderConfirmed", "event OrderDone");
    let snap = s.step("declaration renamed");
    let broken_files: HashSet<&str> = snap
        .diagnostics()
        .iter()
        .filter(|(d, _)| d.code == Code::E0201)
        .filter_map(|(d, map)| d.primary_span().map(|sp| map.path(sp.file)))
        .collect();
    assert!(
        broken_files.contains("app/fulfil.air") && broken_files.contains("app/tests.air"),
        "{broken_files:?}"
    );
    let stats = s.cache.parses.take_stats();
    assert_only_edited_parsed(stats, n);
    s.edit("events.air", "event OrderDone", "event OrderConfirmed");
    assert!(codes(&s.step("rename undone")).is_empty());

    // A new, unsaved file declares a name another file already declares.
    let types = s.text("types.air");
    let first_type = types
        .lines()
        .find_map(|l| l.strip_prefix("type "))
        .and_then(|l| l.split_whitespace().next())
        .expect("a type in types.air")
        .to_string();
    s.set(
        "extra.air",
        &format!("type {first_type} {{\n  x: string\n}}\n"),
    );
    assert!(codes(&s.step("duplicate across files")).contains(&Code::E0202));
    s.set("extra.air", "");
    assert!(codes(&s.step("new file emptied")).is_empty());

    // A syntax error in one file while another gets a typo: the broken
    // file's own diagnostics come from it, the rest from its last good
    // text; both ways agree.
    s.edit("fulfil.air", "ship: parallel {", "ship: parallel {{");
    let snap = s.step("syntax error");
    assert!(codes(&snap).iter().any(|c| c.as_str().starts_with("E01")));
    s.edit("services.air", "on OrderCancelled", "on OrderCancelld");
    let snap = s.step("syntax error and a typo elsewhere");
    assert!(codes(&snap).contains(&Code::E0201), "{:?}", codes(&snap));
    s.edit("fulfil.air", "ship: parallel {{", "ship: parallel {");
    assert_eq!(codes(&s.step("syntax fixed")), [Code::E0201]);
    s.edit("services.air", "on OrderCancelld", "on OrderCancelled");
    assert!(codes(&s.step("all fixed")).is_empty());

    // A file emptied (as when its text is cut), then restored.
    let events = s.text("events.air");
    s.set("events.air", "");
    assert!(codes(&s.step("events emptied")).contains(&Code::E0201));
    s.set("events.air", &events);
    assert!(codes(&s.step("events restored")).is_empty());
}

#[test]
fn edits_in_a_generated_app_of_many_files() {
    let files = air_compiler::testgen::generate_files(150);
    let mut s = Session::new(&files, air_compiler::testgen::FILES_MANIFEST);
    let n = files.len();
    let clean = codes(&s.step("opened"));
    s.cache.parses.take_stats();

    // A keystroke in one workflow file (the keystroke bench's edit).
    s.edit("flows/flows_0001.air", "on Happened0", "on Happened");
    assert!(codes(&s.step("keystroke")).contains(&Code::E0201));
    let stats = s.cache.parses.take_stats();
    assert_only_edited_parsed(stats, n);
    s.edit("flows/flows_0001.air", "on Happened\n", "on Happened0\n");
    assert_eq!(codes(&s.step("keystroke undone")), clean);

    // An event renamed in common.air: every workflow started by it or
    // emitting it, in every flows file, is now wrong.
    s.edit("common.air", "event Happened3 {", "event Happened3b {");
    let snap = s.step("event renamed");
    let files_hit: HashSet<&str> = snap
        .diagnostics()
        .iter()
        .filter_map(|(d, map)| d.primary_span().map(|sp| map.path(sp.file)))
        .collect();
    assert!(files_hit.len() >= 3, "{files_hit:?}");
    s.edit("common.air", "event Happened3b {", "event Happened3 {");
    assert_eq!(codes(&s.step("event renamed back")), clean);

    // A workflow copied into another file: a duplicate across files.
    let flows = s.text("flows/flows_0000.air");
    let first = flows
        .split("\n\n/// Workflow 1.")
        .next()
        .expect("first workflow");
    let other = s.text("flows/flows_0002.air");
    s.set("flows/flows_0002.air", &format!("{other}\n{first}\n"));
    assert!(codes(&s.step("duplicate workflow")).contains(&Code::E0202));
    s.set("flows/flows_0002.air", &other);
    assert_eq!(codes(&s.step("duplicate removed")), clean);
}

#[test]
fn a_keystroke_in_a_workflow_rechecks_that_workflow_only() {
    let files = air_compiler::testgen::generate_files(150);
    let mut s = Session::new(&files, air_compiler::testgen::FILES_MANIFEST);
    let clean = codes(&s.step("opened"));
    let first = s.cache.workflows.take_stats();
    // Two results per workflow: its graph findings and its lowering's.
    assert_eq!((first.computed, first.reused), (300, 0), "{first:?}");

    // A typo in a name stops the compilation before the checks; its fix
    // finds every result kept.
    s.edit("flows/flows_0001.air", "on Happened0", "on Happened");
    assert!(codes(&s.step("typo")).contains(&Code::E0201));
    s.edit("flows/flows_0001.air", "on Happened\n", "on Happened0\n");
    assert_eq!(codes(&s.step("typo fixed")), clean);
    let stats = s.cache.workflows.take_stats();
    assert_eq!((stats.computed, stats.reused), (0, 300), "{stats:?}");

    // A keystroke inside one workflow's body: only its two results are
    // computed again.
    s.edit("flows/flows_0001.air", "wait 5s", "wait 6s");
    assert_eq!(codes(&s.step("body edited")), clean);
    let stats = s.cache.workflows.take_stats();
    assert_eq!((stats.computed, stats.reused), (2, 298), "{stats:?}");

    // A step made unreachable: the graph warning comes from the new
    // result, and goes when the step is back.
    s.edit(
        "flows/flows_0001.air",
        "  emit Happened",
        "  return {}\n  emit Happened",
    );
    let snap = s.step("return inserted");
    assert!(codes(&snap).contains(&Code::W0402), "{:?}", codes(&snap));
    s.edit(
        "flows/flows_0001.air",
        "  return {}\n  emit Happened",
        "  emit Happened",
    );
    assert_eq!(codes(&s.step("return removed")), clean);
    s.cache.workflows.take_stats();

    // A declaration the workflows use changes: every lowering runs again,
    // no graph does.
    let function_file = files
        .iter()
        .find(|(_, text)| text.contains("timeout = 30s"))
        .map(|(path, _)| path.clone())
        .expect("a function with a timeout");
    s.edit(&function_file, "timeout = 30s", "timeout = 31s");
    assert_eq!(codes(&s.step("function edited")), clean);
    let stats = s.cache.workflows.take_stats();
    assert_eq!((stats.computed, stats.reused), (150, 150), "{stats:?}");

    // Results of workflows that are gone are dropped.
    assert_eq!(s.cache.workflows.len(), 300);
}
