/**
 * Small readers for the container files, enough for the checks in test/unit/dockerfile.test.ts: a Dockerfile
 * as stages of instructions, and the subset of YAML docker-compose.yml is written in. Both throw on what they
 * do not understand rather than guess.
 */

export interface Instruction {
  /** Upper case: FROM, RUN, COPY… */
  readonly keyword: string;
  /** Leading `--name=value` options (`--from=build`, `--interval=10s`). */
  readonly flags: Readonly<Record<string, string>>;
  /** The rest, continuation lines joined with a space. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
  /** The comment lines right above it (without `#`). */
  readonly comments: readonly string[];
}

export interface Stage {
  readonly from: Instruction;
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** Splits a Dockerfile into stages (each starting at a FROM) of instructions. */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  let comments: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const trimmed = (lines[i] ?? '').trim();
    if (trimmed === '') {
      comments = [];
      continue;
    }
    if (trimmed.startsWith('#')) {
      comments.push(trimmed.replace(/^#\s?/, ''));
      continue;
    }
    const start = i;
    let body = trimmed;
    while (body.endsWith('\\')) {
      body = body.slice(0, -1).trimEnd();
      i += 1;
      if (i >= lines.length) throw new Error(`line ${start + 1}: continuation at end of file`);
      const next = (lines[i] ?? '').trim();
      if (!next.startsWith('#')) body = `${body} ${next}`;
    }
    const match = /^([A-Za-z]+)\s*(.*)$/.exec(body);
    if (!match) throw new Error(`line ${start + 1}: not an instruction: ${body}`);
    let rest = match[2] ?? '';
    const flags: Record<string, string> = {};
    for (let flag = /^--([a-z-]+)=(\S+)\s*/.exec(rest); flag; flag = /^--([a-z-]+)=(\S+)\s*/.exec(rest)) {
      flags[flag[1] as string] = flag[2] as string;
      rest = rest.slice(flag[0].length);
    }
    instructions.push({
      keyword: (match[1] as string).toUpperCase(),
      flags,
      args: rest,
      line: start + 1,
      comments,
    });
    comments = [];
  }
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const [image, as, name] = ins.args.split(/\s+/);
      if (as !== undefined && as.toUpperCase() !== 'AS')
        throw new Error(`line ${ins.line}: FROM ${ins.args}`);
      stages.push({ from: ins, image: image as string, name, instructions: [] });
    } else {
      const stage = stages[stages.length - 1];
      if (!stage) throw new Error(`line ${ins.line}: ${ins.keyword} before any FROM`);
      (stage.instructions as Instruction[]).push(ins);
    }
  }
  return stages;
}

/** An instruction's arguments in exec (JSON array) form, or undefined in shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`not an array of strings: ${args}`);
  }
  return parsed;
}

/** `ENV a=b c=d` (and the legacy `ENV a b`) as a record. */
export function envAssignments(args: string): Record<string, string> {
  if (!args.includes('=')) {
    const [name, ...value] = args.split(/\s+/);
    return { [name as string]: value.join(' ') };
  }
  const env: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const raw = m[2] as string;
    env[m[1] as string] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return env;
}

export type YamlValue = string | YamlValue[] | { [key: string]: YamlValue };

interface YamlLine {
  readonly indent: number;
  readonly text: string;
  readonly line: number;
}

/**
 * The YAML subset of docker-compose.yml: block mappings, block sequences, flow sequences of JSON strings (on
 * one or several lines), plain and double-quoted scalars, full-line comments. Anything else throws.
 */
export function parseYamlSubset(text: string): YamlValue {
  const lines: YamlLine[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i] ?? '';
    if (l.trim() === '' || l.trim().startsWith('#')) continue;
    if (/\t/.test(l.slice(0, l.length - l.trimStart().length))) throw new Error(`line ${i + 1}: tab indent`);
    let body = l.trim();
    const start = i;
    // a flow sequence that starts here (after `key:` or on its own) and closes on a later line
    while (opens(body) > 0 || (body.endsWith(':') && (raw[i + 1] ?? '').trim().startsWith('['))) {
      i += 1;
      if (i >= raw.length) throw new Error(`line ${start + 1}: unclosed [`);
      body = `${body} ${(raw[i] ?? '').trim()}`;
    }
    lines.push({ indent: l.length - l.trimStart().length, text: body, line: start + 1 });
  }
  const [value, next] = parseBlock(lines, 0, lines[0]?.indent ?? 0);
  if (next !== lines.length) throw new Error(`line ${lines[next]?.line}: unexpected indentation`);
  return value;
}

function opens(text: string): number {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i += 1;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '[') depth += 1;
    else if (c === ']') depth -= 1;
  }
  return depth;
}

function parseBlock(lines: YamlLine[], from: number, indent: number): [YamlValue, number] {
  const first = lines[from];
  if (!first) return ['', from];
  if (first.text.startsWith('- ')) {
    const items: YamlValue[] = [];
    let i = from;
    while (i < lines.length && lines[i]?.indent === indent && lines[i]?.text.startsWith('- ')) {
      items.push(scalar((lines[i] as YamlLine).text.slice(2).trim(), (lines[i] as YamlLine).line));
      i += 1;
    }
    return [items, i];
  }
  const map: { [key: string]: YamlValue } = {};
  let i = from;
  while (i < lines.length && (lines[i] as YamlLine).indent === indent) {
    const l = lines[i] as YamlLine;
    const m = /^("[^"]*"|[A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(l.text);
    if (!m) throw new Error(`line ${l.line}: not a mapping entry: ${l.text}`);
    const key = (m[1] as string).startsWith('"') ? (JSON.parse(m[1] as string) as string) : (m[1] as string);
    if (key in map) throw new Error(`line ${l.line}: duplicate key ${key}`);
    const inline = m[2]?.trim() ?? '';
    i += 1;
    if (inline !== '') {
      map[key] = scalar(inline, l.line);
    } else if (i < lines.length && (lines[i] as YamlLine).indent > indent) {
      [map[key], i] = parseBlock(lines, i, (lines[i] as YamlLine).indent);
    } else {
      map[key] = '';
    }
  }
  if (i < lines.length && (lines[i] as YamlLine).indent > indent) {
    throw new Error(`line ${lines[i]?.line}: unexpected indentation`);
  }
  return [map, i];
}

function scalar(text: string, line: number): YamlValue {
  if (text.startsWith('[')) {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) throw new Error(`line ${line}: ${text}`);
    return parsed.map((v) => String(v));
  }
  if (text.startsWith('"')) return JSON.parse(text) as string;
  if (/^['{&*!|>]/.test(text) || / #/.test(text)) throw new Error(`line ${line}: unsupported YAML: ${text}`);
  return text;
}

/**
 * Compose's variable interpolation in `value`: `${VAR:-default}` and `${VAR-default}` take the default when
 * VAR is not in `vars`, `${VAR:?message}` requires it, `${VAR}` and `$VAR` are its value or empty.
 */
export function interpolate(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*)|(:?\?)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_all, name: string | undefined, dash, fallback: string | undefined, query, message, bare) => {
      const variable = (name ?? bare) as string;
      const set = vars[variable];
      if (query !== undefined && (set === undefined || (query === ':?' && set === ''))) {
        throw new Error(`${variable}: ${message}`);
      }
      if (dash !== undefined && (set === undefined || (dash === ':-' && set === ''))) return fallback ?? '';
      return set ?? '';
    },
  );
}
