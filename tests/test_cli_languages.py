"""Every command speaks both languages (issue 16, item 6): each `--help` in zh-TW and English,
click's own errors under `--lang zh-TW` and EXPORTKIT_LANG, and the catalogues complete."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from exportkit.cli import main
from exportkit.cli.help import click_catalogue, help_key
from exportkit.i18n import t


def _commands(group=main, path=()):
    yield path, group
    for name, cmd in getattr(group, "commands", {}).items():
        if not cmd.hidden:
            yield from _commands(cmd, (*path, name))


ALL = list(_commands())
IDS = [" ".join(p) or "exportkit" for p, _ in ALL]
HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_HEADINGS = ("Usage:", "Options:", "Commands:", "Show this message", "[default:")


@pytest.mark.parametrize(("path", "command"), ALL, ids=IDS)
def test_every_help_page_reads_in_chinese(runner, path, command):
    result = runner.invoke(main, ["--lang", "zh-TW", *path, "--help"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("用法：") and "選項：" in out
    for heading in ENGLISH_HEADINGS:
        assert heading not in out, heading
    key = help_key(list(path))
    zh = t(f"{key}_help", "zh-TW")  # KeyError: add <key>_help to locales/messages.yaml
    assert zh.split("\n")[0].strip()[:12] in out


@pytest.mark.parametrize(("path", "command"), ALL, ids=IDS)
def test_every_option_has_its_own_chinese_text(path, command):
    ctx = click.Context(main, info_name="exportkit")
    for name in path:
        ctx = click.Context(ctx.command.commands[name], parent=ctx, info_name=name)
    key = help_key(list(path))
    for param in command.get_params(ctx):
        if not isinstance(param, click.Option) or param is command.get_help_option(ctx):
            continue
        zh = command.option_text(param, ctx)
        assert zh and HAN.search(zh), f"add {key}_help_{param.name} to messages.yaml"


@pytest.mark.parametrize(("path", "command"), ALL, ids=IDS)
def test_every_help_page_reads_in_english(runner, path, command):
    result = runner.invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Usage:") and "Options:" in out
    assert not HAN.search(t(f"{help_key(list(path))}_help", "en").split("\n")[0][:10])
    if path:  # a command's help in English has no Chinese headings
        assert "用法" not in out and "選項：" not in out


def test_chinese_help_through_the_environment(runner, monkeypatch):
    monkeypatch.setenv("EXPORTKIT_LANG", "zh-TW")
    out = runner.invoke(main, ["data", "export", "--help"]).output
    assert out.startswith("用法：") and "--include-assessments" in out


ERRORS = [
    (["assess", "--nosuch"], "沒有 '--nosuch' 這個選項", "No such option '--nosuch'"),
    (["brief"], "缺少參數 'WORKBOOK'", "Missing argument 'WORKBOOK'"),
    (["nosuchcommand"], "沒有 'nosuchcommand' 這個命令", "No such command 'nosuchcommand'"),
    (["markets", "--format", "xml"], "不是 'table', 'csv', 'json' 其中之一", "is not one of"),
    (["markets", "--sensitivity", "x"], "不是有效的", "is not a valid integer"),
    (["brief", "/nonexistent.xlsx", "-m", "TH"], "不存在", "does not exist"),
    (["--nosuch"], "沒有 '--nosuch' 這個選項", "No such option '--nosuch'"),
]


@pytest.mark.parametrize(("args", "zh", "en"), ERRORS, ids=[" ".join(e[0]) for e in ERRORS])
def test_clicks_own_errors_speak_the_users_language(runner, monkeypatch, args, zh, en):
    chinese = runner.invoke(main, ["--lang", "zh-TW", *args])
    assert chinese.exit_code == 2
    assert zh in chinese.output and "錯誤：" in chinese.output and "請執行" in chinese.output
    assert "Error:" not in chinese.output and "Usage:" not in chinese.output
    monkeypatch.setenv("EXPORTKIT_LANG", "zh-TW")
    assert zh in runner.invoke(main, args).output
    monkeypatch.setenv("EXPORTKIT_LANG", "en")
    english = runner.invoke(main, args)
    assert english.exit_code == 2 and en in english.output and "錯誤" not in english.output


def test_a_lang_after_the_command_also_speaks_chinese(runner):
    out = runner.invoke(main, ["match", "--lang", "zh-TW", "--nosuch"]).output
    assert "沒有 '--nosuch' 這個選項" in out


def _click_msgids() -> set[str]:
    ids = set()
    for source in Path(click.__file__).parent.glob("*.py"):
        if source.name in ("testing.py", "_winconsole.py", "_compat.py"):
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "ngettext"):
                ids.update(
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                )
    return ids


def test_every_click_message_has_a_chinese_text_with_the_same_placeholders():
    catalogue = click_catalogue()
    missing = sorted(_click_msgids() - set(catalogue))
    assert not missing, f"add to exportkit/locales/click.yaml: {missing}"
    field = re.compile(r"\{[^}]*\}|%\(\w+\)s")
    for english, chinese in catalogue.items():
        assert sorted(field.findall(english)) == sorted(field.findall(chinese)), english


@pytest.mark.parametrize(("path", "command"), ALL, ids=IDS)
def test_short_help_flag_survives_a_command_first_seen_alone(runner, path, command):
    # Click keeps the first help option it makes; a bare context grants only --help.
    command.get_help_option(click.Context(command, info_name=path[-1] if path else "exportkit"))
    result = runner.invoke(main, ["--lang", "en", *path, "-h"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage:")
