// Entry of `npm run tail`: wires process arguments, environment, stdout/stderr and signals to runTail.
import { UsageError } from './connection-options.js';
import { runTail } from './tail.js';
import { parseTailArgs, TAIL_USAGE } from './tail-options.js';

async function main(): Promise<number> {
  let options: ReturnType<typeof parseTailArgs>;
  try {
    options = parseTailArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`tail: ${err.message}\n${TAIL_USAGE}\n`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(`${TAIL_USAGE}\n`);
    return 0;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  // `npm run tail | head`: the reader went away, which ends the tail like a signal
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stop.abort();
  });
  return runTail(options, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    signal: stop.signal,
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tail: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
