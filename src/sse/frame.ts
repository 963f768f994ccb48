/**
 * Server-sent event framing. Event JSON never holds a raw line break (JSON.stringify escapes them), but any
 * other text is split on CR, LF and CRLF into one `data:` line each, so no payload can end a frame early.
 */
const LINE_BREAK = /\r\n|\r|\n/;

export function eventFrame(id: number, json: string): string {
  if (json.includes('\n') || json.includes('\r')) return namedFrame(undefined, json, id);
  return `id: ${id}\ndata: ${json}\n\n`;
}

export function namedFrame(event: string | undefined, data: string, id?: number): string {
  let frame = '';
  if (event !== undefined) frame += `event: ${event.replace(/[\r\n]/g, '')}\n`;
  if (id !== undefined) frame += `id: ${id}\n`;
  for (const line of data.split(LINE_BREAK)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

export function commentFrame(text: string): string {
  return `: ${text.replace(/[\r\n]/g, ' ')}\n\n`;
}

export const KEEP_ALIVE_FRAME = commentFrame('keep-alive');
