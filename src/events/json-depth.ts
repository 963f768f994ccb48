/**
 * The deepest nesting an event may have (Jackson's default, which Izanami parses with). JSON.parse takes any
 * depth, but JSON.stringify recurses: a payload 10,000 arrays deep overflows the stack when the event is
 * serialized for the stream. Checked on HTTP bodies and on ingested messages.
 */
export const MAX_JSON_DEPTH = 1000;

/** The nesting depth of a parsed JSON value (a scalar is 0), walked without recursion. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, depth] = top;
    if (node === null || typeof node !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
