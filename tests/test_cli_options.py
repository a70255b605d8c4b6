"""`reclaim locker`'s command line: each action takes its own arguments; the locker and its
passphrase file may come before the action or after it, and options anywhere on the line."""

import io
from pathlib import Path

import pytest
from PIL import Image

from reclaim.cli import main
from reclaim.locker import Locker

from .lockers import copy_locker

PASSPHRASE = "command line passphrase"
ACTIONS = ("create", "add", "list", "timestamp", "key", "check", "repair")
ACTIONS += ("incident", "message", "recover", "delete")
# Each test's locker is a copy of one template, with the same passphrase and salt: its Argon2id
# key is derived once (tests/conftest.py), not once a command.


@pytest.fixture
def locker(tmp_path: Path) -> str:
    """A copy of the session's template locker (tests/lockers.py) for each test."""
    root = tmp_path / "locker"
    copy_locker(root, PASSPHRASE)
    return str(root)


@pytest.fixture
def secret(tmp_path: Path) -> str:
    path = tmp_path / "passphrase"
    path.write_text(PASSPHRASE + "\n")
    return str(path)


@pytest.fixture
def pictures(tmp_path: Path) -> tuple[str, str]:
    made = []
    for colour in ("teal", "orange"):
        path = tmp_path / f"{colour}.png"
        out = io.BytesIO()
        Image.new("RGB", (32, 24), colour).save(out, "PNG")
        path.write_bytes(out.getvalue())
        made.append(str(path))
    return made[0], made[1]


def names(locker: str) -> list[str]:
    return sorted(item.name for item in Locker.open(Path(locker), PASSPHRASE).items())


def line(template: list[str], **values: str) -> list[str]:
    return [values.get(word, word) for word in template]


@pytest.mark.parametrize(
    "template",
    [
        ["locker", "--locker", "L", "--passphrase-file", "S", "add", "A"],
        ["locker", "add", "A", "--locker", "L", "--passphrase-file", "S"],
        ["locker", "add", "--locker", "L", "A", "--passphrase-file", "S"],
        ["locker", "--passphrase-file", "S", "add", "A", "--locker", "L"],
        ["locker", "--locker", "L", "add", "--passphrase-file", "S", "A"],
        ["locker", "add", "L", "A", "--passphrase-file", "S"],  # the locker first, as before
    ],
    ids=["both-before", "both-after", "between", "split", "locker-before", "first-argument"],
)
def test_add_takes_the_locker_and_passphrase_before_or_after_the_action(
    template: list[str], locker: str, secret: str, pictures: tuple[str, str]
) -> None:
    assert main(line(template, L=locker, S=secret, A=pictures[0])) == 0
    assert names(locker) == ["teal.png"]


@pytest.mark.parametrize(
    "template",
    [
        ["locker", "add", "A", "--note", "from the chat", "B", "--locker", "L"],
        ["locker", "--locker", "L", "add", "A", "B", "--note", "from the chat"],
        ["locker", "add", "--note", "from the chat", "--locker", "L", "A", "B"],
    ],
)
def test_add_takes_its_files_with_options_between_them(
    template: list[str], locker: str, secret: str, pictures: tuple[str, str]
) -> None:
    arguments = line(template, L=locker, A=pictures[0], B=pictures[1])
    assert main([*arguments, "--passphrase-file", secret]) == 0
    assert names(locker) == ["orange.png", "teal.png"]
    notes = {item.note for item in Locker.open(Path(locker), PASSPHRASE).items()}
    assert notes == {"from the chat"}


@pytest.mark.parametrize("action", ["list", "timestamp", "key"])
@pytest.mark.parametrize(
    "template",
    [
        ["locker", "ACTION", "--locker", "L", "A"],
        ["locker", "--locker", "L", "ACTION", "A"],
        ["locker", "ACTION", "L", "A"],
    ],
    ids=["locker-after", "locker-before", "first-argument"],
)
def test_an_action_that_takes_no_files_refuses_one_with_its_own_usage(
    action: str,
    template: list[str],
    locker: str,
    secret: str,
    pictures: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    arguments = line(template, ACTION=action, L=locker, A=pictures[0])
    with pytest.raises(SystemExit) as stopped:
        main([*arguments, "--passphrase-file", secret])
    assert stopped.value.code == 2
    said = " ".join(capsys.readouterr().err.split())  # as argparse wraps it, on one line
    assert f"usage: reclaim locker {action} [-h] [--locker FOLDER]" in said
    assert f"reclaim locker {action}: error: unrecognized arguments: {pictures[0]}" in said
    assert names(locker) == [], "nothing was added"


def test_an_action_without_a_locker_says_how_to_name_it(
    secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["locker", "list", "--passphrase-file", secret])
    assert stopped.value.code == 2
    assert "say which locker with --locker FOLDER" in capsys.readouterr().err


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_help_lists_the_shared_options_and_only_its_own(
    action: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["locker", action, "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert f"usage: reclaim locker {action}" in shown
    assert "--locker FOLDER" in shown and "--passphrase-file FILE" in shown
    assert ("FILE [FILE ...]" in shown) == (action == "add")
    assert ("--note" in shown) == (action == "add")
    assert ("--timestamp-authority" in shown) == (action in ("create", "add", "timestamp"))
    assert ("--incident" in shown) == (action in ("add", "message"))
    assert ("--reason" in shown) == (action == "delete")


def test_reclaim_locker_help_says_the_shared_options_go_either_side(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["locker", "--help"])
    assert "before the action or after it" in " ".join(capsys.readouterr().out.split())
