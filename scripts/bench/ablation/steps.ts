/**
 * The ablation ladder of `npm run bench:ablation`: the relay as built, then copies of its build with one more
 * piece of a publish's work taken out at each step. Each step's patches are text replacements in the built
 * JavaScript (dist/), each of which must match exactly once: when the source changes under a patch, the run
 * stops and says which one no longer applies, rather than measuring a copy that was not changed.
 *
 * The steps only measure what a piece costs; none of them is a configuration the relay could run with.
 */

export interface Patch {
  /** Path under dist/. */
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

export interface AblationStep {
  /** Short name, used for the variant's directory and the JSON. */
  readonly name: string;
  /** What the step takes out, for the report. */
  readonly removes: string;
  readonly patches: readonly Patch[];
}

/** Cumulative: each step is applied on top of the ones before it. */
export const ABLATION_STEPS: readonly AblationStep[] = [
  {
    name: 'no-read-backs',
    removes:
      "the read-backs: the tail reader's XREAD of every event (for SSE) and the dispatcher's XREADGROUP and XACK (for webhooks)",
    patches: [
      {
        file: 'src/runtime/relay-service.js',
        find: '    await dispatcher.start();\n',
        replace: '    // ablation: no dispatcher\n',
      },
      {
        file: 'src/runtime/relay-service.js',
        find: '    tail.start();\n',
        replace: '    // ablation: no tail reader\n',
      },
    ],
  },
  {
    name: 'no-auth',
    removes:
      'authentication: reading the credentials, the key record and the secret check (every request gets the first request’s principal)',
    patches: [
      {
        file: 'src/http/middleware/authenticate.js',
        find: '    return function requireKey(ctx, next) {\n',
        replace:
          '    return function requireKey(ctx, next) {\n' +
          '        if (globalThis.ablationPrincipal) { ctx.state.principal = globalThis.ablationPrincipal; return next(); }\n',
      },
      {
        file: 'src/http/middleware/authenticate.js',
        find: '            ctx.state.principal = principal;\n',
        replace: '            ctx.state.principal = globalThis.ablationPrincipal = principal;\n',
      },
    ],
  },
  {
    name: 'no-request-context',
    removes:
      'the request context (request id, access metrics and log line) and the dashboard and console middleware that pass a publish on',
    patches: [
      {
        file: 'src/http/app.js',
        find: '    app.use(requestContext(deps.logger, deps.metrics));\n',
        replace: '    // ablation: no request context\n',
      },
      {
        file: 'src/http/app.js',
        find: '    app.use(dashboard(deps.deliveries.queue, deps.authenticator));\n',
        replace: '    // ablation: no dashboard middleware\n',
      },
      {
        file: 'src/http/app.js',
        find: '    app.use(liveConsole());\n',
        replace: '    // ablation: no console middleware\n',
      },
    ],
  },
];

/** `text` with the patch applied; throws unless its `find` occurs exactly once. */
export function applyPatch(text: string, patch: Patch): string {
  const at = text.indexOf(patch.find);
  if (at < 0 || text.indexOf(patch.find, at + 1) >= 0) {
    throw new Error(
      `ablation patch of ${patch.file} does not apply (${at < 0 ? 'not found' : 'found more than once'}): ${JSON.stringify(patch.find)}`,
    );
  }
  return text.slice(0, at) + patch.replace + text.slice(at + patch.find.length);
}
