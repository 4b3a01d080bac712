// Tokenizes every .air file of the repository's examples, the `air init`
// templates and test/sample.air with the TextMate grammar, through the
// engine VS Code uses (vscode-textmate + vscode-oniguruma), and fails
// when a character is left without a token class or a token class of the
// grammar never appears.
//
// Usage: node test/grammar.js [REPO_ROOT]   (run by cli/tests/vscode_grammar.rs)
"use strict";
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const here = __dirname;
const root = path.resolve(process.argv[2] || path.join(here, "../../.."));
const grammarPath = path.join(here, "../syntaxes/air.tmLanguage.json");
const grammarJson = JSON.parse(fs.readFileSync(grammarPath, "utf8"));

/** Every .air file below `dir`. */
function airFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...airFiles(p));
    else if (e.name.endsWith(".air")) out.push(p);
  }
  return out;
}

/** Every scope name the grammar can give (meta scopes only group). */
function declaredClasses(node, out = new Set()) {
  if (Array.isArray(node)) node.forEach((n) => declaredClasses(n, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "name" && typeof v === "string" && !v.startsWith("meta.")) out.add(v);
      else declaredClasses(v, out);
    }
  }
  return out;
}

async function main() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (s) => new oniguruma.OnigScanner(s),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) =>
      scope === "source.air" ? vsctm.parseRawGrammar(JSON.stringify(grammarJson), grammarPath) : null,
  });
  const grammar = await registry.loadGrammar("source.air");
  const files = [
    ...airFiles(path.join(root, "examples")),
    ...airFiles(path.join(root, "cli/templates")),
    path.join(here, "sample.air"),
  ];
  const seen = new Set();
  const unmatched = [];
  let tokens = 0;
  for (const file of files) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    let stack = vsctm.INITIAL;
    lines.forEach((line, i) => {
      const r = grammar.tokenizeLine(line, stack);
      for (const t of r.tokens) {
        const text = line.slice(t.startIndex, t.endIndex);
        if (!text.trim()) continue;
        tokens++;
        t.scopes.forEach((s) => seen.add(s));
        const inner = t.scopes[t.scopes.length - 1];
        if (t.scopes.length === 1 || inner.startsWith("meta.")) {
          unmatched.push(`${path.relative(root, file)}:${i + 1}:${t.startIndex + 1}: ${JSON.stringify(text)} (${t.scopes.join(" ")})`);
        }
      }
      stack = r.ruleStack;
    });
  }
  const missing = [...declaredClasses(grammarJson.repository)].filter((c) => !seen.has(c)).sort();
  console.log(`${files.length} files, ${tokens} tokens, ${declaredClasses(grammarJson.repository).size} token classes`);
  for (const u of unmatched.slice(0, 40)) console.log(`unmatched: ${u}`);
  for (const m of missing) console.log(`never used: ${m}`);
  const failed = (unmatched.length ? 1 : 0) + (missing.length ? 1 : 0);
  console.log(`${2 - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
