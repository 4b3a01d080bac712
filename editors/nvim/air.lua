-- air in Neovim's built-in LSP client (Neovim 0.7 or later): `.air` files
-- get the `air` filetype and `air lsp` attached. Load it from init.lua
-- with `dofile("/path/to/air/editors/nvim/air.lua")`, or copy it there.
-- `vim.g.air_path` names the binary (default: `air` on PATH).
vim.cmd([[autocmd BufRead,BufNewFile *.air setfiletype air]])

local function app_root(file)
  local dir = vim.fn.fnamemodify(file, ":p:h")
  while dir ~= "/" do
    if vim.fn.filereadable(dir .. "/air.toml") == 1 then
      return dir
    end
    dir = vim.fn.fnamemodify(dir, ":h")
  end
  return vim.fn.getcwd()
end

local clients = {}

vim.api.nvim_create_autocmd("FileType", {
  pattern = "air",
  callback = function(args)
    local root = app_root(vim.api.nvim_buf_get_name(args.buf))
    if not clients[root] then
      clients[root] = vim.lsp.start_client({
        name = "air",
        cmd = { vim.g.air_path or "air", "lsp" },
        root_dir = root,
      })
    end
    vim.lsp.buf_attach_client(args.buf, clients[root])
    vim.keymap.set("n", "K", vim.lsp.buf.hover, { buffer = args.buf })
    vim.keymap.set("n", "gd", vim.lsp.buf.definition, { buffer = args.buf })
  end,
})
