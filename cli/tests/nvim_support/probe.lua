-- Run by cli/tests/nvim_lsp.rs in a headless Neovim with editors/nvim/air.lua
-- loaded: wait for the diagnostics of the current buffer, ask for a hover
-- at the first one, write both to $AIR_NVIM_OUT, quit.
local out = assert(os.getenv("AIR_NVIM_OUT"))
local lines = {}
local ok = vim.wait(30000, function()
  return #vim.diagnostic.get(0) > 0
end, 50)
if not ok then
  table.insert(lines, "no diagnostics")
end
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(lines, string.format("diagnostic %s %d:%d %s", d.code or "?", d.lnum + 1, d.col + 1,
    (d.message:gsub("\n", " | "))))
end
local first = vim.diagnostic.get(0)[1]
if first then
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(),
    position = { line = first.lnum, character = first.col + 1 },
  }
  local results = vim.lsp.buf_request_sync(0, "textDocument/hover", params, 30000) or {}
  for _, r in pairs(results) do
    if r.result and r.result.contents then
      table.insert(lines, "hover " .. (r.result.contents.value:gsub("\n", " | ")))
    end
  end
end
local f = assert(io.open(out, "w"))
f:write(table.concat(lines, "\n") .. "\n")
f:close()
vim.cmd("qa!")
