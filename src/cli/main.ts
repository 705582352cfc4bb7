// `loupe serve | keys create|list|revoke | demo | export | import | prices | retention`: the command
// line. Each command lives in its own module; its help and the options it takes are in usage.ts.
import { intOption, parseCommandArgs, UsageError, USAGE_EXIT } from './args.js';
import { commandUsage, COMMANDS, isCommand, overview } from './usage.js';

const PORT = { min: 0, max: 65535 };

async function main(argv: string[]): Promise<number> {
  const [first, ...afterFirst] = argv;
  // `loupe`, `loupe --help`, `loupe help`, `loupe help CMD`: help asked for is not an error
  if (first === undefined || first === '--help' || first === '-h' || (first === 'help' && afterFirst.length === 0)) {
    process.stdout.write(overview());
    return 0;
  }
  if (first === 'help') {
    if (!isCommand(afterFirst[0])) throw new UsageError(`no command "${afterFirst[0]}"; the commands are ${Object.keys(COMMANDS).join(', ')}`);
    process.stdout.write(commandUsage(afterFirst[0]));
    return 0;
  }
  if (!isCommand(first)) {
    throw new UsageError(first.startsWith('-')
      ? `options come after a command (loupe <command> ${first} …); the commands are ${Object.keys(COMMANDS).join(', ')}`
      : `unknown command "${first}"; the commands are ${Object.keys(COMMANDS).join(', ')}`);
  }
  const command = first;
  const { values, positionals, help } = parseCommandArgs(command, afterFirst);
  if (help) {
    process.stdout.write(commandUsage(command));
    return 0;
  }
  const dataDir = values['data-dir'] ?? process.env.LOUPE_DATA_DIR ?? './data';
  const db = values.db ?? process.env.DATABASE_URL;
  switch (command) {
    case 'serve': {
      const { serve } = await import('./serve.js');
      return serve({
        host: values.host ?? process.env.LOUPE_HOST ?? '127.0.0.1',
        port: values.port !== undefined ? intOption(values.port, '--port', PORT, 4318, command) : intOption(process.env.LOUPE_PORT, 'LOUPE_PORT', PORT, 4318, command),
        grpcPort: values['grpc-port'] !== undefined
          ? intOption(values['grpc-port'], '--grpc-port', PORT, 4317, command)
          : intOption(process.env.LOUPE_GRPC_PORT, 'LOUPE_GRPC_PORT', PORT, 4317, command),
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
      return demo({
        traces: intOption(values.traces, '--traces', { min: 1, max: 100_000 }, 50, command),
        url: values.url ?? 'http://127.0.0.1:4318',
        key: values.key,
        dataDir,
        seed: values.seed === undefined ? undefined : intOption(values.seed, '--seed', { min: 0, max: 2 ** 32 - 1 }, 0, command),
      });
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
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      const help = e.command ? `loupe help ${e.command} lists its options` : 'loupe --help lists the commands';
      process.stderr.write(`loupe${e.command ? ` ${e.command}` : ''}: ${e.message}\n(${help})\n`);
      process.exitCode = USAGE_EXIT;
      return;
    }
    process.stderr.write(`loupe: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
