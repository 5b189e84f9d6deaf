"""Shell completion scripts (`<cli> completion bash|zsh|fish`), written from the generated
object table: commands, object names, `object/variant` forms for create, and the flags."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

SHELLS = ("bash", "zsh", "fish")
COMMANDS = ("get", "query", "create", "update", "delete", "describe", "apply", "snapshot", "completion")
GLOBAL_VALUED = ("--url", "--api-key", "--user", "--password")
GLOBAL_FLAGS = ("--url", "--api-key", "--user", "--password", "-k", "--insecure", "--debug", "--no-color", "--json")
COMMAND_FLAGS = {
    "get": ("--fields",),
    "query": ("--where", "--fields", "--sort", "--limit"),
    "create": ("--field", "--file", "--stdin"),
    "update": ("--field", "--file", "--stdin"),
    "delete": ("--ids", "--stdin"),
    "apply": ("--file", "--stdin", "--dry-run", "--continue-on-error", "--progress", "--quiet"),
    "snapshot": ("--output", "--no-destroys", "--include-secrets", "--allow-unresolved", "--quiet"),
}


def _words(objects: Sequence[Any], singletons: Collection[str]) -> tuple[list[str], list[str]]:
    """Every object's name, and what `create` takes: no singleton (it always exists), and a
    multi-variant object only as `object/variant`."""
    names = [o.command for o in objects]
    made = [o for o in objects if o.name not in singletons]
    creatable = [f"{o.command}/{v}" for o in made for v in o.variants] + [o.command for o in made if not o.variants]
    return names, creatable


def _ident(program: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in program)


def completion_script(shell: str, program: str, objects: Sequence[Any], singletons: Collection[str] = ()) -> str:
    names, creatable = _words(objects, singletons)
    flags = " ".join(GLOBAL_FLAGS)
    if shell == "bash":
        func = f"_{_ident(program)}"
        valued = "|".join(GLOBAL_VALUED)  # a global flag's value is no command
        cases = "\n".join(f"        {c}) extra={' '.join(COMMAND_FLAGS.get(c, ()))!r} ;;" for c in COMMANDS)
        return f"""# bash completion for {program}: eval "$({program} completion bash)"
{func}() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} cmd="" i extra=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${{COMP_WORDS[i]}} in {valued}) ((i++)) ;; -*) ;; *) cmd=${{COMP_WORDS[i]}}; break ;; esac
    done
    case $cmd in
{cases}
    esac
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "{" ".join(COMMANDS)} {flags} --version --help" -- "$cur"))
    elif [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "{flags} $extra" -- "$cur"))
    elif [[ $cmd == create ]]; then
        COMPREPLY=($(compgen -W "{" ".join(creatable)}" -- "$cur"))
    elif [[ $cmd == completion ]]; then
        COMPREPLY=($(compgen -W "{" ".join(SHELLS)}" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "{" ".join(names)}" -- "$cur"))
    fi
}}
complete -F {func} {program}
"""
    if shell == "zsh":
        func = f"_{_ident(program)}"
        return f"""#compdef {program}
# zsh completion for {program}: {program} completion zsh > "${{fpath[1]}}/_{program}"
{func}() {{
    local -a commands objects creatable
    commands=({" ".join(COMMANDS)})
    objects=({" ".join(names)})
    creatable=({" ".join(creatable)})
    local cmd=${{words[(r)({"|".join(COMMANDS)})]}}
    if [[ $PREFIX == -* ]]; then
        compadd -- {flags} {" ".join(sorted({f for fs in COMMAND_FLAGS.values() for f in fs}))}
    elif [[ -z $cmd ]]; then
        compadd -a commands
    elif [[ $cmd == create ]]; then
        compadd -a creatable
    elif [[ $cmd == completion ]]; then
        compadd -- {" ".join(SHELLS)}
    else
        compadd -a objects
    fi
}}
compdef {func} {program}
"""
    if shell == "fish":
        lines = [f"# fish completion for {program}: {program} completion fish | source"]
        lines.append(f"complete -c {program} -f")
        commands = " ".join(COMMANDS)
        lines.append(f'complete -c {program} -n "not __fish_seen_subcommand_from {commands}" -a "{commands}"')
        for flag in GLOBAL_FLAGS:
            option = f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}"
            lines.append(f"complete -c {program} {option}")
        for command, command_flags in COMMAND_FLAGS.items():
            for flag in command_flags:
                lines.append(f'complete -c {program} -n "__fish_seen_subcommand_from {command}" -l {flag[2:]}')
        plain = "get query update delete describe snapshot"
        lines.append(f'complete -c {program} -n "__fish_seen_subcommand_from {plain}" -a "{" ".join(names)}"')
        lines.append(f'complete -c {program} -n "__fish_seen_subcommand_from create" -a "{" ".join(creatable)}"')
        lines.append(f'complete -c {program} -n "__fish_seen_subcommand_from completion" -a "{" ".join(SHELLS)}"')
        return "\n".join(lines) + "\n"
    raise ValueError(f"no completion for shell {shell!r}")
