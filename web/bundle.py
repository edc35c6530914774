"""One self-contained page from the browser client: its ES modules, style sheet and data inlined.

A page opened from ``file://`` loads no module scripts from files (browsers treat every file as its own
origin: whatwg/html#8121), so a snapshot cannot ``import`` its modules. :func:`bundle_modules` joins an
entry module and everything it imports into one classic-free module script: each module becomes a
function that returns its exports, run once in dependency order, and each ``import {a, b} from
"./x.js";`` becomes ``const {a, b} = <x's exports>;``. The modules must keep to the plain forms the
client uses: ``export function``, ``export class``, ``export const`` / ``let`` declarations, and named
imports from relative paths in ``web/static/``; anything else is refused here rather than bundled
wrong.

:func:`inline_page` puts that script, the style sheet and any data scripts into ``index.html`` (the
one page both the live view and a snapshot use), with ``</script`` and ``<!--`` escaped wherever text
is placed inside a script element.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

STATIC = Path(__file__).parent / "static"

_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"\./([\w.-]+\.js)";[ \t]*$', re.MULTILINE)
_EXPORT = re.compile(r"^export\s+(?:async\s+)?(function\*?|class|const|let)\s+([A-Za-z_$][\w$]*)", re.MULTILINE)
_OTHER_EXPORT = re.compile(r"^export\s+(?!(?:async\s+)?(?:function|class|const|let)\s)", re.MULTILINE)
_OTHER_IMPORT = re.compile(r"^import\b", re.MULTILINE)
_STYLE_LINK = '<link rel="stylesheet" href="static/helios.css">'
_CLIENT_SCRIPT = '<script type="module" src="static/client.js"></script>'


class BundleError(ValueError):
    """A module the bundler cannot join (an export or import form it does not handle, a cycle)."""


def _module_name(name: str) -> str:
    return "module_" + re.sub(r"\W", "_", name)


def _imports(source: str) -> list[tuple[str, str]]:
    return [(match.group(2), match.group(1)) for match in _IMPORT.finditer(source)]


def bundle_modules(entry: str, static: Path = STATIC) -> str:
    """The entry module (a file name in ``static``) and its imports as one module script's text."""
    order: list[str] = []
    sources: dict[str, str] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in trail:
            raise BundleError(f"{name}: import cycle {' -> '.join((*trail, name))}")
        if name in sources:
            return
        path = static / name
        if not path.is_file():
            raise BundleError(f"{trail[-1] if trail else name}: imports {name}, which is not in {static}")
        source = path.read_text(encoding="utf-8")
        sources[name] = source
        remaining = _IMPORT.sub("", source)
        if _OTHER_IMPORT.search(remaining):
            raise BundleError(f"{name}: only `import {{a, b}} from \"./x.js\";` lines can be bundled")
        if _OTHER_EXPORT.search(source):
            raise BundleError(f"{name}: only `export function|class|const|let NAME` can be bundled")
        for dependency, _ in _imports(source):
            visit(dependency, (*trail, name))
        order.append(name)

    visit(entry, ())
    parts = []
    for name in order:
        source = sources[name]
        exported = [match.group(2) for match in _EXPORT.finditer(source)]

        def imported(match: re.Match) -> str:
            names = ", ".join(_binding(part) for part in match.group(1).split(",") if part.strip())
            return f"const {{{names}}} = {_module_name(match.group(2))};"

        body = _IMPORT.sub(imported, source)
        body = re.sub(r"^export\s+", "", body, flags=re.MULTILINE)
        parts.append(f"// ---- {name}\nconst {_module_name(name)} = (() => {{\n{body}\n"
                     f"return {{{', '.join(exported)}}};\n}})();\n")
    return "\n".join(parts)


def _binding(part: str) -> str:
    """``a`` or ``a as b`` of an import list as a destructuring entry (``a`` or ``a: b``)."""
    words = part.split()
    if len(words) == 3 and words[1] == "as":
        return f"{words[0]}: {words[2]}"
    if len(words) != 1:
        raise BundleError(f"cannot bundle the import name {part.strip()!r}")
    return words[0]


def script_text(text: str) -> str:
    """``text`` made safe inside a ``<script>`` element: no ``</script`` or ``<!--`` can end or confuse it.

    In JavaScript and JSON a ``<`` only appears inside strings, regular expressions or comparisons; the
    replacements keep the meaning in strings (``\\u003c`` / ``<\\/``) — the client's sources hold
    neither sequence outside strings (checked by the bundle's test).
    """
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def inline_page(entry: str, data_scripts: dict[str, tuple[str, str]], title: str,
                body_class: str = "", static: Path = STATIC) -> str:
    """``index.html`` with the style sheet inlined, ``entry`` bundled in place of the live client, and
    ``data_scripts`` (element id -> (type, text)) placed before it.

    Raises
    ------
    BundleError
        If ``index.html`` no longer holds the style link or the client script this replaces.
    """
    page = (static / "index.html").read_text(encoding="utf-8")
    for needed in (_STYLE_LINK, _CLIENT_SCRIPT, "<title>Helios</title>", "<body>"):
        if needed not in page:
            raise BundleError(f"index.html has no {needed}: the snapshot page cannot be made from it")
    style = (static / "helios.css").read_text(encoding="utf-8").replace("</style", "<\\/style")
    data = "".join(f'<script type="{kind}" id="{element_id}">{script_text(text)}</script>\n'
                   for element_id, (kind, text) in data_scripts.items())
    script = f'{data}<script type="module">\n{script_text(bundle_modules(entry, static))}</script>'
    page = page.replace(_STYLE_LINK, f"<style>\n{style}</style>")
    page = page.replace("<title>Helios</title>", f"<title>{html.escape(title)}</title>")
    page = page.replace("<body>", f'<body class="{html.escape(body_class)}">' if body_class else "<body>")
    return page.replace(_CLIENT_SCRIPT, script)
