"""The ``kuvert`` command: serve, check, migrate, backup/restore, demo data, teams, users,
tokens, export/import.

What it tells the person at the terminal is Danish, marked for the catalogue, and said
in the language of ``KUVERT_LANG`` (``da`` unless it says ``en``); so is ``--help``,
argparse's headings included (its error messages stay English). ``kuvert check``'s
findings stay Danish whatever it says: they name settings for the operations staff, in
the words docs/drift.md uses (issue 13).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from tqdm import tqdm

from app import accounts, admin, cases, demo, i18n, retention, transfer
from app import models as m
from app.auth import SYSTEM
from app.backup import backup, restore
from app.checks import check, load_settings
from app.config import ROOT, get_settings
from app.db import Database
from app.errors import N_, ServiceError
from app.graph.errors import words
from app.observability import log_config
from app.populate import populate


def _(template: str, /, **params: object) -> str:
    """A line for whoever runs the command: the Danish ``template`` (a catalogue msgid)
    said in the language ``KUVERT_LANG`` names, filled with ``params``."""
    return words(i18n.gettext(template), params)


def language() -> i18n.Lang:
    """The language of the command's output: the setting ``lang`` (``KUVERT_LANG``).

    Read leniently, like ``kuvert check`` reads the settings: a configuration with a
    problem elsewhere must still be told about in the language asked for, and one that
    cannot be read at all is told about in Danish.
    """
    settings, _found = load_settings()
    return settings.lang if settings is not None else "da"


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    url = url or get_settings().database_url
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "head")


def _database() -> Database:
    return Database(get_settings().database_url)


def _cmd_migrate(_args: argparse.Namespace) -> None:
    migrate()
    print(_("Databasen er opdateret til nyeste version."))


def _cmd_demo(_args: argparse.Namespace) -> None:
    db = _database()
    with db.session() as session:
        result = demo.load_demo(session)
    db.dispose()
    if result.created_cases:
        print(_("Demodata indlæst: %(cases)s", cases=", ".join(result.created_cases)))
    else:
        print(_("Demodata var allerede indlæst."))
    if result.token:
        path = get_settings().demo_token_file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result.token + "\n")
        os.chmod(path, 0o600)
        print(_("API-token til team demo (gemt i %(path)s): %(token)s", path=path,
                token=result.token))


def _cmd_check(args: argparse.Namespace) -> None:
    problems = _problems(args.workers)
    if problems:
        raise SystemExit(1)
    print("Konfigurationen er klar til drift.")  # Danish always, as every check line


def _problems(workers: int | None) -> list[str]:
    """Print each problem of the configuration on its own line (stderr); return them."""
    settings, problems = load_settings()
    if settings is not None:
        problems = check(settings, workers=workers)
    lines = [str(p) for p in problems]
    for line in lines:
        print(line, file=sys.stderr)
    return lines


WORKER_PING_SECONDS = 30


def serve_options(workers: int = 1) -> dict[str, Any]:
    """How ``kuvert serve`` runs uvicorn; ``bench/bare.py`` serves its bare app the same way.

    httptools and uvloop (``uvicorn[standard]``) when installed, else uvicorn's own
    pure-Python parser and asyncio's loop.
    """
    import importlib.util

    def has(module: str) -> bool:
        return importlib.util.find_spec(module) is not None

    return {"http": "httptools" if has("httptools") else "h11",
            "loop": "uvloop" if has("uvloop") else "asyncio",
            "proxy_headers": False, "workers": workers,
            # Kuvert writes its own access lines (app.web.request_id), with the request id.
            "access_log": False,
            # uvicorn's supervisor kills a worker that does not answer its ping within this
            # (5 s by default). A worker starved of CPU on a busy host, or still importing
            # the app, is not hung, and killing it loses the requests it is answering.
            "timeout_worker_healthcheck": WORKER_PING_SECONDS}


def _cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    settings, _found = load_settings()
    in_production = settings is None or settings.environment == "production"
    if in_production and _problems(args.workers):
        print(_("Kuvert starter ikke: ret konfigurationen (se `kuvert check`)."),
              file=sys.stderr)
        raise SystemExit(1)
    settings = get_settings()
    # An import string, so that every worker process builds its own app. Live updates
    # reach browsers on other workers only through PostgreSQL (LISTEN/NOTIFY); on SQLite
    # each worker tells only its own browsers.
    uvicorn.run("app.main:serve_app", factory=True, host=settings.host,
                port=args.port or settings.port,
                log_config=log_config(settings.log_format),
                **serve_options(args.workers or settings.workers))


def _cmd_backup(args: argparse.Namespace) -> None:
    target = Path(args.file)
    backup(get_settings().database_url, target)
    print(_("Sikkerhedskopi skrevet til %(file)s", file=target))


def _cmd_restore(args: argparse.Namespace) -> None:
    if not args.yes:
        raise ServiceError(N_("Gendannelse erstatter alle data i databasen. Stop Kuvert, og "
                              "kør igen med --yes."))
    restore(get_settings().database_url, Path(args.file))
    print(_("Databasen er gendannet fra %(file)s. Kør `kuvert migrate`, før Kuvert startes.",
            file=args.file))


def _cmd_team_create(args: argparse.Namespace) -> None:
    db = _database()
    with db.session() as session:
        team = accounts.create_team(session, args.name)
        print(_("Team oprettet: %(name)s (id %(id)s)", name=team.name, id=team.id))


def _cmd_user_create(args: argparse.Namespace) -> None:
    password = args.password
    if password is None:
        password = getpass.getpass(_("Adgangskode: "))
        if getpass.getpass(_("Gentag adgangskode: ")) != password:
            raise ServiceError(N_("De to adgangskoder er ikke ens."))
    db = _database()
    with db.session() as session:
        # The admin pages' rules; the audit entry names the system (who ran it is the OS's).
        user = accounts.create_user(session, args.username, password, args.team, args.role)
        print(_("Bruger oprettet: %(name)s (%(role)s i %(team)s)", name=user.username,
                role=args.role, team=args.team))
        if args.site_admin:
            admin.set_site_admin(session, SYSTEM, user.username, True)
            print(_("%(name)s er nu også webstedsadministrator (ser log uden team).",
                    name=user.username))


def _cmd_user_site_admin(args: argparse.Namespace) -> None:
    db = _database()
    with db.session() as session:
        user = admin.set_site_admin(session, SYSTEM, args.username, not args.off)
        if user.site_admin:
            print(_("%(name)s er nu webstedsadministrator (ser log uden team).",
                    name=user.username))
        else:
            print(_("%(name)s er ikke længere webstedsadministrator (ser log uden team).",
                    name=user.username))


def _cmd_token_create(args: argparse.Namespace) -> None:
    db = _database()
    with db.session() as session:
        token = accounts.create_token(session, args.team, args.scope, args.name)
    print(_("Gem tokenet nu; det kan ikke vises igen."))
    print(_("Token (%(scope)s, team %(team)s): %(token)s", scope=args.scope, team=args.team,
            token=token))


ROWS, CASES = N_("rækker"), N_("forløb")


def _bar(total: int, unit: str = ROWS) -> tqdm[Any]:
    """A progress bar on the terminal (none when output goes to a file or a pipe)."""
    return tqdm(total=total, unit=_(unit), disable=None, file=sys.stderr)


def _cmd_export(args: argparse.Namespace) -> None:
    db = _database()
    to_file = args.output not in (None, "-")
    path = Path(args.output) if to_file else None
    # Into a file beside the target first, renamed into place when complete: an
    # interrupted export never leaves a truncated backup under the real name.
    partial = path.with_name(f".{path.name}.partial") if path is not None else None
    try:
        with db.session() as session, _bar(transfer.row_count(session)) as bar:
            if partial is None:
                transfer.write_export(session, sys.stdout, bar.update)
            else:
                with open(partial, "w", encoding="utf-8", opener=_private) as out:
                    transfer.write_export(session, out, bar.update)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(partial, path)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        if partial is not None:
            partial.unlink(missing_ok=True)
        print(_("Afbrudt: ingen eksport er skrevet."), file=sys.stderr)
        raise SystemExit(130) from None
    if path is not None:
        print(_("Eksporteret til %(file)s", file=path), file=sys.stderr)


def _private(path: str, flags: int) -> int:
    """Exports hold personal data: readable by their owner only, from the first byte."""
    return os.open(path, flags, 0o600)


def _cmd_import(args: argparse.Namespace) -> None:
    raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    data = transfer.read_export(raw)  # refuses what is not an export, nested JSON too
    db = _database()
    try:
        with db.session() as session, _bar(transfer.rows_in(data)) as bar:
            counts = transfer.import_all(session, data, bar.update)
    except KeyboardInterrupt:
        print(_("Afbrudt: intet er indlæst (databasen er som før)."), file=sys.stderr)
        raise SystemExit(130) from None
    print(_("Indlæst: %(counts)s", counts=", ".join(f"{k} {v}" for k, v in counts.items())))


def _cmd_purge(args: argparse.Namespace) -> None:
    settings = get_settings()
    db = _database()
    with db.session() as session:
        audit_gone = retention.purge_audit(session, settings)
        stale = retention.purge_closed_cases(session, settings, apply=args.apply)
    db.dispose()
    print(_("Logposter ældre end %(days)s dage slettet: %(n)s",
            days=settings.audit_retention_days, n=audit_gone))
    ids = ", ".join(str(s.case_id) for s in stale) or _("ingen")
    if args.apply:
        print(_("Lukkede forløb slettet: %(n)s (%(ids)s)", n=len(stale), ids=ids))
    else:
        print(_("Lukkede forløb der ville blive slettet: %(n)s (%(ids)s). "
                "Kør med --apply for at slette dem.", n=len(stale), ids=ids))


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(_("skal være mindst 1"))
    return number


def _cmd_populate(args: argparse.Namespace) -> None:
    import time

    db = _database()
    started = time.perf_counter()
    with _bar(args.cases, CASES) as bar:
        result = populate(db.engine, args.cases, args.team or ["bench"], seed=args.seed,
                          progress=bar.update)
    db.dispose()
    took = time.perf_counter() - started
    if result.interrupted:
        print(_("Afbrudt: %(done)s af %(asked)s forløb blev skrevet "
                "(den halve portion er rullet tilbage).", done=result.cases, asked=args.cases),
              file=sys.stderr)
        raise SystemExit(130)
    print(_("%(n)s forløb skrevet på %(took)s s (prototype 1/2/3: %(p1)s/%(p2)s/%(p3)s).",
            n=result.cases, took=f"{took:.1f}", p1=result.by_prototype[1],
            p2=result.by_prototype[2], p3=result.by_prototype[3]))


def _cmd_reclassify(args: argparse.Namespace) -> None:
    from sqlalchemy import func, select

    db = _database()
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(m.Case)) or 0
        with _bar(total, CASES) as bar:
            try:
                changed = cases.recount_all(session, args.batch, progress=bar.update)
            except KeyboardInterrupt:
                bar.close()
                print(_("Afbrudt efter %(done)s af %(total)s forløb; de færdige portioner er "
                        "gemt. Kør kommandoen igen for at gøre den færdig.", done=bar.n,
                        total=total), file=sys.stderr)
                raise SystemExit(130) from None
    db.dispose()
    print(_("%(total)s forløb talt om; %(changed)s havde forkerte tal og er rettet.",
            total=total, changed=changed))


# argparse's own words (it has no Danish), said like every other text of the command.
USAGE, POSITIONALS, OPTIONS, HELP = (N_("brug: "), N_("positionelle argumenter"),
                                     N_("tilvalg"), N_("vis denne hjælp og afslut"))


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[argparse._MutuallyExclusiveGroup],
                  prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, _(USAGE) if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """A parser whose help is said in the language of ``KUVERT_LANG``, its headings and
    ``-h`` too; the subcommands' parsers are of this class as well. argparse's error
    messages stay its own (English)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(formatter_class=_Formatter, add_help=False, **kwargs)
        self._positionals.title = _(POSITIONALS)
        self._optionals.title = _(OPTIONS)
        self.add_argument("-h", "--help", action="help", help=_(HELP))


def parser() -> argparse.ArgumentParser:
    """The command line, its help in the current language (:data:`app.i18n.current`)."""
    p = _Parser(prog="kuvert", description=_("Den digitale Kuvertmodel."))
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help=_("opdatér databasen")).set_defaults(func=_cmd_migrate)
    sub.add_parser("demo", help=_("indlæs demodata (kan køres flere gange)")).set_defaults(
        func=_cmd_demo)
    serve = sub.add_parser("serve", help=_("start webserveren"))
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=_positive,
                       help=_("antal processer (standard KUVERT_WORKERS; live-opdateringer "
                              "går kun på tværs af processer med PostgreSQL)"))
    serve.set_defaults(func=_cmd_serve)
    chk = sub.add_parser("check", help=_("afvis en konfiguration, der er usikker i drift"))
    chk.add_argument("--workers", type=_positive,
                     help=_("antal processer (standard KUVERT_WORKERS)"))
    chk.set_defaults(func=_cmd_check)
    bak = sub.add_parser("backup", help=_("sikkerhedskopiér databasen, mens Kuvert kører"))
    bak.add_argument("file", help=_("filen kopien skrives til"))
    bak.set_defaults(func=_cmd_backup)
    res = sub.add_parser("restore",
                         help=_("gendan databasen fra en sikkerhedskopi (stop Kuvert)"))
    res.add_argument("file", help=_("sikkerhedskopien"))
    res.add_argument("--yes", action="store_true", help=_("ja, erstat alle data i databasen"))
    res.set_defaults(func=_cmd_restore)

    team = sub.add_parser("team", help=_("teams")).add_subparsers(dest="action", required=True)
    team_create = team.add_parser("create", help=_("opret et team"))
    team_create.add_argument("name")
    team_create.set_defaults(func=_cmd_team_create)

    user = sub.add_parser("user", help=_("brugere")).add_subparsers(dest="action",
                                                                    required=True)
    user_create = user.add_parser("create", help=_("opret en bruger"))
    user_create.add_argument("--team", required=True)
    user_create.add_argument("--username", required=True)
    user_create.add_argument("--password", help=_("udelades: der spørges"))
    user_create.add_argument("--role", required=True, choices=accounts.ROLES)
    user_create.add_argument("--site-admin", action="store_true",
                             help=_("må også se log uden team (fx mislykkede logins)"))
    user_create.set_defaults(func=_cmd_user_create)
    user_site = user.add_parser(
        "site-admin", help=_("gør en bruger til webstedsadministrator (ser log uden team)"))
    user_site.add_argument("--username", required=True)
    user_site.add_argument("--off", action="store_true", help=_("fjern rollen igen"))
    user_site.set_defaults(func=_cmd_user_site_admin)

    token = sub.add_parser("token", help=_("API-tokens")).add_subparsers(dest="action",
                                                                         required=True)
    token_create = token.add_parser("create", help=_("opret et API-token"))
    token_create.add_argument("--team", required=True)
    token_create.add_argument("--scope", required=True, choices=accounts.SCOPES)
    token_create.add_argument("--name", default="api")
    token_create.set_defaults(func=_cmd_token_create)

    export = sub.add_parser("export", help=_("eksportér alle data som JSON"))
    export.add_argument("--output", "-o", help=_("fil (standard: standard output)"))
    export.set_defaults(func=_cmd_export)
    purge = sub.add_parser("purge", help=_("slet gamle logposter og udløbne lukkede forløb"))
    purge.add_argument("--apply", action="store_true",
                       help=_("slet for alvor (uden: vis kun hvad der ville blive slettet)"))
    purge.set_defaults(func=_cmd_purge)
    pop = sub.add_parser("populate",
                         help=_("fyld databasen med mange opdigtede forløb (benchmark)"))
    pop.add_argument("--cases", type=int, default=100_000, help=_("antal (standard 100000)"))
    pop.add_argument("--team", action="append",
                     help=_("team der ejer dem; kan gives flere gange (standard: bench)"))
    pop.add_argument("--seed", type=int, default=1, help=_("samme frø giver samme forløb"))
    pop.set_defaults(func=_cmd_populate)
    recl = sub.add_parser("reclassify", help=_("tæl faggrupper og sektorer om for alle forløb"))
    recl.add_argument("--batch", type=int, default=1000, help=_("forløb pr. transaktion"))
    recl.set_defaults(func=_cmd_reclassify)
    imp = sub.add_parser("import", help=_("indlæs en eksport i en tom database"))
    imp.add_argument("file", help=_("fil, eller - for standard input"))
    imp.set_defaults(func=_cmd_import)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    told = i18n.current.set(language())  # before the parser: its help is said in it
    try:
        args = parser().parse_args(argv)
        args.func(args)
    except ServiceError as exc:
        print(_("Fejl: %(message)s", message=i18n.say(exc)), file=sys.stderr)
        return 1
    finally:
        i18n.current.reset(told)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
