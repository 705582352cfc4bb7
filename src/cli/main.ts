// `loupe serve | keys create|list|revoke | demo | export | import | prices | retention`: the command line. Each command lives in its own module.
import { parseArgs } from 'node:util';

const USAGE = `Usage: loupe <command> [options]

Commands:
  serve                 Run the server (API, OTLP/HTTP) on the embedded SQLite default
    --host HOST         Listen address (default 127.0.0.1)
    --port N            HTTP port (default 4318, the OTLP/HTTP port)
    --grpc-port N       OTLP/gRPC port (default 4317)
    --data-dir DIR      Data directory (default ./data)
    --db URL            Database: postgres://… for PostgreSQL, or a SQLite file path or sqlite:// URL (or DATABASE_URL)
  keys create           Create an API key and print it (only the key, on stdout)
    --project NAME      Project (created if it does not exist)
    --scopes LIST       Comma-separated: ingest,read,admin (default ingest,read)
    --name TEXT         A label for the key
    --data-dir DIR | --db URL
  keys list             The keys (id, name, prefix, project, scopes, created, last used, revoked)
    --project NAME      Only this project's; with --data-dir DIR | --db URL
  keys revoke ID        Revoke a key: every server refuses it within a second (never a project's
                        last admin key); --project NAME | --data-dir DIR | --db URL
  demo                  Send generated traces to a running server
    --traces N          How many traces (default 50)
    --url URL           Server (default http://127.0.0.1:4318)
    --key KEY           API key (default: the admin key in --data-dir)
    --data-dir DIR
  export [FILTER=VALUE…]  Write matching traces as JSONL to stdout (filters as in GET /api/v1/traces,
                        e.g. status=error environment=production tag=a from=2025-01-01T00:00:00Z)
    --filter EXPR       A filter expression (docs/filters.md), e.g. 'kind = "llm" and durationMs > 1000'
    --project NAME      Project (default "default"); with --data-dir DIR | --db URL
    --url URL --key KEY Read from a running server instead of the database
  import FILE.jsonl|-   Import an export file, line by line, through the native ingest path
    --project NAME | --data-dir DIR | --db URL | --url URL --key KEY
  prices list           The project's model prices (--model NAME: the price that applies to NAME)
  prices set            Override or add a price: --model PATTERN --input P --output P
                        [--cache-read P] [--from ISO]; P is USD per token, or per million as 2.5/1M
    --project NAME | --data-dir DIR | --db URL | --url URL --key KEY
  retention get         The project's retention (days; none keeps everything)
  retention set         --days N|none: traces older than N days are deleted by the server's purge
    --project NAME      Project (default "default"); with --data-dir DIR | --db URL
    --url URL --key KEY Through a running server instead (the key's project, admin scope)
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'grpc-port': { type: 'string' },
      'data-dir': { type: 'string' },
      db: { type: 'string' },
      project: { type: 'string' },
      scopes: { type: 'string' },
      name: { type: 'string' },
      traces: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      seed: { type: 'string' },
      filter: { type: 'string' },
      model: { type: 'string' },
      input: { type: 'string' },
      output: { type: 'string' },
      'cache-read': { type: 'string' },
      from: { type: 'string' },
      days: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (!command || values.help || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  const dataDir = values['data-dir'] ?? process.env.LOUPE_DATA_DIR ?? './data';
  const db = values.db ?? process.env.DATABASE_URL;
  switch (command) {
    case 'serve': {
      const { serve } = await import('./serve.js');
      return serve({
        host: values.host ?? process.env.LOUPE_HOST ?? '127.0.0.1',
        port: Number(values.port ?? process.env.LOUPE_PORT ?? 4318),
        grpcPort: Number(values['grpc-port'] ?? process.env.LOUPE_GRPC_PORT ?? 4317),
        dataDir,
        dbUrl: db,
      });
    }
    case 'keys': {
      const { keys } = await import('./keys.js');
      return keys(positionals, { dataDir, dbUrl: db, project: values.project, scopes: values.scopes, name: values.name });
    }
    case 'demo': {
      const { demo } = await import('./demo.js');
      return demo({ traces: Number(values.traces ?? 50), url: values.url ?? 'http://127.0.0.1:4318', key: values.key, dataDir, seed: values.seed ? Number(values.seed) : undefined });
    }
    case 'export': {
      const { exportCommand } = await import('./export.js');
      return exportCommand(values.filter ? [...positionals, `filter=${values.filter}`] : positionals, { dataDir, dbUrl: db, project: values.project, url: values.url, key: values.key });
    }
    case 'import': {
      const { importCommand } = await import('./import.js');
      return importCommand(positionals, { dataDir, dbUrl: db, project: values.project, url: values.url, key: values.key });
    }
    case 'prices': {
      const { pricesCommand } = await import('./prices.js');
      return pricesCommand(positionals, {
        dataDir, dbUrl: db, project: values.project, url: values.url, key: values.key,
        model: values.model, input: values.input, output: values.output, cacheRead: values['cache-read'], from: values.from,
      });
    }
    case 'retention': {
      const { retentionCommand } = await import('./retention.js');
      return retentionCommand(positionals, { dataDir, dbUrl: db, project: values.project, days: values.days, url: values.url, key: values.key });
    }
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`loupe: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
