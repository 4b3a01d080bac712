// The air extension: colours come from syntaxes/air.tmLanguage.json; this
// starts `air lsp` for diagnostics, navigation, hover, completion,
// formatting, outline and rename. The binary is `air.path` (default: `air`
// on PATH).
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("air").get("path") || "air";
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "air",
    "air language server",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "air" }] }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
