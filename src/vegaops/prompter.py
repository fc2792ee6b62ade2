"""Questions to the operator, behind an interface so tests can script the answers.

The real implementation imports questionary only when a question is asked. Under
``--no-input`` (or without a terminal) every question is an exit-2 error that names the
option that answers it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from vegaops.errors import Interrupted, UsageError


class Prompter(Protocol):
    def confirm(self, message: str, default: bool = False, option: str = "--yes") -> bool: ...

    def text(self, message: str, default: str | None = None, option: str | None = None) -> str: ...

    def secret(self, message: str, option: str | None = None, confirm: bool = True) -> str: ...

    def select(
        self, message: str, choices: Sequence[str], default: str | None = None, option: str | None = None
    ) -> str: ...

    def checkbox(
        self, message: str, choices: Sequence[str], checked: Sequence[str] = (), option: str | None = None
    ) -> list[str]: ...


def _refuse(message: str, option: str | None) -> UsageError:
    fix = f"pass {option}, or run it in a terminal" if option else "run it in a terminal"
    return UsageError(f"input needed but not allowed (--no-input or no terminal): {message}", hint=fix)


class NoInputPrompter:
    """Answers nothing: every question becomes an exit-2 error naming the option to pass."""

    def confirm(self, message: str, default: bool = False, option: str = "--yes") -> bool:
        raise _refuse(message, option)

    def text(self, message: str, default: str | None = None, option: str | None = None) -> str:
        raise _refuse(message, option)

    def secret(self, message: str, option: str | None = None, confirm: bool = True) -> str:
        raise _refuse(message, option)

    def select(
        self, message: str, choices: Sequence[str], default: str | None = None, option: str | None = None
    ) -> str:
        raise _refuse(message, option)

    def checkbox(
        self, message: str, choices: Sequence[str], checked: Sequence[str] = (), option: str | None = None
    ) -> list[str]:
        raise _refuse(message, option)


def _ask(question: object) -> object:
    answer = question.unsafe_ask()  # type: ignore[attr-defined]
    return answer


class QuestionaryPrompter:
    """Interactive prompts on the terminal (stderr-facing); Ctrl-C becomes exit 130.

    ``say`` writes the prompter's own lines (an answer to try again) on stderr: ``ctx.output.say``.
    """

    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say

    def _run(self, build: object) -> object:
        try:
            return _ask(build)
        except KeyboardInterrupt as exc:
            raise Interrupted("interrupted at a prompt; nothing was changed") from exc

    def confirm(self, message: str, default: bool = False, option: str = "--yes") -> bool:
        import questionary

        # auto_enter=False: "y" only selects the answer and Enter gives it, so a natural "y<Enter>" never
        # leaves an Enter behind to answer the next question with its default.
        return bool(self._run(questionary.confirm(message, default=default, auto_enter=False)))

    def text(self, message: str, default: str | None = None, option: str | None = None) -> str:
        import questionary

        # The default is shown, never pre-filled: typing 900 gives 900 (a pre-filled "600" made it 600900);
        # Enter on the empty line takes the default.
        shown = f"(default: {default})" if default else None
        answer = str(self._run(questionary.text(message, instruction=shown)))
        return answer if answer.strip() else (default or "")

    def secret(self, message: str, option: str | None = None, confirm: bool = True) -> str:
        import questionary

        while True:
            first = str(self._run(questionary.password(message)))
            if not first:
                self._say("the value is empty; try again")
                continue
            if not confirm:
                return first
            second = str(self._run(questionary.password("Again, to confirm:")))
            if first == second:
                return first
            self._say("the two entries differ; try again")

    def select(
        self, message: str, choices: Sequence[str], default: str | None = None, option: str | None = None
    ) -> str:
        import questionary

        return str(
            self._run(
                questionary.select(
                    message,
                    choices=list(choices),
                    default=default,
                    use_search_filter=len(choices) > 10,
                    use_jk_keys=len(choices) <= 10,
                )
            )
        )

    def checkbox(
        self, message: str, choices: Sequence[str], checked: Sequence[str] = (), option: str | None = None
    ) -> list[str]:
        import questionary

        items = [questionary.Choice(c, checked=c in checked) for c in choices]
        answer = self._run(questionary.checkbox(message, choices=items))
        return [str(a) for a in answer] if isinstance(answer, list) else []


class ScriptedPrompter:
    """Test double: answers come from a list, in order; asking more than scripted is a failure."""

    def __init__(self, answers: Sequence[object]) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    def _next(self, message: str) -> object:
        self.asked.append(message)
        if not self.answers:
            raise AssertionError(f"unscripted question: {message}")
        answer = self.answers.pop(0)
        if answer is KeyboardInterrupt:
            raise Interrupted("interrupted at a prompt; nothing was changed")
        return answer

    def confirm(self, message: str, default: bool = False, option: str = "--yes") -> bool:
        return bool(self._next(message))

    def text(self, message: str, default: str | None = None, option: str | None = None) -> str:
        return str(self._next(message))

    def secret(self, message: str, option: str | None = None, confirm: bool = True) -> str:
        return str(self._next(message))

    def select(
        self, message: str, choices: Sequence[str], default: str | None = None, option: str | None = None
    ) -> str:
        return str(self._next(message))

    def checkbox(
        self, message: str, choices: Sequence[str], checked: Sequence[str] = (), option: str | None = None
    ) -> list[str]:
        answer = self._next(message)
        return [str(a) for a in answer] if isinstance(answer, list) else []
