import Joi from 'joi';
import { compilePatterns } from '../events/glob.js';
import { validate } from './validate.js';

/** Izanami's list answer: `{"results": […], "metadata": {page, pageSize, count, nbPages}}`, pages from 1. */
export interface Page<T> {
  results: T[];
  metadata: { page: number; pageSize: number; count: number; nbPages: number };
}

export const pageQuerySchema = Joi.object({
  page: Joi.number().integer().min(1).max(1_000_000).default(1),
  pageSize: Joi.number().integer().min(1).max(1000).default(15),
  pattern: Joi.string().max(1024).allow(''),
}).unknown(true);

export function paginate<T>(items: readonly T[], page: number, pageSize: number): Page<T> {
  const start = (page - 1) * pageSize;
  return {
    results: items.slice(start, start + pageSize),
    metadata: { page, pageSize, count: items.length, nbPages: Math.ceil(items.length / pageSize) },
  };
}

/**
 * Izanami's list routes: `?pattern=` (globs on each item's id), `page`, `pageSize`, validated (400), then the
 * page of what matches.
 */
export function listPage<T, V>(
  query: unknown,
  items: readonly T[],
  idOf: (item: T) => string,
  view: (item: T) => V,
): Page<V> {
  const q = validate(pageQuerySchema, query, 'query') as { page: number; pageSize: number; pattern?: string };
  const matcher = compilePatterns(q.pattern);
  return paginate(items.filter((item) => matcher.test(idOf(item))).map(view), q.page, q.pageSize);
}
