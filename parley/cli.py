"""The command-line face: ``parley serve``, ``parley ask``, ``parley chat`` and admin commands.

Every command finds its state in ``PARLEY_HOME`` (default: a per-user directory) and
every admin command takes ``--json`` for machine-readable output.
"""

from __future__ import annotations

import atexit
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from parley.errors import InvalidInput, ParleyError

# A help screen must appear at once: the core (store, engine, sources) and the terminal
# renderer are imported inside the commands that use them, never here.
if TYPE_CHECKING:
    from collections.abc import Iterator

    from rich.console import Console

    from parley.conversations.installation import Parley
    from parley.conversations.service import Conversations
    from parley.conversations.views import ConversationRef, Turn
    from parley.engine.events import Answer, Event

# Plain help (rich_markup_mode=None): rendering it with rich would import rich's markdown
# and table machinery, a third of a help screen's start-up.
app = typer.Typer(
    help="Parley: talk to your data.",
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
)
source_app = typer.Typer(
    help="Connect and inspect data sources.", no_args_is_help=True, rich_markup_mode=None
)
app_app = typer.Typer(
    help="Applications: a named thing to talk to, over a source.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
key_app = typer.Typer(
    help="API keys of the organisation.", no_args_is_help=True, rich_markup_mode=None
)
ontology_app = typer.Typer(
    help="The semantic layer of a source, as YAML.", no_args_is_help=True, rich_markup_mode=None
)
token_app = typer.Typer(
    help="JWTs for the Workbench API.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(source_app, name="source")
app.add_typer(app_app, name="app")
app.add_typer(key_app, name="key")
app.add_typer(ontology_app, name="ontology")
app.add_typer(token_app, name="token")


class _LazyConsole:
    """A rich console made on first use: importing rich costs more than a help screen."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def real(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


console: Console = _LazyConsole(stderr=False)  # type: ignore[assignment]
errors: Console = _LazyConsole(stderr=True)  # type: ignore[assignment]


def _real(lazy: Console) -> Console:
    """The rich console behind a lazy one, for rich code that checks what it is given."""
    return lazy.real if isinstance(lazy, _LazyConsole) else lazy


# The embedded demo application's name (the installation's DEMO_NAME), kept here as text so
# that a help screen does not import the installation.
DEMO_NAME = "demo"

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
AppOption = Annotated[str, typer.Option("--app", help="The application to ask.")]
ChartOption = Annotated[
    Path | None, typer.Option("--chart", help="Write the chart to a .png or .svg file.")
]
ConversationOption = Annotated[
    str | None, typer.Option("--conversation", help="Continue this conversation.")
]


def _open(*, json_output: bool = False) -> Parley:
    from rich.markup import escape

    from parley.config import Settings
    from parley.conversations.installation import Parley
    from parley.terminal import progress_bar

    try:
        settings = Settings.from_env()
        bar = progress_bar(_real(errors), enabled=not json_output and errors.is_terminal)
        with bar as progress:
            parley = Parley.open(settings=settings, progress=progress, migrate=None)
    except ParleyError as error:
        _fail(error, json_output)
        raise
    atexit.register(parley.close)
    if parley.initial_api_key:
        # Shown once, like a notebook token: only its hash is stored.
        errors.print(
            f"[bold]First start[/bold] in {escape(str(settings.home))}. "
            "Admin API key (shown once, keep it):\n"
            f"  {parley.initial_api_key}"
        )
    return parley


def _fail(error: ParleyError, json_output: bool) -> None:
    from rich.markup import escape

    from parley.terminal import dumps

    if json_output:
        print(dumps({"error": {"code": error.code, "message": error.message}}))
    else:
        # Messages name what the user typed; "[/x]" in it is text, not markup.
        errors.print(f"[red]Error:[/red] {escape(error.message)}", highlight=False)
    raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (they share the store and limiter).")
    ] = 1,
) -> None:
    """Start the HTTP server (all API faces) on the embedded default."""
    import uvicorn

    from parley.api.app import create_app
    from parley.api.observability import logging_config

    parley = _open()
    settings = parley.settings
    console.print(
        f"Parley is serving on http://{host}:{port} (home: {settings.home})", markup=False
    )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": logging_config(settings.log_level, settings.log_format),
        "log_level": settings.log_level.lower(),
    }
    if workers == 1:
        uvicorn.run(create_app(parley), **options)
        return
    # Each worker opens its own installation from the same settings; this process only
    # did the first start (and its migration, on the embedded default) for them.
    parley.close()
    uvicorn.run("parley.api.app:app_from_environment", factory=True, workers=workers, **options)


@app.command()
def migrate(json_output: JsonOption = False) -> None:
    """Bring the store's schema up to date (run it before starting a new version)."""
    from parley.config import Settings
    from parley.conversations.installation import Parley

    try:
        before, after = Parley.migrate_store(Settings.from_env())
    except ParleyError as error:
        _fail(error, json_output)
        return
    text = (
        f"The store is at revision {after}."
        if before == after
        else f"Migrated the store from revision {before or '(empty)'} to {after}."
    )
    _emit(json_output, {"from": before, "to": after}, text)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    application: AppOption = "demo",
    json_output: JsonOption = False,
    chart: ChartOption = None,
    conversation: ConversationOption = None,
) -> None:
    """Ask one question and print the answer, SQL, table, chart type and insights."""
    from parley.conversations.service import collect
    from parley.terminal import answer_json, dumps

    parley = _open(json_output=json_output)
    try:
        if chart is not None and chart.suffix.lower() not in {".png", ".svg"}:
            suffix = chart.suffix or "nothing"
            raise InvalidInput(f"--chart must end in .png or .svg, not {suffix!r}")
        door = parley.conversations
        ref = door.open(parley.principal, face=FACE, app=application, conversation_id=conversation)
        events = door.turn(ref, question)
        turn = collect(events) if json_output else _print_events(events)
    except ParleyError as error:
        _fail(error, json_output)
        return
    answer = turn.answer
    if chart is not None:
        _write_chart(answer, chart, json_output)
    if json_output:
        print(
            dumps(
                answer_json(
                    answer,
                    conversation_id=turn.conversation_id,
                    message_id=turn.assistant_message_id,
                )
            )
        )
    else:
        _say_conversation(turn.conversation_id)
    if answer.error_code:
        # The turn failed and its text says why; a script sees it in the exit status.
        raise typer.Exit(1)


FACE = "cli"


def _print_events(events: Iterator[Event]) -> Turn:
    """Print a turn as its events arrive: the text as it comes, the rest once stored."""
    from parley.conversations.service import collect
    from parley.engine.events import TextDelta
    from parley.terminal import render_answer

    streamed = False

    def printing(events: Iterator[Event]) -> Iterator[Event]:
        nonlocal streamed
        for event in events:
            if isinstance(event, TextDelta):
                console.print(event.text, end="", soft_wrap=True, markup=False, highlight=False)
                streamed = True
            yield event

    turn = collect(printing(events))
    if streamed:
        console.print()
    render_answer(console, turn.answer, text=not streamed)
    return turn


def _say_conversation(conversation_id: str) -> None:
    errors.print(f"Conversation {conversation_id} (continue it with --conversation)", markup=False)


def _write_chart(answer: Answer, path: Path, json_output: bool) -> None:
    from parley.chart_image import render_chart

    if answer.chart is None:
        errors.print("No chart to write: this answer has no data to draw.")
        return
    if answer.chart.type == "table":
        errors.print("No chart to write: this answer is best read as a table.")
        return
    try:
        image_format: Literal["png", "svg"] = "png" if path.suffix.lower() == ".png" else "svg"
        path.write_bytes(render_chart(answer.chart, image_format))
    except ParleyError as error:
        _fail(error, json_output)
    if not json_output:
        errors.print(f"Chart written to {path}", markup=False)


@app.command()
def chat(application: AppOption = DEMO_NAME) -> None:
    """Hold a conversation in the terminal. Commands: /sql, /chart TYPE, /history, /new, /quit."""
    from rich.markup import escape

    parley = _open()
    door = parley.conversations
    ref: ConversationRef | None = None
    last: Answer | None = None
    console.print("Ask a question about your data (/help for commands, /quit to leave).")
    while True:
        try:
            line = console.input("[bold cyan]you>[/bold cyan] ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if not line:
            continue
        events: Iterator[Event] | None = None
        try:
            if line.startswith("/"):
                command, _, argument = line[1:].partition(" ")
                if command in {"quit", "exit", "q"}:
                    return
                if command == "chart" and argument and ref is not None:
                    events = door.change_chart(ref, argument.strip())
                else:
                    if command == "new":
                        ref, last = None, None
                    _chat_command(door, ref, last, command, argument)
                    continue
            else:
                if ref is None:
                    ref = door.open(parley.principal, face=FACE, app=application)
                events = door.turn(ref, line)
            last = _print_events(events).answer
        except ParleyError as error:
            errors.print(f"[red]Error:[/red] {escape(error.message)}", highlight=False)


def _chat_command(
    door: Conversations, ref: ConversationRef | None, last: Answer | None, command: str, arg: str
) -> None:
    from rich.markup import escape

    if command == "new":
        console.print("Started a new conversation.")
    elif command == "sql":
        console.print(last.sql if last and last.sql else "No SQL yet.", markup=False)
    elif command == "chart":
        if arg:
            console.print("No result to chart yet.")
            return
        chart_type = last.chart.type if last and last.chart else None
        console.print(f"Chart: {chart_type}" if chart_type else "No chart yet.")
    elif command == "history":
        if ref is None:
            console.print("Nothing asked yet.")
            return
        for message in door.history(ref).items:
            who = "you" if message.role == "user" else "parley"
            console.print(f"[bold]{who}[/bold] {escape(message.text)}", soft_wrap=True)
    else:
        console.print(
            "/sql  the last SQL\n/chart \\[type]  the chart, or change it\n"
            "/history  this conversation\n/new  a new conversation\n/quit"
        )


def _emit(json_output: bool, data: Any, text: str) -> None:
    from parley.terminal import dumps

    # Plain print, not rich: lists stay tab-separated for ``cut`` and long paths unwrapped.
    print(dumps(data) if json_output else text)


@source_app.command("add")
def source_add(
    url: Annotated[
        str,
        typer.Argument(help="SQLAlchemy URL: duckdb:///f.duckdb, postgresql://..., mysql://..."),
    ],
    name: Annotated[str, typer.Option("--name", help="Name of the source.")],
    json_output: JsonOption = False,
) -> None:
    """Connect a database (the connection is tested) and derive its ontology."""
    from parley.terminal import progress_bar

    parley = _open(json_output=json_output)
    try:
        bar = progress_bar(_real(errors), enabled=not json_output and errors.is_terminal)
        with bar as progress:
            info = parley.add_source(url, name=name, progress=progress)
    except ParleyError as error:
        _fail(error, json_output)
        return
    _emit(
        json_output,
        {
            "id": info.id,
            "name": info.name,
            "dialect": info.dialect,
            "tables": info.tables,
            "url": info.url,
            "warnings": list(info.warnings),
        },
        f"Added source {info.name} ({info.dialect}, {info.tables} tables).",
    )
    for warning in info.warnings:
        errors.print(
            f"Warning: {warning}. Parley only reads, but a read-only login is safer: "
            "see docs/security.md.",
            markup=False,
        )


@source_app.command("list")
def source_list(json_output: JsonOption = False) -> None:
    """List the sources (connection URLs shown without passwords)."""
    parley = _open(json_output=json_output)
    sources = parley.list_sources()
    data = [
        {"id": s.id, "name": s.name, "dialect": s.dialect, "tables": s.tables, "url": s.url}
        for s in sources
    ]
    _emit(
        json_output,
        data,
        "\n".join(f"{s.name}\t{s.dialect}\t{s.tables} tables\t{s.url}" for s in sources),
    )


@source_app.command("refresh")
def source_refresh(name: str, json_output: JsonOption = False) -> None:
    """Introspect a source again; edits made to its ontology are kept."""
    parley = _open(json_output=json_output)
    try:
        ontology = parley.refresh_source(name)
    except ParleyError as error:
        _fail(error, json_output)
        return
    _emit(
        json_output,
        {"name": name, "objects": len(ontology.objects), "metrics": len(ontology.metrics)},
        f"Refreshed {name}: {len(ontology.objects)} objects, {len(ontology.metrics)} metrics.",
    )


@source_app.command("rekey")
def source_rekey(json_output: JsonOption = False) -> None:
    """Encrypt every stored credential again with PARLEY_SECRET_KEY (after a rotation)."""
    parley = _open(json_output=json_output)
    try:
        count = parley.rekey_sources()
    except ParleyError as error:
        _fail(error, json_output)
        return
    _emit(json_output, {"sources": count}, f"Encrypted {count} source credential(s) again.")


@app_app.command("create")
def app_create(
    name: Annotated[str, typer.Option("--name", help="Name of the application.")],
    source: Annotated[str, typer.Option("--source", help="The source it talks to.")],
    description: Annotated[str, typer.Option(help="What it is for.")] = "",
    json_output: JsonOption = False,
) -> None:
    """Create an application over a source."""
    parley = _open(json_output=json_output)
    try:
        app_id = parley.create_application(name, source=source, description=description)
    except ParleyError as error:
        _fail(error, json_output)
        return
    _emit(
        json_output, {"id": app_id, "name": name, "source": source}, f"Created application {name}."
    )


@app_app.command("list")
def app_list(json_output: JsonOption = False) -> None:
    """List the applications."""
    parley = _open(json_output=json_output)
    items = parley.conversations.applications(parley.principal).items
    data = [{"id": a.id, "name": a.name, "description": a.description} for a in items]
    _emit(json_output, data, "\n".join(f"{a['name']}\t{a['description']}" for a in data))


@key_app.command("create")
def key_create(
    name: Annotated[str, typer.Option(help="What the key is for.")] = "cli",
    json_output: JsonOption = False,
) -> None:
    """Create an API key; it is shown once and stored hashed."""
    parley = _open(json_output=json_output)
    plaintext, key_id = parley.create_api_key(name)
    data = {"id": key_id, "name": name, "key": plaintext}
    _emit(json_output, data, f"API key {name} (shown once, keep it):\n  {plaintext}")


@key_app.command("list")
def key_list(json_output: JsonOption = False) -> None:
    """List API keys (their prefixes only)."""
    parley = _open(json_output=json_output)
    data = parley.list_api_keys()
    _emit(json_output, data, "\n".join(f"{k['id']}\t{k['name']}\t{k['prefix']}…" for k in data))


@ontology_app.command("export")
def ontology_export(
    source: Annotated[str, typer.Argument(help="The source whose ontology to export.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
) -> None:
    """Print (or write) the ontology of a source as YAML."""
    parley = _open()
    try:
        text = parley.export_ontology(source)
    except ParleyError as error:
        _fail(error, False)
        return
    if output:
        output.write_text(text, encoding="utf-8")
        errors.print(f"Ontology of {source} written to {output}", markup=False)
    else:
        sys.stdout.write(text)


@ontology_app.command("import")
def ontology_import(
    source: Annotated[str, typer.Argument(help="The source whose ontology to replace.")],
    file: Annotated[Path, typer.Argument(help="A YAML file from 'parley ontology export'.")],
    json_output: JsonOption = False,
) -> None:
    """Load an edited ontology; the edits survive later re-introspection."""
    parley = _open(json_output=json_output)
    try:
        ontology = parley.import_ontology(source, file.read_text(encoding="utf-8"))
    except ParleyError as error:
        _fail(error, json_output)
        return
    except OSError as error:
        _fail(InvalidInput(f"cannot read {file}: {error.strerror}"), json_output)
        return
    counts = {"objects": len(ontology.objects), "metrics": len(ontology.metrics)}
    _emit(
        json_output,
        {"source": source, **counts},
        f"Imported the ontology of {source}: {counts['objects']} objects, "
        f"{counts['metrics']} metrics.",
    )


@token_app.command("create")
def token_create(
    tenant: Annotated[str, typer.Option("--tenant", help="Organisation name (claim tenant_id).")],
    user: Annotated[str, typer.Option("--user", help="The user (claim sub).")],
    ttl: Annotated[int | None, typer.Option("--ttl", help="Lifetime in seconds.")] = None,
    json_output: JsonOption = False,
) -> None:
    """Print a Workbench JWT signed with the configured key (PARLEY_JWT_*)."""
    from parley.auth.workbench_tokens import token_service
    from parley.config import Settings
    from parley.terminal import dumps

    try:
        service = token_service(Settings.from_env())
        token = service.issue(tenant_id=tenant, user_id=user, ttl_s=ttl)
    except ParleyError as error:
        _fail(error, json_output)
        return
    except ValueError as error:
        _fail(InvalidInput(str(error)), json_output)
        return
    expires_in = service.config.default_ttl_s if ttl is None else ttl
    if json_output:
        print(
            dumps(
                {
                    "token": token,
                    "tenant_id": tenant,
                    "user_id": user,
                    "expires_in": expires_in,
                    "algorithm": service.config.algorithm,
                }
            )
        )
    else:
        print(token)


@token_app.command("keygen")
def token_keygen(
    out: Annotated[Path, typer.Option("--out", help="Directory for private.pem and public.pem.")],
    json_output: JsonOption = False,
) -> None:
    """Write a new RS256 key pair (private key mode 0600); existing files are kept."""
    import os

    from parley.auth.tokens import generate_rsa_keypair

    # Absolute: the printed exports must work from whatever directory the server starts in.
    out = out.expanduser().resolve()
    private_path, public_path = out / "private.pem", out / "public.pem"
    existing = [str(p) for p in (private_path, public_path) if p.exists()]
    if existing:
        _fail(InvalidInput(f"refusing to overwrite {', '.join(existing)}"), json_output)
        return
    private_pem, public_pem = generate_rsa_keypair()
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(private_pem)
    public_path.write_text(public_pem, encoding="ascii")
    _emit(
        json_output,
        {"private_key": str(private_path), "public_key": str(public_path)},
        f"Wrote {private_path} and {public_path}.\nUse them with:\n"
        f"  export PARLEY_JWT_PRIVATE_KEY={private_path}\n"
        f"  export PARLEY_JWT_PUBLIC_KEY={public_path}",
    )


# --- channels: public bot endpoints of an application ----------------------------------

channel_app = typer.Typer(
    help="Channels: public bot endpoints of an application, each with its secret key.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(channel_app, name="channel")
ChannelArgument = Annotated[str, typer.Argument(help="The channel id (chan_...).")]


@channel_app.command("create")
def channel_create(
    application: Annotated[str, typer.Option("--app", help="The application it answers for.")],
    name: Annotated[str, typer.Option("--name", help="What the channel is for.")] = "",
    json_output: JsonOption = False,
) -> None:
    """Create a channel; its secret key is shown once and stored hashed."""
    parley = _open(json_output=json_output)
    try:
        channel_id, secret = parley.create_channel(application, name=name)
    except ParleyError as error:
        _fail(error, json_output)
        return
    _emit(
        json_output,
        {"id": channel_id, "app": application, "secret": secret},
        f"Channel {channel_id} on {application}.\n"
        f"Secret key (shown once, keep it; send it as X-API-Secret-Key):\n  {secret}",
    )


@channel_app.command("list")
def channel_list(json_output: JsonOption = False) -> None:
    """List channels (their secret's prefix only)."""
    parley = _open(json_output=json_output)
    data = parley.list_channels()
    _emit(
        json_output,
        data,
        "\n".join(
            f"{c['id']}\t{c['application']}\t{c['prefix']}…\t"
            f"{'enabled' if c['enabled'] else 'disabled'}"
            for c in data
        ),
    )


def _set_channel(channel_id: str, enabled: bool, json_output: bool) -> None:
    parley = _open(json_output=json_output)
    try:
        parley.set_channel_enabled(channel_id, enabled)
    except ParleyError as error:
        _fail(error, json_output)
        return
    state = "enabled" if enabled else "disabled"
    _emit(json_output, {"id": channel_id, "enabled": enabled}, f"Channel {channel_id} {state}.")


@channel_app.command("disable")
def channel_disable(channel_id: ChannelArgument, json_output: JsonOption = False) -> None:
    """Disable a channel: every call to it answers 404 until it is enabled again."""
    _set_channel(channel_id, False, json_output)


@channel_app.command("enable")
def channel_enable(channel_id: ChannelArgument, json_output: JsonOption = False) -> None:
    """Enable a disabled channel again (with the same secret key)."""
    _set_channel(channel_id, True, json_output)


# -- administration: organisations, revoking keys, deleting sources and applications ----

org_app = typer.Typer(
    help="Organisations (tenants, partners).", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(org_app, name="org")
ForceOption = Annotated[
    bool, typer.Option("--force", help="Also delete the spaces and channels that use it.")
]
OrgOption = Annotated[
    str | None, typer.Option("--org", help="The organisation it belongs to (default: default).")
]


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Argument(help="Name of the organisation.")],
    json_output: JsonOption = False,
) -> None:
    """Create an organisation and its admin API key (shown once, stored hashed)."""
    parley = _open(json_output=json_output)
    try:
        org_id, plaintext, key_id = parley.create_organization(name)
    except ParleyError as error:
        _fail(error, json_output)
        return
    _emit(
        json_output,
        {"id": org_id, "name": name, "api_key": {"id": key_id, "key": plaintext}},
        f"Created organisation {name} ({org_id}). Admin API key (shown once, keep it):\n"
        f"  {plaintext}",
    )


@org_app.command("frame-ancestors")
def org_frame_ancestors(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            help="The sites that may show the embed page in a frame: https://host[:port], "
            "https://*.domain, self, or none alone. None given: print the list.",
            show_default=False,
        ),
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Back to the default: self.")] = False,
    org: OrgOption = None,
    json_output: JsonOption = False,
) -> None:
    """Print or set the sites that may frame the organisation's embed page (/embed)."""
    from parley.auth.principal import Principal

    parley = _open(json_output=json_output)
    try:
        if sources and reset:
            raise InvalidInput("name sites or --reset, not both")
        organization_id = parley.organization_named(org)
        if sources or reset:
            admin = Principal(organization_id, "cli", "parley org", role="admin")
            listed = parley.embedded.set_frame_ancestors(admin, None if reset else sources)
        else:
            listed = parley.embedded.frame_ancestors(organization_id)
    except ParleyError as error:
        _fail(error, json_output)
        return
    _emit(
        json_output,
        {"organization": org or "default", "frame_ancestors": list(listed)},
        f"The embed page of {org or 'default'} may be framed by: {' '.join(listed)}",
    )


@key_app.command("revoke")
def key_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (see 'parley key list').")],
    json_output: JsonOption = False,
) -> None:
    """Revoke an API key: requests carrying it are refused from now on."""
    parley = _open(json_output=json_output)
    try:
        data = parley.revoke_api_key(key_id)
    except ParleyError as error:
        _fail(error, json_output)
        return
    _emit(json_output, data, f"Revoked API key {data['name']} ({key_id}).")


@source_app.command("delete")
def source_delete(
    name: Annotated[str, typer.Argument(help="The source to delete.")],
    force: ForceOption = False,
    org: OrgOption = None,
    json_output: JsonOption = False,
) -> None:
    """Delete a source; refused while applications or spaces use it, unless --force."""
    parley = _open(json_output=json_output)
    try:
        data = parley.delete_source(
            name, force=force, organization_id=parley.organization_named(org)
        )
    except ParleyError as error:
        _fail(error, json_output)
        return
    _emit(json_output, data, f"Deleted source {name}{_also(data)}.")


@app_app.command("delete")
def app_delete(
    name: Annotated[str, typer.Argument(help="The application to delete.")],
    force: ForceOption = False,
    org: OrgOption = None,
    json_output: JsonOption = False,
) -> None:
    """Delete an application and its conversations; refused while a space or channel uses
    it, unless --force."""
    parley = _open(json_output=json_output)
    try:
        data = parley.delete_application(
            name, force=force, organization_id=parley.organization_named(org)
        )
    except ParleyError as error:
        _fail(error, json_output)
        return
    _emit(json_output, data, f"Deleted application {name}{_also(data)}.")


def _also(data: dict[str, object]) -> str:
    parts = [
        f"{len(items)} {what}"
        for key, what in (
            ("deleted_applications", "application(s)"),
            ("deleted_spaces", "space(s)"),
            ("deleted_channels", "channel(s)"),
        )
        if isinstance(items := data.get(key), list) and items
    ]
    return f" with {', '.join(parts)}" if parts else ""


TeachReadingOption = Annotated[
    str | None,
    typer.Option(
        "--reading",
        help="The SemanticQuery it should have, as JSON or YAML ('@file' reads a file).",
    ),
]
TeachSqlOption = Annotated[
    str | None, typer.Option("--sql", help="The SQL it should run ('@file' reads a file).")
]


def _add_teach_commands() -> None:
    """``parley teach``: questions saved with the answer they should have, and metrics."""
    teach_app = typer.Typer(
        help="Teach Parley: questions with the reading or SQL they should have, and metrics.",
        no_args_is_help=True,
    )
    app.add_typer(teach_app, name="teach")

    def text_of(value: str | None, json_output: bool) -> str | None:
        if value is None or not value.startswith("@"):
            return value
        try:
            return Path(value[1:]).read_text(encoding="utf-8")
        except OSError as error:
            _fail(InvalidInput(f"cannot read {value[1:]}: {error.strerror}"), json_output)
            raise AssertionError("unreachable") from None

    def said(view: Any) -> str:
        return f"Taught {view.id} ({view.kind}) on {view.application}: {view.question}"

    @teach_app.command("question")
    def teach_question(
        question: Annotated[str, typer.Argument(help="The question, as people ask it.")],
        reading: TeachReadingOption = None,
        sql: TeachSqlOption = None,
        application: AppOption = DEMO_NAME,
        json_output: JsonOption = False,
    ) -> None:
        """Save a question with the reading or SQL it should have; later questions of the
        same shape (other values, numbers, dates, synonyms) reuse it."""
        parley = _open(json_output=json_output)
        try:
            view = parley.teaching.teach(
                parley.principal,
                application,
                question,
                reading=text_of(reading, json_output),
                sql=text_of(sql, json_output),
            )
        except ParleyError as error:
            _fail(error, json_output)
            return
        _emit(json_output, view.as_dict(), said(view))

    @teach_app.command("answer")
    def teach_answer(
        message_id: Annotated[str, typer.Argument(help="The id of an answer (msg_...).")],
        reading: TeachReadingOption = None,
        sql: TeachSqlOption = None,
        json_output: JsonOption = False,
    ) -> None:
        """Teach the question an answer replied to: with the corrected reading or SQL, or
        with neither to keep the answer as it is."""
        parley = _open(json_output=json_output)
        try:
            view = parley.teaching.teach_answer(
                parley.principal,
                message_id,
                reading=text_of(reading, json_output),
                sql=text_of(sql, json_output),
            )
        except ParleyError as error:
            _fail(error, json_output)
            return
        _emit(json_output, view.as_dict(), said(view))

    @teach_app.command("list")
    def teach_list(application: AppOption = DEMO_NAME, json_output: JsonOption = False) -> None:
        """The taught questions of an application, oldest first."""
        parley = _open(json_output=json_output)
        try:
            views = parley.teaching.taught(parley.principal, application)
        except ParleyError as error:
            _fail(error, json_output)
            return
        _emit(
            json_output,
            [v.as_dict() for v in views],
            "\n".join(f"{v.id}\t{v.kind}\t{v.question}" for v in views) or "Nothing taught yet.",
        )

    @teach_app.command("forget")
    def teach_forget(
        taught_id: Annotated[str, typer.Argument(help="The id of a taught question (tq_...).")],
        json_output: JsonOption = False,
    ) -> None:
        """Forget a taught question."""
        parley = _open(json_output=json_output)
        try:
            parley.teaching.forget(parley.principal, taught_id)
        except ParleyError as error:
            _fail(error, json_output)
            return
        _emit(json_output, {"id": taught_id, "forgotten": True}, f"Forgot {taught_id}.")

    @teach_app.command("metric")
    def teach_metric(
        name: Annotated[str, typer.Argument(help="The metric's name, e.g. active_customers.")],
        object_name: Annotated[
            str, typer.Option("--object", help="The table whose rows it aggregates.")
        ],
        expression: Annotated[
            str,
            typer.Option("--expression", help="An aggregate over its columns, e.g. SUM(amount)."),
        ],
        label: Annotated[str, typer.Option("--label", help="Its name in words.")] = "",
        synonym: Annotated[
            list[str] | None, typer.Option("--synonym", help="Another word for it (repeatable).")
        ] = None,
        application: AppOption = DEMO_NAME,
        json_output: JsonOption = False,
    ) -> None:
        """Define a business metric ("active customers means ..."): every question can use
        it from then on, and the ontology export carries it."""
        parley = _open(json_output=json_output)
        try:
            metric = parley.teaching.define_metric(
                parley.principal,
                application,
                name=name,
                expression=expression,
                object_name=object_name,
                label=label,
                synonyms=synonym or [],
            )
        except ParleyError as error:
            _fail(error, json_output)
            return
        _emit(
            json_output,
            metric.model_dump(mode="json"),
            f"Metric {metric.name} ({metric.label}) = {metric.expression} on {metric.object}.",
        )

    @teach_app.command("filter")
    def teach_filter(
        name: Annotated[str, typer.Argument(help="The definition's name, e.g. active_customers.")],
        object_name: Annotated[
            str, typer.Option("--object", help="The table whose rows it keeps.")
        ],
        condition: Annotated[
            str,
            typer.Option(
                "--condition", help="A SQL condition on its columns (subqueries allowed)."
            ),
        ],
        label: Annotated[
            str, typer.Option("--label", help="The words people use, e.g. 'active customer'.")
        ] = "",
        synonym: Annotated[
            list[str] | None, typer.Option("--synonym", help="Other words for it (repeatable).")
        ] = None,
        description: Annotated[
            str, typer.Option("--description", help="What it means, in words.")
        ] = "",
        application: AppOption = DEMO_NAME,
        json_output: JsonOption = False,
    ) -> None:
        """Define a kind of row ("active customer means ordered in the last 90 days"):
        every question naming it gets its condition, and the ontology export carries it."""
        parley = _open(json_output=json_output)
        try:
            named = parley.teaching.define_filter(
                parley.principal,
                application,
                name=name,
                condition=condition,
                object_name=object_name,
                label=label,
                synonyms=synonym or [],
                description=description,
            )
        except ParleyError as error:
            _fail(error, json_output)
            return
        _emit(
            json_output,
            named.model_dump(mode="json"),
            f"Definition {named.name}: {named.label!r} = {named.condition} on {named.object}.",
        )


_add_teach_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
