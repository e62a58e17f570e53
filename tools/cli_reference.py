"""The CLI reference page, rendered from the typer app itself (so it cannot drift), and the mkdocs hook serving it."""

from __future__ import annotations

from typing import Any

MARKER = "<!-- cli-reference -->"


def _cell(text: object) -> str:
    """One Markdown table cell: literal text, pipes and angle brackets escaped, on one line."""
    s = " ".join(str(text).split())
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("[", "\\[")


def _option_row(param: Any, ctx: Any) -> str:
    """One option as `--help` describes it (its help record: names and metavar, then help with default)."""
    record = param.get_help_record(ctx)
    if record is None:
        return ""
    decl, help_text = record
    return f"| `{' '.join(decl.split())}` | {_cell(help_text)} |"


def _command(cmd: Any, path: list[str], ctx: Any) -> list[str]:
    name = " ".join(path)
    out = [f"## `{name}`", ""]
    if cmd.help:
        out += [_cell(cmd.help.split("\b")[0]).replace("\\[", "["), ""]
    args = [p for p in cmd.params if p.param_type_name == "argument"]
    opts = [p for p in cmd.params if p.param_type_name == "option" and not p.hidden]
    usage = " ".join([name, *(a.name.upper() if a.required else f"[{a.name.upper()}]" for a in args)])
    out += ["```text", f"{usage} [OPTIONS]", "```", ""]
    if opts:
        out += ["| option | meaning |", "|---|---|"]
        out += [row for row in (_option_row(p, ctx) for p in opts) if row]
        out.append("")
    if hasattr(cmd, "list_commands"):  # a group (typer vendors its own click: no isinstance)
        for sub_name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                out += _command(sub, [*path, sub_name], sub.context_class(sub, parent=ctx, info_name=sub_name))
    return out


def cli_reference_markdown() -> str:
    """Markdown for every `siting` command and option, read from the typer app."""
    import typer.main

    from siting.cli.app import app

    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="siting")
    lines: list[str] = []
    for name in root.list_commands(ctx):  # type: ignore[attr-defined]
        cmd = root.get_command(ctx, name)  # type: ignore[attr-defined]
        if cmd is not None and not cmd.hidden:
            lines += _command(cmd, ["siting", name], cmd.context_class(cmd, parent=ctx, info_name=name))
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """mkdocs hook: replace the marker on the CLI page with the generated reference."""
    if MARKER in markdown:
        return markdown.replace(MARKER, cli_reference_markdown())
    return markdown
