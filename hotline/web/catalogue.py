"""The compiled translation catalogues (hotline/locale/*/LC_MESSAGES/*.mo) are built here from the
committed .po files with Babel, not committed: `make catalogue` (which `make demo`, `serve`,
`pytest` and `pytest-pg` depend on) and `hotline demo` / `hotline serve` call
``catalogues_compile``, which rebuilds a .mo only when it is missing or older than its .po.

Pure Python (Babel), so no gettext tools are needed on the machine."""

from __future__ import annotations

from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


class CatalogueError(Exception):
    """A .po file that cannot be compiled (an untranslated or fuzzy entry, or a bad format)."""


def catalogues_compile(*, locale_dir: Path = LOCALE_DIR, force: bool = False) -> list[Path]:
    """Compile each stale .po under ``locale_dir`` to its .mo; the .mo files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parent.parent.name)
        errors = [
            f"{po}: {message.id!r}: {error}"
            for message, problems in catalogue.check()
            for error in problems
        ]
        if errors:
            raise CatalogueError("\n".join(errors))
        partial = mo.with_suffix(".mo.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalogue, use_fuzzy=False)
        partial.replace(mo)
        written.append(mo)
    return written


def main() -> None:
    for mo in catalogues_compile():
        print(f"compiled {mo}")


if __name__ == "__main__":
    main()
