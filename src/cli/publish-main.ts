// Entry of `npm run publish`: wires process arguments, environment, a commit file or stdin to runPublish.
import { readFile } from 'node:fs/promises';
import { UsageError } from './connection-options.js';
import { runPublish } from './publish.js';
import { PUBLISH_USAGE, parseBodyText, parsePublishArgs } from './publish-options.js';

async function readSource(path: string): Promise<string> {
  if (path !== '-') {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      throw new UsageError(`--file: ${(err as Error).message}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<number> {
  let body: unknown;
  let options: ReturnType<typeof parsePublishArgs>;
  try {
    options = parsePublishArgs(process.argv.slice(2), process.env);
    if (options === null) {
      process.stdout.write(`${PUBLISH_USAGE}\n`);
      return 0;
    }
    const source = options.source;
    body = source.kind === 'body' ? source.body : parseBodyText(await readSource(source.path), source.path);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`publish: ${err.message}\n${PUBLISH_USAGE}\n`);
    return 2;
  }
  return runPublish(
    { connection: options.connection, body, idempotencyKey: options.idempotencyKey, json: options.json },
    {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    },
  );
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`publish: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
