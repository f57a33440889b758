import click

from exportkit import __version__
from exportkit.cli import ExportkitGroup, main
from exportkit.errors import WorkbookError


def test_version_option_prints_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"exportkit, version {__version__}\n"


def test_version_reads_in_the_users_language(runner, monkeypatch):
    assert runner.invoke(main, ["--lang", "zh-TW", "--version"]).output == (
        f"exportkit 版本 {__version__}\n"
    )
    monkeypatch.setenv("EXPORTKIT_LANG", "zh-TW")
    assert runner.invoke(main, ["--version"]).output == f"exportkit 版本 {__version__}\n"


def test_verbosity_after_the_command_is_the_groups(runner, tmp_path):
    from exportkit.cli.console import Feedback

    seen = []

    @main.command("_verbosity", hidden=True)
    @click.argument("name")
    @click.pass_obj
    def verbosity(feedback: Feedback, name: str):
        seen.append((name, feedback.verbosity))

    try:
        for args, expected in [
            (["_verbosity", "x", "-q"], -1),
            (["_verbosity", "-vv", "x"], 2),
            (["--lang", "en", "_verbosity", "x", "--verbose"], 1),
        ]:
            result = runner.invoke(main, args)
            assert result.exit_code == 0, result.output
            assert seen.pop() == ("x", expected)
        result = runner.invoke(main, ["_verbosity", "--", "-q"])  # after --, an argument
        assert result.exit_code == 0, result.output
        assert seen.pop() == ("-q", 0)
    finally:
        main.commands.pop("_verbosity")


def test_short_help_option_is_accepted(runner):
    result = runner.invoke(main, ["-h"])
    assert result.exit_code == 0
    assert "--verbose" in result.output and "--quiet" in result.output


def test_every_command_has_help_text():
    def walk(group, prefix=""):
        for name, cmd in group.commands.items():
            assert cmd.help, f"{prefix}{name} has no help text"
            if hasattr(cmd, "commands"):
                walk(cmd, f"{prefix}{name} ")

    walk(main)


def test_library_errors_become_one_line_without_traceback(runner):
    import click

    @main.command("_boom", hidden=True)
    def boom():
        raise WorkbookError("a.xlsx", "a whole number", "整數", sheet="Profile", cell="C5", got="x")

    try:
        result = runner.invoke(main, ["_boom"])
        assert result.exit_code == 1
        assert (
            "a.xlsx, sheet 'Profile', cell C5: expected a whole number, found 'x'" in result.output
        )
        assert "Traceback" not in result.output
        zh = runner.invoke(main, ["--lang", "zh-TW", "_boom"])
        assert "儲存格 C5" in zh.output and "應為整數" in zh.output
    finally:
        main.commands.pop("_boom")
    assert isinstance(main, ExportkitGroup) and isinstance(main, click.Group)


def test_every_message_has_both_languages():
    from exportkit.i18n import _catalog

    for key, entry in _catalog().items():
        assert entry.get("zh-TW") and entry.get("en"), key


def test_usage_errors_speak_the_users_language(runner):
    zh = runner.invoke(main, ["--lang", "zh-TW", "markets", "--markets", "XX"])
    assert zh.exit_code == 2 and "不明的國家「XX」" in zh.output
    en = runner.invoke(main, ["markets", "--hs", "99999"])
    assert en.exit_code == 2 and "unknown HS code '99999'" in en.output
    assert "HS 代碼" in runner.invoke(main, ["--lang", "zh-TW", "markets", "--hs", "9"]).output


def test_workbook_problems_describe_what_was_found_in_chinese_too(tmp_path, runner):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("a,b\n1,2\n", encoding="utf-8")
    zh = runner.invoke(main, ["--lang", "zh-TW", "questionnaire", "validate", str(fake)])
    assert zh.exit_code == 1
    assert "實際為非 Excel 檔（以「a,b" in zh.output and "not an Excel file" not in zh.output
    en = runner.invoke(main, ["questionnaire", "validate", str(fake)])
    assert "found \"not an Excel file (text starting 'a,b" in en.output


def test_lang_is_shown_and_accepted_as_people_write_it(runner):
    assert "[zh-TW|en]" in runner.invoke(main, ["-h"]).output
    assert runner.invoke(main, ["--lang", "ZH-tw", "doctor"]).output.count("正常") >= 1
    bad = runner.invoke(main, ["--lang", "fr", "doctor"])
    assert bad.exit_code == 2 and "zh-TW" in bad.output


def test_a_command_run_in_process_leaves_the_signal_handlers_as_it_found_them(runner):
    import signal

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    result = runner.invoke(main, ["data", "status"])
    assert result.exit_code == 0, result.output
    assert {sig: signal.getsignal(sig) for sig in before} == before
