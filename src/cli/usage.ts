// What `loupe --help` and `loupe help CMD` print, and which options each command takes: one table,
// so the help a command prints and the options it accepts cannot drift apart.

export interface CommandHelp {
  /** The command's lines of the overview, indented as they are printed. */
  text: string;
  /** Long option names the command accepts (besides --help). */
  options: string[];
}

const STORE = ['data-dir', 'db'];
const REMOTE = ['url', 'key'];

export const COMMANDS: Record<string, CommandHelp> = {
  serve: {
    options: ['host', 'port', 'grpc-port', ...STORE],
    text: `  serve                 Run the server (dashboard, API, OTLP/HTTP and OTLP/gRPC) on the embedded SQLite default
    --host HOST         Listen address (default 127.0.0.1)
    --port N            HTTP port, 0-65535 (default 4318, the OTLP/HTTP port; 0: any free port)
    --grpc-port N       OTLP/gRPC port, 0-65535 (default 4317)
    --data-dir DIR      Data directory (default ./data): the database and admin-key.txt
    --db URL            Database: postgres://… for PostgreSQL, or a SQLite file path or sqlite:// URL (or DATABASE_URL)
`,
  },
  keys: {
    options: ['project', 'scopes', 'name', ...STORE],
    text: `  keys create           Create an API key and print it (only the key, on stdout)
    --project NAME      Project (created if it does not exist)
    --scopes LIST       Comma-separated: ingest,read,admin (default ingest,read)
    --name TEXT         A label for the key
    --data-dir DIR | --db URL
  keys list             The keys (id, name, prefix, project, scopes, created, last used, revoked)
    --project NAME      Only this project's; with --data-dir DIR | --db URL
  keys revoke ID        Revoke a key: every server refuses it within a second (never a project's
                        last admin key); --project NAME | --data-dir DIR | --db URL
`,
  },
  demo: {
    options: ['traces', 'url', 'key', 'data-dir', 'seed'],
    text: `  demo                  Send generated traces to a running server
    --traces N          How many traces, 1-100000 (default 50)
    --url URL           Server (default http://127.0.0.1:4318)
    --key KEY           API key (default: the admin key in --data-dir)
    --data-dir DIR      Where the server's admin-key.txt is (default ./data)
    --seed N            Generate the same traces again (a whole number)
`,
  },
  export: {
    options: ['filter', 'project', ...STORE, ...REMOTE],
    text: `  export [FILTER=VALUE…]  Write matching traces as JSONL to stdout (filters as in GET /api/v1/traces,
                        e.g. status=error environment=production tag=a from=2025-01-01T00:00:00Z)
    --filter EXPR       A filter expression (docs/filters.md), e.g. 'kind = "llm" and durationMs > 1000'
    --project NAME      Project (default "default"); with --data-dir DIR | --db URL
    --url URL --key KEY Read from a running server instead of the database
`,
  },
  import: {
    options: ['project', ...STORE, ...REMOTE],
    text: `  import FILE.jsonl|-   Import an export file, line by line, through the native ingest path
    --project NAME | --data-dir DIR | --db URL | --url URL --key KEY
`,
  },
  prices: {
    options: ['project', ...STORE, ...REMOTE, 'model', 'input', 'output', 'cache-read', 'from'],
    text: `  prices list           The project's model prices (--model NAME: the price that applies to NAME)
  prices set            Override or add a price: --model PATTERN --input P --output P
                        [--cache-read P] [--from ISO]; P is USD per token, or per million as 2.5/1M
    --project NAME | --data-dir DIR | --db URL | --url URL --key KEY
`,
  },
  retention: {
    options: ['project', ...STORE, ...REMOTE, 'days'],
    text: `  retention get         The project's retention (days; none keeps everything)
  retention set         --days N|none: traces older than N days are deleted by the server's purge
    --project NAME      Project (default "default"); with --data-dir DIR | --db URL
    --url URL --key KEY Through a running server instead (the key's project, admin scope)
`,
  },
};

const FOOTER = `
loupe help CMD (or loupe CMD --help) shows one command. Docs: README.md and docs/*.md in the
checkout; a running server describes its HTTP API at /openapi.json (OpenAPI 3).
`;

export function overview(): string {
  return `Usage: loupe <command> [options]\n\nCommands:\n${Object.values(COMMANDS).map((c) => c.text).join('')}${FOOTER}`;
}

export function commandUsage(command: string): string {
  return `Usage: loupe ${command} [options]\n\n${COMMANDS[command].text}`;
}

export function isCommand(name: string): boolean {
  return Object.hasOwn(COMMANDS, name);
}
