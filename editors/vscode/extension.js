// The tpm extension for VS Code: starts `tpm lsp` (the tpm language server) over stdio
// for Markdown files and stops it when VS Code deactivates the extension.
// Plain JavaScript, no build step: `npm install` in this folder is all it needs.
"use strict";

const os = require("os");
const path = require("path");
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

/** The first workspace folder's path, or undefined with no folder open. */
function workspaceFolder() {
  const folders = vscode.workspace.workspaceFolders;
  return folders && folders.length > 0 ? folders[0].uri.fsPath : undefined;
}

/** The `tpm.path` setting, with `~` and `${workspaceFolder}` expanded. */
function tpmExecutable() {
  let command = vscode.workspace.getConfiguration("tpm").get("path", "tpm") || "tpm";
  const folder = workspaceFolder();
  if (folder !== undefined) {
    command = command.split("${workspaceFolder}").join(folder);
  }
  if (command === "~" || command.startsWith("~/")) {
    command = path.join(os.homedir(), command.slice(1));
  }
  return command;
}

function createClient() {
  const command = tpmExecutable();
  const folder = workspaceFolder();
  const serverOptions = {
    command,
    args: ["lsp"],
    transport: TransportKind.stdio,
    options: folder !== undefined ? { cwd: folder } : {},
  };
  const clientOptions = {
    // Every Markdown file on disk: the server itself ignores files that are not of a
    // configured document type, and reports a broken `.tpm.toml` on the config file.
    documentSelector: [{ scheme: "file", language: "markdown" }],
    synchronize: {
      // Tell the server when the configuration changes on disk.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{.tpm.toml,pyproject.toml}"),
    },
  };
  // The id "tpm" makes the client read the `tpm.trace.server` setting; the output
  // channel is named "tpm".
  return new LanguageClient("tpm", "tpm", serverOptions, clientOptions);
}

async function start() {
  client = createClient();
  try {
    await client.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    vscode.window.showErrorMessage(
      `tpm: could not start "${tpmExecutable()} lsp" (${message}). ` +
        "Install the server with: pip install 'tpm[lsp]', or set tpm.path to the tpm executable."
    );
  }
}

async function stop() {
  const running = client;
  client = undefined;
  if (running !== undefined) {
    try {
      await running.stop();
    } catch (_error) {
      // The server was not running (it failed to start, or already exited).
    }
  }
}

async function restart() {
  await stop();
  await start();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("tpm.restartServer", restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("tpm.path")) {
        restart();
      }
    })
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
