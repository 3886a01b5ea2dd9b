"""The editor setups: the VS Code extension in editors/vscode/ and the snippets of
docs/editors.md (Neovim's Lua, Helix's TOML) start `tpm lsp` as documented."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
VSCODE = ROOT / "editors" / "vscode"
DOC_PATH = ROOT / "docs" / "editors.md"
DOC = DOC_PATH.read_text(encoding="utf-8")

FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```", re.S | re.M)
TPM_LSP_LUA = re.compile(r"""\{\s*["']tpm["']\s*,\s*["']lsp["']\s*\}""")


def blocks(tag: str) -> list[str]:
    return [body for lang, body in FENCE.findall(DOC) if lang == tag]


def package_json() -> dict:
    return json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))


def extension_source() -> str:
    return (VSCODE / "extension.js").read_text(encoding="utf-8")


def major(version_range: str) -> int:
    found = re.search(r"\d+", version_range)
    assert found, version_range
    return int(found.group())


# --- VS Code -------------------------------------------------------------------------


def test_package_json_declares_the_extension():
    pkg = package_json()
    assert pkg["name"] == "tpm-vscode"
    assert pkg["displayName"].strip()
    assert pkg["publisher"] == "tpm"
    assert re.fullmatch(r"\d+\.\d+\.\d+", pkg["version"])
    engine = pkg["engines"]["vscode"]
    assert engine.startswith("^1.") and int(engine.split(".")[1]) >= 82
    assert pkg["main"] == "./extension.js"
    assert (VSCODE / pkg["main"]).resolve().is_file()
    assert "onLanguage:markdown" in pkg["activationEvents"]
    assert "workspaceContains:.tpm.toml" in pkg["activationEvents"]
    assert major(pkg["dependencies"]["vscode-languageclient"]) == 9
    assert pkg["dependencies"]["vscode-languageclient"].startswith("^9.0.1")


def test_package_json_settings():
    properties = package_json()["contributes"]["configuration"]["properties"]
    assert properties["tpm.path"]["type"] == "string"
    assert properties["tpm.path"]["default"] == "tpm"
    trace = properties["tpm.trace.server"]
    assert trace["default"] == "off"
    assert set(trace["enum"]) == {"off", "messages", "verbose"}


def test_every_contributed_command_is_registered():
    commands = [c["command"] for c in package_json()["contributes"].get("commands", [])]
    source = extension_source()
    for command in commands:
        assert f'registerCommand("{command}"' in source, command


def test_extension_starts_tpm_lsp_over_stdio():
    source = extension_source()
    assert 'require("vscode-languageclient/node")' in source
    assert 'get("path", "tpm")' in source  # the tpm.path setting, default "tpm"
    assert re.search(r"""args:\s*\[\s*"lsp"\s*\]""", source)
    assert "TransportKind.stdio" in source
    assert re.search(r"""documentSelector:\s*\[\s*\{\s*scheme:\s*"file",\s*language:\s*"markdown"\s*\}\s*\]""", source)
    # the client id "tpm" is what makes the client read tpm.trace.server
    assert re.search(r"""new LanguageClient\(\s*"tpm",""", source)
    assert re.search(r"module\.exports\s*=\s*\{\s*activate,\s*deactivate\s*\}", source)
    assert re.search(r"function deactivate\(\)\s*\{\s*return stop\(\);", source)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_extension_js_parses():
    result = subprocess.run(
        ["node", "--check", str(VSCODE / "extension.js")], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_extension_activates_and_deactivates_with_a_stand_in_vscode(tmp_path):
    """With `vscode` and `vscode-languageclient/node` replaced by recording stand-ins, the
    extension starts `tpm lsp` (or the `tpm.path` setting, expanded) in the workspace
    folder, and stops the client on deactivate."""
    stub = tmp_path / "node_modules"
    (stub / "vscode").mkdir(parents=True)
    (stub / "vscode" / "index.js").write_text(
        """
const config = { path: process.env.TPM_PATH_SETTING };
module.exports = {
  workspace: {
    workspaceFolders: [{ uri: { fsPath: "/repo" } }],
    getConfiguration: (section) => ({
      get: (key, dflt) => (section === "tpm" && config[key] !== undefined ? config[key] : dflt),
    }),
    createFileSystemWatcher: (glob) => ({ glob }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
  },
  commands: { registerCommand: (name) => ({ dispose() {}, name }) },
  window: { showErrorMessage: (m) => { global.events.push(["error", m]); } },
};
""",
        encoding="utf-8",
    )
    (stub / "vscode-languageclient").mkdir()
    (stub / "vscode-languageclient" / "node.js").write_text(
        """
class LanguageClient {
  constructor(id, name, serverOptions, clientOptions) {
    global.events.push(["new", id, name, serverOptions, clientOptions.documentSelector]);
  }
  async start() { global.events.push(["start"]); }
  async stop() { global.events.push(["stop"]); }
}
module.exports = { LanguageClient, TransportKind: { stdio: 0, ipc: 1, pipe: 2, socket: 3 } };
""",
        encoding="utf-8",
    )
    driver = tmp_path / "driver.js"
    driver.write_text(
        f"""
const Module = require("module");
const stubs = {json.dumps(str(stub))};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {{
  if (request === "vscode") return stubs + "/vscode/index.js";
  if (request === "vscode-languageclient/node") return stubs + "/vscode-languageclient/node.js";
  return resolve.call(this, request, ...rest);
}};
global.events = [];
const extension = require({json.dumps(str(VSCODE / "extension.js"))});
(async () => {{
  const context = {{ subscriptions: [] }};
  await extension.activate(context);
  global.events.push(["subscriptions", context.subscriptions.length]);
  await extension.deactivate();
  console.log(JSON.stringify(global.events));
}})();
""",
        encoding="utf-8",
    )

    def run(setting: str | None) -> list:
        env = {"PATH": "/usr/bin:/bin", "HOME": "/home/someone"}
        if setting is not None:
            env["TPM_PATH_SETTING"] = setting
        result = subprocess.run(["node", str(driver)], capture_output=True, text=True, timeout=60, check=False, env=env)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    events = run(None)
    assert [e[0] for e in events] == ["new", "start", "subscriptions", "stop"]
    _, client_id, _, server, selector = events[0]
    assert client_id == "tpm"
    assert server == {"command": "tpm", "args": ["lsp"], "transport": 0, "options": {"cwd": "/repo"}}
    assert selector == [{"scheme": "file", "language": "markdown"}]
    assert events[2][1] >= 2  # the restart command and the settings listener

    assert run("${workspaceFolder}/.venv/bin/tpm")[0][3]["command"] == "/repo/.venv/bin/tpm"
    assert run("~/bin/tpm")[0][3]["command"] == "/home/someone/bin/tpm"


def test_lock_file_pins_languageclient_9():
    lock = json.loads((VSCODE / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["name"] == "tpm-vscode"
    assert lock["lockfileVersion"] >= 2
    root = lock["packages"][""]
    assert root["dependencies"] == package_json()["dependencies"]
    client = lock["packages"]["node_modules/vscode-languageclient"]
    assert client["version"].startswith("9.")
    assert client["integrity"].startswith("sha512-")
    # the client's own engine requirement is what package.json promises
    assert client["engines"]["vscode"] == package_json()["engines"]["vscode"]
    for name, entry in lock["packages"].items():
        if name:
            assert name.startswith("node_modules/"), name
            assert entry["integrity"].startswith("sha512-"), name
            assert entry.get("resolved", "https://registry.npmjs.org/").startswith("https://registry.npmjs.org/"), name


# --- docs/editors.md -----------------------------------------------------------------


def test_the_page_has_every_editor():
    headings = re.findall(r"^#+ (.+)$", DOC, re.M)
    for name in ("VS Code", "Neovim", "Helix", "Troubleshooting"):
        assert name in headings, name
    assert "pip install 'tpm[lsp]'" in DOC
    assert "SPEC" not in DOC


def test_every_lua_block_starts_tpm_lsp():
    lua = blocks("lua")
    assert len(lua) == 2
    for body in lua:
        assert TPM_LSP_LUA.search(body), body
        assert body.count("(") == body.count(")") and body.count("{") == body.count("}"), body
    neovim_010, neovim_011 = lua
    assert 'nvim_create_autocmd("FileType"' in neovim_010
    assert 'pattern = "markdown"' in neovim_010
    assert "vim.lsp.start(" in neovim_010
    assert 'vim.fs.root(args.buf, { ".tpm.toml", ".git" })' in neovim_010
    assert "root_dir = root" in neovim_010
    assert 'vim.lsp.config("tpm"' in neovim_011
    assert 'vim.lsp.enable("tpm")' in neovim_011
    assert 'filetypes = { "markdown" }' in neovim_011
    assert 'root_markers = { ".tpm.toml", ".git" }' in neovim_011


@pytest.mark.skipif(shutil.which("luac") is None and shutil.which("luac5.1") is None, reason="no Lua compiler")
def test_every_lua_block_compiles(tmp_path):
    luac = shutil.which("luac") or shutil.which("luac5.1")
    for index, body in enumerate(blocks("lua")):
        path = tmp_path / f"block{index}.lua"
        path.write_text(body, encoding="utf-8")
        result = subprocess.run([luac, "-p", str(path)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr


def test_every_toml_block_configures_tpm_lsp():
    toml = blocks("toml")
    assert toml
    for body in toml:
        data = tomllib.loads(body)
        server = data["language-server"]["tpm"]
        assert server["command"] == "tpm"
        assert server["args"] == ["lsp"]
        markdown = [lang for lang in data["language"] if lang["name"] == "markdown"]
        assert len(markdown) == 1
        assert markdown[0]["language-servers"] == ["marksman", "tpm"]


def test_every_json_block_is_vscode_settings():
    settings = [json.loads(body) for body in blocks("json")]
    assert settings
    known = set(package_json()["contributes"]["configuration"]["properties"])
    for block in settings:
        assert set(block) <= known, block
    assert {"tpm.path": "tpm", "tpm.trace.server": "off"} in settings


def test_install_steps_match_the_extension():
    pkg = package_json()
    vsix = f"{pkg['name']}-{pkg['version']}.vsix"
    folder = f"{pkg['publisher']}.{pkg['name']}-{pkg['version']}"
    readme = (VSCODE / "README.md").read_text(encoding="utf-8")
    for text in (DOC, readme):
        assert "npm install" in text
        assert "Developer: Install Extension from Location" in text
        assert "npx @vscode/vsce package" in text
        assert f"code --install-extension {vsix}" in text
        assert f"~/.vscode/extensions/{folder}" in text
    for command in pkg["contributes"].get("commands", []):
        assert command["title"] in DOC, command["title"]


def _links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    text = FENCE.sub("", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


def _anchors(path: Path) -> set[str]:
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", FENCE.sub("", path.read_text(encoding="utf-8")), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")
        anchors.add(slug)
    return anchors


@pytest.mark.parametrize("page", [DOC_PATH, VSCODE / "README.md"], ids=["docs/editors.md", "vscode/README.md"])
def test_links_resolve(page):
    links = _links(page)
    if page == DOC_PATH:
        assert links
    for link in links:
        parts = urlsplit(link)
        if parts.scheme in ("http", "https"):
            continue
        assert not parts.scheme, link
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        assert target.exists(), link
        assert target.is_relative_to(ROOT), link
        if parts.fragment:
            assert parts.fragment in _anchors(target), link


LUA_STAND_IN = """
local calls = {}
local function record(name) return function(...) calls[#calls + 1] = { name, ... } end end
vim = {
  api = { nvim_create_autocmd = function(event, opts) calls[#calls + 1] = { "autocmd", event, opts } end },
  fs = { root = function(buf, markers) calls[#calls + 1] = { "root", buf, markers }; return ROOT end },
  lsp = { start = record("start"), config = record("config"), enable = record("enable") },
}
dofile(BLOCK)
for _, call in ipairs(calls) do
  if call[1] == "autocmd" then call[3].callback({ buf = 7 }) end
end
local function show(value)
  if type(value) ~= "table" then return string.format("%q", tostring(value)) end
  local keys = {}
  for k in pairs(value) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = tostring(k) .. "=" .. show(value[k]) end
  return "{" .. table.concat(out, ",") .. "}"
end
for _, call in ipairs(calls) do
  local parts = {}
  for i = 1, #call do parts[#parts + 1] = show(call[i]) end
  print(table.concat(parts, " "))
end
"""


@pytest.mark.skipif(shutil.which("lua") is None and shutil.which("lua5.4") is None, reason="no Lua interpreter")
def test_lua_blocks_start_the_server_with_a_stand_in_vim(tmp_path):
    """Each Lua block run against a recording stand-in for Neovim's `vim` module."""
    lua = shutil.which("lua") or shutil.which("lua5.4")

    def run(index: int, root: str | None) -> list[str]:
        block = tmp_path / f"block{index}.lua"
        block.write_text(blocks("lua")[index], encoding="utf-8")
        driver = tmp_path / "driver.lua"
        prelude = f"BLOCK = {json.dumps(str(block))}\nROOT = {json.dumps(root) if root else 'nil'}\n"
        driver.write_text(prelude + LUA_STAND_IN, encoding="utf-8")
        result = subprocess.run([lua, str(driver)], capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    calls = run(0, "/repo")
    assert calls[0].startswith('"autocmd" "FileType" {callback=')
    assert 'pattern="markdown"' in calls[0]
    assert calls[1:] == [
        '"root" "7" {1=".tpm.toml",2=".git"}',
        '"start" {cmd={1="tpm",2="lsp"},name="tpm",root_dir="/repo"} {bufnr="7"}',
    ]
    # outside a repository nothing is started
    assert [c.split()[0] for c in run(0, None)] == ['"autocmd"', '"root"']

    assert run(1, None) == [
        '"config" "tpm" {cmd={1="tpm",2="lsp"},filetypes={1="markdown"},root_markers={1=".tpm.toml",2=".git"}}',
        '"enable" "tpm"',
    ]
